"""``ftadraft compare``: two clauses side by side, with substantive changes, HTML and Word redlines."""

from __future__ import annotations

import sys
from datetime import UTC
from pathlib import Path

import click

from ..atomic import write_text
from ..model import citation
from .app import Context, cli, emit_json, run, text_argument
from .files import check_output


@cli.command("compare")
@click.argument("a")
@click.argument("b")
@click.option("--docx", "docx_out", type=click.Path(dir_okay=False, path_type=Path),
              help="Write a Word document whose differences are tracked changes (Accept All gives B).")
@click.option("--html", "html_out", type=click.Path(dir_okay=False, path_type=Path),
              help="Write a standalone HTML page (side-by-side and inline views).")
@click.option("--json", "as_json", is_flag=True, help="Print the comparison as JSON.")
@click.option("--chapter", help="Align a chapter: A and B are agreements; chapter of A by number or title substring.")
@click.option("--chapter-b", help="Chapter of B for --chapter (default: the same as --chapter).")
@click.option("--author", default="ftadraft", show_default=True, help="Author of the tracked changes (--docx).")
@click.option("--force", is_flag=True, help="Overwrite existing output files.")
@click.pass_obj
def compare_cmd(obj: Context, a: str, b: str, docx_out: Path | None, html_out: Path | None, as_json: bool,
                author: str, force: bool, chapter: str | None, chapter_b: str | None) -> None:
    """Compare two clauses: A and B are references (tpp:14.3), files with one article, or - (stdin).

    With --chapter, A and B are agreements (tpp, korus) and the articles of the two chapters are
    aligned by content: matched pairs with a short diff summary, then the articles on one side only.
    """
    if chapter is not None or chapter_b is not None:
        run(lambda: _compare_chapters(obj, a, b, chapter or chapter_b or "", chapter_b or chapter or "",
                                      docx_out, html_out, as_json, author, force))
        return

    def body() -> int:
        from datetime import datetime

        from ..compare.redline import write_redline_docx
        from ..compare.texts import compare_texts, render_html, render_terminal

        for out in (docx_out, html_out):
            if out is not None:
                check_output(out, force)
        stdin = text_argument("-")[1] if "-" in (a, b) else ""
        (label_a, text_a), (label_b, text_b) = (_clause(obj, ref, stdin) for ref in (a, b))
        comparison = compare_texts(text_a, text_b, label_a=label_a, label_b=label_b)
        if docx_out is not None:
            write_redline_docx([(f"{label_a} → {label_b}", text_a, text_b)], docx_out, author=author,
                               date=datetime.now(UTC), title=f"Comparison: {label_a} / {label_b}")
        if html_out is not None:
            write_text(html_out, render_html(comparison))
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

    if ref == "-":  # already read and checked (binary, encoding, empty) by text_argument
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
        agreement = c.agreement(p.agreement_id)
    return citation(agreement, p), p.text


def _compare_chapters(obj: Context, a: str, b: str, chapter_a: str, chapter_b: str, docx_out: Path | None,
                      html_out: Path | None, as_json: bool, author: str, force: bool) -> int:
    """``compare A B --chapter``: align two chapters article by article."""
    from datetime import UTC, datetime

    from ..compare.align import align_articles, article_label, chapter_provisions
    from ..compare.redline import write_redline_docx
    from ..compare.texts import compare_texts
    from ..errors import FtadraftError

    if html_out is not None:
        raise FtadraftError("--html compares two clauses; with --chapter use --docx or --json")
    if docx_out is not None:
        check_output(docx_out, force)
    with obj.open() as c:
        ag_a, ag_b = c.agreement(a), c.agreement(b)
        pa = chapter_provisions(c.index.provisions(ag_a.id), chapter_a)
        pb = chapter_provisions(c.index.provisions(ag_b.id), chapter_b)
    alignment = align_articles(pa, pb)
    by_a = {article_label(p): p for p in pa}
    by_b = {article_label(p): p for p in pb}

    def name(p: object) -> str:
        from ..model import Provision

        assert isinstance(p, Provision)
        return f"{article_label(p)}" + (f" {p.title}" if p.title else "")

    if docx_out is not None:
        write_redline_docx(
            [(f"{ag_a.id}:{name(by_a[x.a])} → {ag_b.id}:{name(by_b[x.b])}", by_a[x.a].text, by_b[x.b].text)
             for x in alignment.pairs],
            docx_out, author=author, date=datetime.now(UTC),
            title=f"Chapter alignment: {ag_a.name} / {ag_b.name}")
    if as_json:
        emit_json(alignment.to_dict())
        return 0
    if docx_out is not None:
        if not obj.quiet:
            click.echo(f"written: {docx_out}", err=True)
        return 0
    head_a = " ".join(filter(None, (pa[0].chapter_number, pa[0].chapter_title)))
    head_b = " ".join(filter(None, (pb[0].chapter_number, pb[0].chapter_title)))
    click.echo(f"A: {ag_a.id} ({ag_a.name}), chapter {head_a}: {len(pa)} articles")
    click.echo(f"B: {ag_b.id} ({ag_b.name}), chapter {head_b}: {len(pb)} articles")
    click.echo("")
    for x in alignment.pairs:
        pa_, pb_ = by_a[x.a], by_b[x.b]
        if x.status == "identical":
            summary = "identical"
        else:
            cmp = compare_texts(pa_.text, pb_.text)
            summary = f"{cmp.words_deleted} words deleted, {cmp.words_inserted} inserted"
            if cmp.changes:
                summary += f"; {len(cmp.changes)} substantive: " + "; ".join(ch.message for ch in cmp.changes[:2])
        click.echo(f"{name(pa_)}  ↔  {name(pb_)}  [{x.similarity:.2f}] {summary}")
    if alignment.only_a:
        click.echo("\nOnly in A: " + "; ".join(name(by_a[n]) for n in alignment.only_a))
    if alignment.only_b:
        click.echo("\nOnly in B: " + "; ".join(name(by_b[n]) for n in alignment.only_b))
    return 0
