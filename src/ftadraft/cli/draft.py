"""``ftadraft draft``: scaffold, check and build proposals from a YAML spec, and redline two specs."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from ..atomic import write_text
from ..errors import FtadraftError, InputError
from .app import Context, cli, quiet_option, run, warn
from .files import check_output


def _corpus(ctx: Context) -> Any:
    """The index for precedent citations and ``text_from`` clauses, when --db/$FTADRAFT_DB names one."""
    if not ctx.db:
        return None
    return ctx.open()


@cli.group()
def draft() -> None:
    """Draft a proposal from a YAML spec of library clauses, alternatives and free text."""


@draft.command("new")
@click.option("--chapter", required=True, help="Chapter area: clearance, cooperation, ip-enforcement, e-commerce.")
@click.option("--level", default="standard", show_default=True, help="Ambition: soft, standard or ambitious.")
@click.option("--parties", required=True, help="Party codes, comma-separated (the first is the author): USA,GBR.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write the spec here (else stdout).")
@click.option("--force", is_flag=True, help="Overwrite an existing output file.")
def new_cmd(chapter: str, level: str, parties: str, output: Path | None, force: bool) -> None:
    """A starting spec: one article per topic of the chapter at LEVEL, values at their defaults."""

    def body() -> None:
        from ..drafting.clauses import load_library
        from ..drafting.spec import new_spec

        text = new_spec(load_library(), chapter, level, parties.split(","))
        if output is None:
            click.echo(text, nl=False)
            return
        check_output(output, force)
        write_text(output, text)

    run(body)


@draft.command("check")
@click.argument("spec", type=click.Path(dir_okay=False, path_type=Path))
@quiet_option
@click.pass_obj
def check_cmd(ctx: Context, spec: Path) -> None:
    """Report problems in SPEC as FILE:LINE: message (exit 1 if any is an error)."""

    def body() -> int:
        from ..drafting.clauses import ClauseError, load_library
        from ..drafting.spec import check_spec, load_spec, spec_problems_from

        try:
            problems = check_spec(load_spec(spec), load_library(), _corpus(ctx))
        except ClauseError as exc:
            problems = spec_problems_from(exc)
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


def _build(ctx: Context, spec: Path, library_notes: bool = True) -> Any:
    from ..drafting.clauses import load_library
    from ..drafting.spec import build_proposal, load_spec

    return build_proposal(load_spec(spec), load_library(), _corpus(ctx), library_notes=library_notes)


@draft.command("build")
@click.argument("spec", type=click.Path(dir_okay=False, path_type=Path))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="OUT.docx, OUT.md or OUT.html.")
@click.option("--clean", is_flag=True, help="Clean text: first wording of each alternative, no brackets or notes.")
@click.option("--no-library-notes", is_flag=True,
              help="Leave out the clause library's drafting notes (negotiating considerations); the spec's notes stay.")
@click.option("--force", is_flag=True, help="Overwrite an existing output file.")
@quiet_option
@click.pass_obj
def build_cmd(ctx: Context, spec: Path, output: Path, clean: bool, no_library_notes: bool, force: bool) -> None:
    """Build the proposal SPEC describes as Word, Markdown or HTML."""

    def body() -> None:
        from ..drafting.docx_writer import write_proposal
        from ..drafting.spec import proposal_html, proposal_markdown

        kind = output.suffix.lower()
        if kind not in (".docx", ".md", ".html", ".htm"):
            raise InputError(output, "give an output ending in .docx, .md or .html")
        check_output(output, force)
        proposal = _build(ctx, spec, library_notes=not no_library_notes)
        if kind == ".docx":
            write_proposal(proposal, output, clean=clean, force=force)
        else:
            render = proposal_markdown if kind == ".md" else proposal_html
            write_text(output, render(proposal, clean=clean))
        if not ctx.quiet:
            click.echo(f"wrote {output} ({len(proposal.articles)} articles)", err=True)

    run(body)


@draft.command("redline")
@click.argument("old", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("new", type=click.Path(dir_okay=False, path_type=Path))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path), help="changes.docx")
@click.option("--force", is_flag=True, help="Overwrite an existing output file.")
@quiet_option
@click.pass_obj
def redline_cmd(ctx: Context, old: Path, new: Path, output: Path, force: bool) -> None:
    """Tracked changes from spec OLD to spec NEW, article by article (by position), in a .docx."""

    def body() -> None:
        from ..compare.redline import write_redline_docx
        from ..drafting.spec import redline_pairs

        if output.suffix.lower() != ".docx":
            raise InputError(output, "the redline is a Word file: give an output ending in .docx")
        check_output(output, force)
        a, b = _build(ctx, old), _build(ctx, new)
        when = datetime.fromisoformat(b.date).replace(tzinfo=UTC)
        title = f"{b.agreement}: Chapter {b.chapter_number} {b.chapter_title} ({a.round} → {b.round})"
        try:
            write_redline_docx(redline_pairs(a, b), output, author=b.party_name(b.author), date=when, title=title)
        except OSError as exc:
            raise FtadraftError(f"{output}: cannot write: {exc.strerror or exc}") from None
        if not ctx.quiet:
            click.echo(f"wrote {output}", err=True)

    run(body)


__all__ = ["draft"]
