"""The root ``ftadraft`` command, its shared options, and how commands report progress and errors.

Machine output (``--json``) goes to stdout only; progress bars, warnings and errors go to stderr.
Errors are one line (``ftadraft: FILE: problem``) with exit code 1; usage errors exit 2; an interrupt 130.
Read commands open the index read-only (nothing is ever written to it); write commands wait for another
process's write lock with a message, then fail with one line.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from .. import __version__
from ..errors import FtadraftError

if TYPE_CHECKING:
    from ..corpus import Corpus


class Context:
    def __init__(self, db: str | None, quiet: bool) -> None:
        self.db = db
        self.quiet = quiet
        #: The index file last opened, named by errors SQLite raises later (a damaged page met in a read).
        self.opened: Path | None = None

    def open(self, *, create: bool = False, write: bool = False) -> Corpus:
        """The index: read-only unless the command writes (``write``) or may create it (``create``)."""
        from ..corpus import open as open_corpus

        corpus = open_corpus(self.db, create=create, readonly=not (create or write), on_wait=self._waiting)
        self.opened = corpus.path
        return corpus

    def _waiting(self, message: str) -> None:
        if not self.quiet:
            click.echo(f"ftadraft: {message}", err=True)


def emit_json(value: Any) -> None:
    click.echo(json.dumps(value, ensure_ascii=False, indent=2, default=str))


def text_argument(text: str | None, label: str = "TEXT") -> tuple[str, str]:
    """(label, text) of a TEXT argument, or of standard input when TEXT is ``-`` or missing; refuses
    binary or non-UTF-8 input and empty text with one line."""
    from ..errors import InputError
    from ..ingest.guard import decode_text

    if text in (None, "-"):
        label = "<stdin>"
        data = sys.stdin.buffer.read()
        if b"\x00" in data[:4096]:
            raise InputError(label, "binary data, not text")
        text = decode_text(data, Path(label))
    elif any("\ud800" <= ch <= "\udfff" for ch in text):  # undecodable bytes in the argument, a lone surrogate
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
        where = f"{getattr(stream, 'name', '<batch>')}:{n}"
        if not isinstance(item, dict) or not isinstance(item.get("text"), str):
            raise InputError(where, f'not a JSON line of the form {{"id": ..., "text": ...}} ({problem})')
        if any(isinstance(v, str) and _SURROGATE.search(v) for v in (item["text"], item.get("id"), item.get("title"))):
            raise InputError(where, "not valid Unicode text (a lone surrogate such as \\udc80)")
        yield item


_SURROGATE = re.compile("[\ud800-\udfff]")


def warn(message: str) -> None:
    click.echo(f"warning: {message}", err=True)


class Progress:
    """Progress on stderr, one bar per stage (count, rate, time left: tqdm) on a terminal; elsewhere one
    line per finished stage ("Analysing: 40,993 of 40,993 in 12.3 s (3,330 articles/s)"), so logs stay
    readable. A stage of total 1 is one step with nothing to count ("Writing: done in 1.2 s"). Silent with
    --quiet."""

    LABELS = {"read": "Reading", "analyse": "Analysing", "tag": "Tagging", "write": "Writing", "fetch": "Fetching",
              "rank": "Ranking"}
    #: What a stage counts, where it is not articles.
    UNITS = {"read": "files", "fetch": "files"}

    def __init__(self, enabled: bool, *, terminal: bool | None = None) -> None:
        self.enabled = enabled
        self.terminal = sys.stderr.isatty() if terminal is None else terminal
        self.bar: Any = None
        self.stage: str | None = None
        self.last = 0
        self.total = 0
        self.started = 0.0

    def __call__(self, stage: str, done: int, total: int) -> None:
        if not self.enabled or total <= 0:
            return
        if stage != self.stage:
            self.close()
            self.stage, self.last, self.total, self.started = stage, 0, total, time.perf_counter()
            if self.terminal:
                from tqdm import tqdm

                step = {"bar_format": "{desc}: {elapsed}"} if total == 1 else {}
                self.bar = tqdm(total=total, desc=f"{self.LABELS.get(stage, stage):<9}", file=sys.stderr,
                                unit=f" {self.UNITS.get(stage, 'articles')}", unit_scale=False,
                                dynamic_ncols=True, leave=True, **step)
        if self.bar is not None:
            self.bar.update(done - self.last)
        self.last = done

    def close(self) -> None:
        if self.stage is None:
            return
        if self.bar is not None:
            self.bar.close()
            self.bar = None
        else:
            seconds = time.perf_counter() - self.started
            label = self.LABELS.get(self.stage, self.stage)
            if self.total == 1:
                click.echo(f"{label}: {'done' if self.last else 'stopped'} in {seconds:.1f} s", err=True)
            else:
                unit = self.UNITS.get(self.stage, "articles")
                per_second = self.last / seconds if seconds > 0.05 else 0.0
                # "1.5 files/s" below 10 (never "1 files/s"), "3,330 articles/s" above
                rate = f" ({per_second:,.{1 if per_second < 10 else 0}f} {unit}/s)" if per_second else ""
                click.echo(f"{label}: {self.last:,} of {self.total:,} in {seconds:.1f} s{rate}", err=True)
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
    """Run a command body: library errors become one-line messages and exit code 1 — and so do what the
    environment does to a command: an SQLite error met in a read (a damaged page: named after the index
    file), an OSError (a full disk, a read-only file system: named after its file)."""
    try:
        code = fn()
    except FtadraftError as e:
        _fail(str(e), e.exit_code)
    except sqlite3.Error as e:
        from ..index.store import default_db_path, index_error

        obj = click.get_current_context(silent=True)
        ctx = obj.find_object(Context) if obj is not None else None
        path = (ctx.opened if ctx is not None else None) or (Path(ctx.db) if ctx and ctx.db else default_db_path())
        _fail(str(index_error(path, e)), 1)
    except BrokenPipeError:  # the reader of our output went away (`| head`): nothing to say, nobody to say it to
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(141)
    except OSError as e:
        where = f"{e.filename}: " if e.filename else ""
        _fail(f"{where}{e.strerror or e}", 1)
    except KeyboardInterrupt:
        _fail("interrupted; nothing was written", 130)
    sys.exit(code or 0)


def _fail(message: str, code: int) -> NoReturn:
    click.echo(f"ftadraft: {' '.join(message.split())}", err=True)
    sys.exit(code)


class LazyGroup(click.Group):
    """The root group: each command's module is imported when that command runs (or help lists it), so a
    one-shot command pays for its own imports only. ``lazy`` maps a command name to the module (in this
    package) whose ``@cli.command``/``@cli.group`` registers it; see :mod:`ftadraft.cli`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy: dict[str, str] = {}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in self.lazy:
            import importlib

            importlib.import_module(f"{__package__}.{self.lazy[cmd_name]}")  # registers the command
        return self.commands.get(cmd_name)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--db", type=click.Path(dir_okay=False), envvar="FTADRAFT_DB",
              help="Index file (default: $FTADRAFT_DB or ftadraft.sqlite in the user data folder).")
@click.option("--quiet", "-q", is_flag=True, help="No progress bars or warnings on stderr.")
@click.version_option(__version__, prog_name="ftadraft")
@click.pass_context
def cli(ctx: click.Context, db: str | None, quiet: bool) -> None:
    """Search, compare and draft trade-agreement clauses."""
    ctx.obj = Context(db, quiet)
