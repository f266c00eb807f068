"""``ftadraft draft``: scaffold, check and build proposals from a YAML spec, and redline two rounds.

What ``build`` writes is what a delegation can send: no internal notes (the clause library's drafting notes,
fall-backs, negotiating considerations) unless ``--internal``, and no precedents unless ``--footnotes``
(a footnote per article) or ``--sources`` (the sources annex), because in a tabled text footnotes are
legal footnotes.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ..atomic import write_text
from ..errors import InputError
from .app import Context, cli, quiet_option, run, warn
from .files import check_output

if TYPE_CHECKING:
    from ..corpus import Corpus


def optional_index(ctx: Context) -> Corpus | None:
    """The index for precedent citations and ``text_from`` clauses: the one ``--db``/``$FTADRAFT_DB`` names
    (which must open), else the default index if there is one, else None."""
    if ctx.db:
        return ctx.open()
    from ..index.store import default_db_path

    path = default_db_path()
    if path.is_file() and path.stat().st_size > 0:
        return ctx.open()
    return None


def _apparatus(f: Any) -> Any:
    """The options that say what goes into the document besides the text."""
    for option in reversed((
        click.option("--internal", is_flag=True,
                     help="Add internal notes (the clause library's drafting notes, fall-backs, negotiating "
                          "considerations, the spec's untabled notes) as comments marked Internal."),
        click.option("--no-library-notes", is_flag=True, help="With --internal: leave out the clause library's notes."),
        click.option("--footnotes", is_flag=True, help="Cite each article's precedents in a footnote."),
        click.option("--sources", is_flag=True, help="Add the annex of sources and precedents."),
        click.option("--paper", type=click.Choice(["A4", "Letter"], case_sensitive=False),
                     help="Paper size (default: the spec's 'paper', else A4)."),
    )):
        f = option(f)
    return f


def _paper(value: str | None) -> str | None:
    return None if value is None else ("Letter" if value.lower() == "letter" else "A4")


@cli.group()
def draft() -> None:
    """Draft a proposal from a YAML spec of library clauses, alternatives and free text."""


@draft.command("new")
@click.option("--chapter", required=True, help="Chapter area: clearance, cooperation, ip-enforcement, e-commerce.")
@click.option("--level", default="standard", show_default=True, help="Ambition: soft, standard or ambitious.")
@click.option("--parties", required=True, help="Party codes, comma-separated (the first is the author): USA,GBR.")
@click.option("--nearest", is_flag=True,
              help="Where a topic has no clause at LEVEL, take the nearest level (marked in the spec) instead of "
                   "leaving the topic out.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the spec here (else stdout).")
@click.option("--force", is_flag=True, help="Overwrite an existing output file.")
@quiet_option
@click.pass_obj
def new_cmd(ctx: Context, chapter: str, level: str, parties: str, nearest: bool, output: Path | None,
            force: bool) -> None:
    """A starting spec: one article per topic of the chapter that has a clause at LEVEL."""

    def body() -> None:
        from ..drafting.clauses import load_library
        from ..drafting.spec import missing_levels, new_spec

        library = load_library()
        text = new_spec(library, chapter, level, parties.split(","), nearest=nearest)
        missing = missing_levels(library, chapter, level)
        if missing and not ctx.quiet:
            listed = "; ".join(f"{t} ({'/'.join(levels)})" for t, levels in missing.items())
            warn(f"no {level} clause for {len(missing)} topic(s): {listed}; "
                 + ("the nearest level stands in (marked in the spec)" if nearest
                    else "left out (--nearest takes the nearest level)"))
        if output is None:
            click.echo(text, nl=False)
            return
        check_output(output, force)
        write_text(output, text)
        if not ctx.quiet:
            click.echo(f"wrote {output}; next: ftadraft draft check {output}", err=True)

    run(body)


@draft.command("check")
@click.argument("spec", type=click.Path(dir_okay=False, path_type=Path))
@quiet_option
@click.pass_obj
def check_cmd(ctx: Context, spec: Path) -> None:
    """Report every problem in SPEC as FILE:LINE: message (exit 1 if any is an error)."""

    def body() -> int:
        from ..drafting.clauses import load_library
        from ..drafting.spec import check_spec, read_spec

        loaded, problems = read_spec(spec)
        if loaded is not None:
            problems += [p for p in check_spec(loaded, load_library(), optional_index(ctx))
                         if not (p.is_error and any(q.line == p.line for q in problems))]
        problems.sort(key=lambda p: (p.line, not p.is_error))
        for p in problems:
            if p.is_error:
                click.echo(f"{p}", err=True)
            elif not ctx.quiet:
                warn(str(p))
        errors = sum(p.is_error for p in problems)
        if errors:
            click.echo(f"{errors} error(s) in {spec}", err=True)
            return 1
        if not ctx.quiet:
            click.echo(f"{spec}: ok", err=True)
        return 0

    run(body)


def _build(ctx: Context, spec: Path, *, internal: bool, library_notes: bool, precedents: bool) -> Any:
    from ..drafting.clauses import load_library
    from ..drafting.spec import build_proposal, load_spec

    return build_proposal(load_spec(spec), load_library(), optional_index(ctx), internal=internal,
                          precedents=precedents, library_notes=library_notes)


@draft.command("build")
@click.argument("spec", type=click.Path(dir_okay=False, path_type=Path))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="OUT.docx, OUT.md or OUT.html.")
@click.option("--clean", is_flag=True, help="Clean text: first wording of each alternative, no brackets or notes.")
@_apparatus
@click.option("--force", is_flag=True, help="Overwrite an existing output file.")
@quiet_option
@click.pass_obj
def build_cmd(ctx: Context, spec: Path, output: Path, clean: bool, internal: bool, no_library_notes: bool,
              footnotes: bool, sources: bool, paper: str | None, force: bool) -> None:
    """Build the proposal SPEC describes as Word, Markdown or HTML (what a delegation sends, by default)."""

    def body() -> None:
        from ..drafting.docx_writer import write_proposal
        from ..drafting.spec import proposal_html, proposal_markdown

        kind = output.suffix.lower()
        if kind not in (".docx", ".md", ".html", ".htm"):
            raise InputError(output, "give an output ending in .docx, .md or .html")
        check_output(output, force)
        proposal = _build(ctx, spec, internal=internal, library_notes=not no_library_notes,
                          precedents=footnotes or sources)
        if kind == ".docx":
            write_proposal(proposal, output, clean=clean, force=force, footnotes=footnotes, annex=sources,
                           paper=_paper(paper))
        else:
            render = proposal_markdown if kind == ".md" else proposal_html
            write_text(output, render(proposal, clean=clean))
        if not ctx.quiet:
            extras = [name for name, on in (("internal notes", internal), ("footnotes", footnotes),
                                            ("sources annex", sources)) if on]
            click.echo(f"wrote {output} ({len(proposal.articles)} articles"
                       + (", with " + ", ".join(extras) if extras else "") + ")", err=True)

    run(body)


@draft.command("redline")
@click.argument("old", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("new", type=click.Path(dir_okay=False, path_type=Path))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path), help="changes.docx")
@_apparatus
@click.option("--author", help="Who the tracked changes are by (default: the new round's author party).")
@click.option("--force", is_flag=True, help="Overwrite an existing output file.")
@quiet_option
@click.pass_obj
def redline_cmd(ctx: Context, old: Path, new: Path, output: Path, internal: bool, no_library_notes: bool,
                footnotes: bool, sources: bool, paper: str | None, author: str | None, force: bool) -> None:
    """Tracked changes from round OLD to round NEW, each a draft spec (.yaml) or a .docx (a proposal sent,
    the text returned). Articles are paired by content: a dropped article is one deletion, a moved one is
    deleted at its old place and inserted at the new; Accept All gives NEW's text, Reject All OLD's."""

    def body() -> None:
        from ..drafting.clauses import load_library
        from ..drafting.redline import load_round, write_redline

        if output.suffix.lower() != ".docx":
            raise InputError(output, "the redline is a Word file: give an output ending in .docx")
        check_output(output, force)
        library, corpus = load_library(), optional_index(ctx)
        precedents = footnotes or sources
        spec_first = new.suffix.lower() in (".yaml", ".yml") or old.suffix.lower() not in (".yaml", ".yml")
        if spec_first:  # a .docx round takes its parties from the spec round
            b = load_round(new, library, corpus, internal=internal, precedents=precedents)
            a = load_round(old, library, corpus, internal=internal, precedents=precedents, like=b)
        else:
            a = load_round(old, library, corpus, internal=internal, precedents=precedents)
            b = load_round(new, library, corpus, internal=internal, precedents=precedents, like=a)
        write_redline(a, b, output, force=force, author=author, footnotes=footnotes, annex=sources,
                      paper=_paper(paper))
        if not ctx.quiet:
            click.echo(f"wrote {output} ({a.round} → {b.round})", err=True)

    run(body)


__all__ = ["draft", "optional_index"]
