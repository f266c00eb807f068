"""``ftadraft compare``: two clauses side by side, with substantive changes, HTML and Word redlines."""

from __future__ import annotations

import functools
import sys
from datetime import UTC
from pathlib import Path

import click

from ..atomic import write_text
from ..model import Document, Provision, citation
from .app import Context, cli, emit_json, run, text_argument
from .files import check_output, counted, report_written


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
        else:
            for out in (docx_out, html_out):
                report_written(out, "the texts are identical" if comparison.identical else "", quiet=obj.quiet)
        return 0

    run(body)


def _source_line(sources: list[str]) -> str:
    return "Sources: " + "; ".join(dict.fromkeys(sources)) + ". Tracked changes show the second text against the first."


def _clause(obj: Context, ref: str, stdin: str, sources: list[str] | None = None) -> tuple[str, str]:
    """(label, text) of a clause named on the command line; its source line is added to ``sources``."""
    from ..errors import InputError
    from ..research.articles import articles as articles_of

    sources = [] if sources is None else sources
    if ref == "-":  # already read and checked (binary, encoding, empty) by text_argument
        sources.append("standard input")
        return "stdin", stdin
    path = Path(ref)
    if path.is_file():
        doc = _load(path)
        articles = articles_of(list(doc.provisions)) or list(doc.provisions)
        if len(articles) != 1:
            raise InputError(path, f"holds {len(articles)} articles; name one as AGREEMENT:ARTICLE after "
                                   "`ftadraft corpus add`, or give a file with one clause")
        sources.append(f"file {path.name}")
        return path.name, articles[0].text
    from ..research.articles import source_line

    with obj.open() as c:
        p = c.provision(ref)
        agreement = c.agreement(p.agreement_id)
    sources.append(source_line(agreement))
    return citation(agreement, p), p.text


def _several(obj: Context, ref: str) -> bool:
    """Whether ``ref`` names more than one article: a file holding several, or an agreement (no article)."""
    if ref == "-":
        return False
    path = Path(ref)
    if path.is_file():
        from ..research.articles import articles as articles_of

        return len(articles_of(list(_load(path).provisions))) > 1
    from ..index.refs import split_ref

    return split_ref(ref)[1] is None


@functools.lru_cache(maxsize=4)
def _load(path: Path) -> Document:
    """A file read once per command, however many times the command looks at it."""
    from ..ingest.load import load_file

    return load_file(path)


def _chapter_side(obj: Context, ref: str, chapter: str | None) -> tuple[str, list[Provision], str]:
    """(name, articles, source line) of one side of a chapter comparison: a file, an agreement (with
    ``chapter``, or all its articles when it has no chapters), or a single article."""
    from ..compare.align import chapter_provisions
    from ..errors import FtadraftError, InputError
    from ..research.articles import articles as articles_of

    path = Path(ref)
    if ref != "-" and path.is_file():
        doc = _load(path)
        articles = articles_of(list(doc.provisions))
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
    from ..research.articles import ChapterNeeded, chapter_side

    with obj.open() as c:
        try:
            side = chapter_side(c, ref, chapter)
        except ChapterNeeded as err:  # an agreement with chapters: name the option that chooses one
            raise FtadraftError(f"{err.ref}: {err.agreement} has chapters; choose one with --chapter NUMBER or "
                                '--chapter "words of its title"') from None
    return side.name, list(side.articles), side.source


def _compare_chapters(obj: Context, a: str, b: str, chapter_a: str | None, chapter_b: str | None,
                      docx_out: Path | None, html_out: Path | None, as_json: bool, author: str, force: bool) -> int:
    """Align two chapters article by article (files, agreements or single articles on either side)."""
    from datetime import UTC, datetime

    from ..compare.align import align_articles, article_heading, redline_items
    from ..compare.redline import write_redline_docx
    from ..compare.texts import compare_texts

    for out in (docx_out, html_out):
        if out is not None:
            check_output(out, force)
    name_a, pa, source_a = _chapter_side(obj, a, chapter_a)
    name_b, pb, source_b = _chapter_side(obj, b, chapter_b)
    alignment = align_articles(pa, pb)

    name = article_heading

    if html_out is not None:
        from ..compare.texts import ChapterSection, render_chapter_html

        sections: list[ChapterSection] = []  # in A's order, each pair with its word diff; then B's extras
        for k, p in enumerate(pa):
            partners = [pb[x.index_b] for x in alignment.pairs if x.index_a == k]
            for q in partners:
                head = name(p) if name(p) == name(q) else f"{name(p)} → {name(q)}"
                sections.append((head, compare_texts(p.text, q.text, label_a=name(p), label_b=name(q))))
            if not partners:
                sections.append((name(p), ("a", p.text)))
        sections += [(name(pb[m]), ("b", pb[m].text)) for m in alignment.only_b_index]
        write_text(html_out, render_chapter_html(name_a, name_b, sections))
    if docx_out is not None:
        from ..drafting.house import new_document

        items = redline_items(alignment, pa, pb)
        write_redline_docx(items, docx_out, author=author, date=datetime.now(UTC),
                           title=f"{name_a} compared with {name_b}",
                           source=_source_line([source_a, source_b]), document=new_document(), whole_articles=True)
    if as_json:
        emit_json(alignment.to_dict())
        return 0
    if docx_out is not None or html_out is not None:
        for out in (docx_out, html_out):
            report_written(out, counted(len(alignment.pairs), "aligned pair"), quiet=obj.quiet)
        return 0
    click.echo(f"A: {name_a}: {counted(len(pa), 'article')}")
    click.echo(f"B: {name_b}: {counted(len(pb), 'article')}")
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
