"""``ftadraft compare``: two clauses side by side, with substantive changes, HTML and Word redlines."""

from __future__ import annotations

import functools
import sys
from collections.abc import Sequence
from datetime import UTC
from pathlib import Path

import click

from ..atomic import write_text
from ..model import Document, Provision, citation
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
@click.option("--chapter", help="Align chapters: the chapter of A (and of B) by number or title text.")
@click.option("--chapter-b", help="The chapter of B, when it differs from --chapter.")
@click.option("--author", default="ftadraft", show_default=True, help="Author of the tracked changes (--docx).")
@click.option("--force", is_flag=True, help="Overwrite existing output files.")
@click.pass_obj
def compare_cmd(obj: Context, a: str, b: str, docx_out: Path | None, html_out: Path | None, as_json: bool,
                author: str, force: bool, chapter: str | None, chapter_b: str | None) -> None:
    """Compare two clauses, or align two chapters.

    A and B are references (tpp:14.3), files in any readable format (txt, md, docx, pdf, html) or - (stdin).
    Two single articles are compared word by word. With several articles on either side — a file holding a
    chapter, an agreement reference (tpp) with --chapter, or an agreement without chapters — the articles
    are aligned by content: matched pairs with a short diff summary, then the articles on one side only.
    """
    if chapter is not None or chapter_b is not None or _several(obj, a) or _several(obj, b):
        run(lambda: _compare_chapters(obj, a, b, chapter, chapter_b if chapter_b is not None else chapter,
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
        sources: list[str] = []
        (label_a, text_a), (label_b, text_b) = (_clause(obj, ref, stdin, sources) for ref in (a, b))
        comparison = compare_texts(text_a, text_b, label_a=label_a, label_b=label_b)
        if docx_out is not None:
            from ..drafting.house import new_document

            short_a, short_b = (label.rsplit(", ", 1)[-1] for label in (label_a, label_b))
            write_redline_docx([(f"{short_a} → {short_b}", text_a, text_b)], docx_out, author=author,
                               date=datetime.now(UTC), title=f"{label_a} compared with {label_b}",
                               source=_source_line(sources), document=new_document())
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


def _source(agreement: object) -> str:
    """Where an agreement's text comes from and under which licence: "Trans-Pacific Partnership: ToTA
    (pta_449.xml), CC BY-NC 4.0"."""
    from ..model import Agreement

    assert isinstance(agreement, Agreement)
    src = dict(agreement.source)
    where = ("ToTA, Texts of Trade Agreements" if src.get("dataset") == "tota" else src.get("dataset", ""))
    if src.get("file"):
        where = f"{where} ({src['file']})" if where else src["file"]
    licence = agreement.licence or "licence not recorded"
    return f"{agreement.name}: {where or 'local file'}, {licence}"


def _source_line(sources: list[str]) -> str:
    return "Sources: " + "; ".join(dict.fromkeys(sources)) + ". Tracked changes show the second text against the first."


def _clause(obj: Context, ref: str, stdin: str, sources: list[str] | None = None) -> tuple[str, str]:
    """(label, text) of a clause named on the command line; its source line is added to ``sources``."""
    from ..errors import InputError

    sources = [] if sources is None else sources
    if ref == "-":  # already read and checked (binary, encoding, empty) by text_argument
        sources.append("standard input")
        return "stdin", stdin
    path = Path(ref)
    if path.is_file():
        doc = _load(path)
        articles = _articles(doc.provisions) or list(doc.provisions)
        if len(articles) != 1:
            raise InputError(path, f"holds {len(articles)} articles; name one as AGREEMENT:ARTICLE after "
                                   "`ftadraft corpus add`, or give a file with one clause")
        sources.append(f"file {path.name}")
        return path.name, articles[0].text
    with obj.open() as c:
        p = c.provision(ref)
        agreement = c.agreement(p.agreement_id)
    sources.append(_source(agreement))
    return citation(agreement, p), p.text


def _several(obj: Context, ref: str) -> bool:
    """Whether ``ref`` names more than one article: a file holding several, or an agreement (no article)."""
    if ref == "-":
        return False
    path = Path(ref)
    if path.is_file():
        return len(_articles(_load(path).provisions)) > 1
    from ..index.refs import split_ref

    return split_ref(ref)[1] is None


@functools.lru_cache(maxsize=4)
def _load(path: Path) -> Document:
    """A file read once per command, however many times the command looks at it."""
    from ..ingest.load import load_file

    return load_file(path)


def _articles(provisions: Sequence[Provision]) -> list[Provision]:
    """The articles of a text, without the front matter a reader keeps as a provision of its own."""
    return [p for p in provisions if "front-matter" not in p.flags]


def _chapter_side(obj: Context, ref: str, chapter: str | None) -> tuple[str, list[Provision], str]:
    """(name, articles, source line) of one side of a chapter comparison: a file, an agreement (with
    ``chapter``, or all its articles when it has no chapters), or a single article."""
    from ..compare.align import chapter_provisions
    from ..errors import FtadraftError, InputError

    path = Path(ref)
    if ref != "-" and path.is_file():
        doc = _load(path)
        articles = _articles(doc.provisions)
        if chapter and any(p.chapter_number or p.chapter_title for p in articles):  # no chapters: the file is one
            articles = chapter_provisions(articles, chapter)
        if not articles:
            raise InputError(path, "no articles found")
        name = doc.agreement.name or path.name
        if chapter and (articles[0].chapter_number or articles[0].chapter_title):
            name += ", Chapter " + " ".join(filter(None, (articles[0].chapter_number, articles[0].chapter_title)))
        return name, articles, f"file {path.name}"
    if ref == "-":
        raise FtadraftError("a chapter comparison reads files or references, not standard input")
    from ..index.refs import split_ref

    with obj.open() as c:
        if split_ref(ref)[1] is not None:
            one = c.provision(ref)
            agreement = c.agreement(one.agreement_id)
            return citation(agreement, one), [one], _source(agreement)
        agreement = c.agreement(ref)
        provisions = _articles(c.index.provisions(agreement.id))
        if chapter and any(p.chapter_number or p.chapter_title for p in provisions):
            articles = chapter_provisions(provisions, chapter)
        elif len({(p.chapter_number, p.chapter_title) for p in provisions}) <= 1:
            articles = provisions  # no chapters: the agreement is the chapter
        else:
            raise FtadraftError(f"{ref}: {agreement.name} has chapters; say which with --chapter "
                                "(number or title text)")
    name = agreement.name
    if chapter and articles and (articles[0].chapter_number or articles[0].chapter_title):
        name += ", Chapter " + " ".join(filter(None, (articles[0].chapter_number, articles[0].chapter_title)))
    return name, articles, _source(agreement)


def _compare_chapters(obj: Context, a: str, b: str, chapter_a: str | None, chapter_b: str | None,
                      docx_out: Path | None, html_out: Path | None, as_json: bool, author: str, force: bool) -> int:
    """Align two chapters article by article (files, agreements or single articles on either side)."""
    from datetime import UTC, datetime

    from ..compare.align import align_articles, article_label
    from ..compare.redline import write_redline_docx
    from ..compare.texts import compare_texts
    from ..errors import FtadraftError

    if html_out is not None:
        raise FtadraftError("--html compares two clauses; for chapters use --docx or --json")
    if docx_out is not None:
        check_output(docx_out, force)
    name_a, pa, source_a = _chapter_side(obj, a, chapter_a)
    name_b, pb, source_b = _chapter_side(obj, b, chapter_b)
    alignment = align_articles(pa, pb)

    def name(p: Provision) -> str:
        return f"{article_label(p)}" + (f" {p.title}" if p.title else "")

    if docx_out is not None:
        from ..drafting.house import new_document

        items = []
        for i, j in alignment.merged_order():
            left, right = (pa[i] if i is not None else None), (pb[j] if j is not None else None)
            if left is not None and right is not None:
                heading = name(left) if name(left) == name(right) else f"{name(left)} → {name(right)}"
            elif left is not None:
                heading = f"{name(left)} (only in A: deleted)"
            else:
                assert right is not None
                heading = f"{name(right)} (only in B: inserted)"
            items.append((heading, left.text if left else "", right.text if right else ""))
        write_redline_docx(items, docx_out, author=author, date=datetime.now(UTC),
                           title=f"{name_a} compared with {name_b}",
                           source=_source_line([source_a, source_b]), document=new_document(), whole_articles=True)
    if as_json:
        emit_json(alignment.to_dict())
        return 0
    if docx_out is not None:
        if not obj.quiet:
            click.echo(f"written: {docx_out}", err=True)
        return 0
    click.echo(f"A: {name_a}: {len(pa)} articles")
    click.echo(f"B: {name_b}: {len(pb)} articles")
    click.echo("")
    for x in alignment.pairs:
        pa_, pb_ = pa[x.index_a], pb[x.index_b]
        if x.status == "identical":
            summary = "identical"
        else:
            cmp = compare_texts(pa_.text, pb_.text)
            summary = f"{cmp.words_deleted} words deleted, {cmp.words_inserted} inserted"
            if cmp.changes:
                summary += f"; {len(cmp.changes)} substantive: " + "; ".join(ch.message for ch in cmp.changes[:2])
        click.echo(f"{name(pa_)}  ↔  {name(pb_)}  [{x.similarity:.2f}] {summary}")
    if alignment.only_a_index:
        click.echo("\nOnly in A: " + "; ".join(name(pa[i]) for i in alignment.only_a_index))
    if alignment.only_b_index:
        click.echo("\nOnly in B: " + "; ".join(name(pb[j]) for j in alignment.only_b_index))
    return 0
