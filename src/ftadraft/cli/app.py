"""The root ``ftadraft`` command, its shared options, and how commands report progress and errors.

Machine output (``--json``) goes to stdout only; progress bars, warnings and errors go to stderr.
Errors are one line (``ftadraft: FILE: problem``) with exit code 1; usage errors exit 2.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

import click

from .. import __version__
from ..errors import FtadraftError

if TYPE_CHECKING:
    from ..corpus import Corpus


class Context:
    def __init__(self, db: str | None, quiet: bool) -> None:
        self.db = db
        self.quiet = quiet

    def open(self, *, create: bool = False) -> Corpus:
        from ..corpus import open as open_corpus

        return open_corpus(self.db, create=create)


def emit_json(value: Any) -> None:
    click.echo(json.dumps(value, ensure_ascii=False, indent=2, default=str))


def text_argument(text: str | None, label: str = "TEXT") -> tuple[str, str]:
    """(label, text) of a TEXT argument, or of standard input when TEXT is ``-`` or missing; refuses
    binary or non-UTF-8 input and empty text with one line."""
    from pathlib import Path

    from ..errors import InputError
    from ..ingest.guard import decode_text

    if text in (None, "-"):
        label = "<stdin>"
        data = sys.stdin.buffer.read()
        if b"\x00" in data[:4096]:
            raise InputError(label, "binary data, not text")
        text = decode_text(data, Path(label))
    elif any("\udc80" <= ch <= "\udcff" for ch in text):  # undecodable bytes in the argument
        raise InputError(label, "not valid UTF-8 text")
    if not text.strip():
        raise InputError(label, "empty text")
    return label, text


def jsonl_items(stream: Iterable[str]) -> Iterator[dict[str, Any]]:
    """The objects of a ``--batch`` file of JSON lines ``{"id": ..., "text": ...}`` (blank lines skipped);
    a malformed line stops with ``FILE:LINE`` and what is wrong."""
    from ..errors import InputError

    for n, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except ValueError as e:
            item, problem = None, str(e)
        else:
            problem = 'needs an object with a "text" string'
        if not isinstance(item, dict) or not isinstance(item.get("text"), str):
            raise InputError(f"{getattr(stream, 'name', '<batch>')}:{n}",
                             f'not a JSON line of the form {{"id": ..., "text": ...}} ({problem})')
        yield item


def warn(message: str) -> None:
    click.echo(f"warning: {message}", err=True)


class Progress:
    """Progress bars on stderr, one per stage; silent with --quiet."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.bar: Any = None
        self.stage: str | None = None
        self.last = 0

    def __call__(self, stage: str, done: int, total: int) -> None:
        if not self.enabled or total <= 0:
            return
        if stage != self.stage:
            self.close()
            labels = {"read": "Reading  ", "analyse": "Analysing", "tag": "Tagging  ", "write": "Writing  ",
                      "fetch": "Fetching "}
            self.bar = click.progressbar(length=total, label=labels.get(stage, stage), file=sys.stderr,
                                         show_pos=True, width=30)
            self.bar.__enter__()
            self.stage, self.last = stage, 0
        self.bar.update(done - self.last)
        self.last = done

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None
            self.stage = None


def quiet_option(f: Callable[..., Any]) -> Callable[..., Any]:
    """``-q/--quiet`` on a subcommand, same as the global flag."""

    def set_quiet(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
        obj = ctx.find_object(Context)
        if value and obj is not None:
            obj.quiet = True

    return click.option("--quiet", "-q", is_flag=True, expose_value=False, callback=set_quiet,
                        help="No progress bars or warnings on stderr.")(f)


def run(fn: Callable[[], int | None]) -> None:
    """Run a command body: library errors become one-line messages and exit code 1."""
    try:
        code = fn()
    except FtadraftError as e:
        click.echo(f"ftadraft: {e}", err=True)
        sys.exit(e.exit_code)
    except KeyboardInterrupt:
        click.echo("ftadraft: interrupted; nothing was written", err=True)
        sys.exit(130)
    sys.exit(code or 0)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--db", type=click.Path(dir_okay=False), envvar="FTADRAFT_DB",
              help="Index file (default: $FTADRAFT_DB or ftadraft.sqlite in the user data folder).")
@click.option("--quiet", "-q", is_flag=True, help="No progress bars or warnings on stderr.")
@click.version_option(__version__, prog_name="ftadraft")
@click.pass_context
def cli(ctx: click.Context, db: str | None, quiet: bool) -> None:
    """Search, compare and draft trade-agreement clauses."""
    ctx.obj = Context(db, quiet)
