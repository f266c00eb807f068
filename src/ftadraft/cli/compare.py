"""``ftadraft compare``: two clauses side by side, with substantive changes, HTML and Word redlines."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..model import citation
from .app import Context, cli, emit_json, run
from .files import check_output, write_atomically


@cli.command("compare")
@click.argument("a")
@click.argument("b")
@click.option("--docx", "docx_out", type=click.Path(dir_okay=False, path_type=Path),
              help="Write a Word document whose differences are tracked changes (Accept All gives B).")
@click.option("--html", "html_out", type=click.Path(dir_okay=False, path_type=Path),
              help="Write a standalone HTML page (side-by-side and inline views).")
@click.option("--json", "as_json", is_flag=True, help="Print the comparison as JSON.")
@click.option("--author", default="ftadraft", show_default=True, help="Author of the tracked changes (--docx).")
@click.option("--force", is_flag=True, help="Overwrite existing output files.")
@click.pass_obj
def compare_cmd(obj: Context, a: str, b: str, docx_out: Path | None, html_out: Path | None, as_json: bool,
                author: str, force: bool) -> None:
    """Compare two clauses: A and B are references (tpp:14.3), files with one article, or - (stdin)."""

    def body() -> int:
        from datetime import datetime, timezone

        from ..compare import compare_texts, render_html, render_terminal
        from ..redline import write_redline_docx

        for out in (docx_out, html_out):
            if out is not None:
                check_output(out, force)
        stdin = sys.stdin.read() if "-" in (a, b) else ""
        (label_a, text_a), (label_b, text_b) = (_clause(obj, ref, stdin) for ref in (a, b))
        comparison = compare_texts(text_a, text_b, label_a=label_a, label_b=label_b)
        if docx_out is not None:
            write_redline_docx([(f"{label_a} → {label_b}", text_a, text_b)], docx_out, author=author,
                               date=datetime.now(timezone.utc), title=f"Comparison: {label_a} / {label_b}")
        if html_out is not None:
            write_atomically(html_out, render_html(comparison))
        if as_json:
            emit_json(comparison.to_dict())
        elif docx_out is None and html_out is None:
            click.echo(render_terminal(comparison, color=sys.stdout.isatty()))
        elif not obj.quiet:
            click.echo("identical" if comparison.identical else "written: " + ", ".join(
                str(p) for p in (docx_out, html_out) if p), err=True)
        return 0

    run(body)


def _clause(obj: Context, ref: str, stdin: str) -> tuple[str, str]:
    """(label, text) of a clause named on the command line."""
    from ..errors import InputError

    if ref == "-":
        if not stdin.strip():
            raise InputError("<stdin>", "empty text")
        return "stdin", stdin
    path = Path(ref)
    if path.is_file():
        from ..ingest.load import load_file

        doc = load_file(path)
        if len(doc.provisions) != 1:
            raise InputError(path, f"holds {len(doc.provisions)} articles; name one as AGREEMENT:ARTICLE after "
                                   "`ftadraft corpus add`, or give a file with one clause")
        return path.name, doc.provisions[0].text
    with obj.open() as c:
        p = c.provision(ref)
        agreement = c.index.agreement(p.agreement_id)
    return citation(agreement, p), p.text
