"""``ftadraft clauses``: list, show, validate and search the curated clause library.

It takes the root's context object (``--db``, ``--quiet``) and opens the index only where a
command needs one.
Errors are one line naming file and line (``ftadraft: clauses/x.yaml:12: problem``), exit code 1.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import click

from .app import cli, emit_json, run


def _library(ctx: click.Context) -> Any:
    from ..drafting.clauses import load_library

    return load_library(ctx.meta.get("ftadraft.drafting.clauses.library"))


def _open_index(ctx: click.Context) -> Any:
    """The index the root command names (``--db``/``$FTADRAFT_DB``, else the default one)."""
    if ctx.obj is not None and hasattr(ctx.obj, "open"):
        return ctx.obj.open()
    from ..corpus import open as open_corpus

    return open_corpus(None, create=False)


def _quiet(ctx: click.Context) -> bool:
    return bool(getattr(ctx.obj, "quiet", False))


def _pairs(items: tuple[str, ...], what: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise click.BadParameter(f"{item!r}: write {what}", param_hint=f"--{what.split('=')[0]}")
        out[name.strip()] = value
    return out


def _on_off(value: str, name: str) -> bool:
    v = value.strip().lower()
    if v in ("on", "yes", "true", "1"):
        return True
    if v in ("off", "no", "false", "0"):
        return False
    raise click.BadParameter(f"{name}={value!r}: use on or off", param_hint="--option")


@cli.group("clauses")
@click.option("--library", type=click.Path(file_okay=False, exists=True, path_type=Path),
              help="Clause folder to use instead of the shipped library.")
@click.pass_context
def clauses(ctx: click.Context, library: Path | None) -> None:
    """Model clauses in ftadraft's own words: list, show (rendered), validate, search."""
    ctx.meta["ftadraft.drafting.clauses.library"] = library


@clauses.command("list")
@click.option("--topic", help="Only this topic (clearance/advance-rulings) or area (clearance).")
@click.option("--level", type=click.Choice(["soft", "standard", "ambitious"]), help="Only this ambition level.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def list_cmd(ctx: click.Context, topic: str | None, level: str | None, as_json: bool) -> None:
    """List the clauses, by area and topic."""

    def body() -> int:
        return _print_clauses(_library(ctx).select(topic=topic, level=level), as_json, "no clauses")

    run(body)


@clauses.command("show")
@click.argument("clause_id")
@click.option("--var", "variables", multiple=True, metavar="NAME=VALUE", help="Set a variable (repeatable).")
@click.option("--option", "options", multiple=True, metavar="ID=on|off", help="Switch an optional paragraph.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def show_cmd(ctx: click.Context, clause_id: str, variables: tuple[str, ...], options: tuple[str, ...],
             as_json: bool) -> None:
    """Show a clause: rendered text, options, variables, drafting notes and precedents."""

    def body() -> int:
        from ..drafting.clauses import render

        c = _library(ctx).get(clause_id)
        values = _pairs(variables, "name=value")
        switches = {k: _on_off(v, k) for k, v in _pairs(options, "option=on").items()}
        if c.text_from:
            with _open_index(ctx) as corpus:
                text = render(c, values, switches, corpus=corpus)
        else:
            text = render(c, values, switches)
        if as_json:
            out = c.to_dict()
            out["rendered"] = text
            emit_json(out)
            return 0
        click.secho(f"{c.title}  ({c.id})", bold=True)
        click.echo(f"{c.topic} · level {c.level} · obligation {c.obligation} · since {c.since} · {c.path}")
        click.echo()
        for para in text.split("\n\n"):
            for line in para.splitlines():
                click.echo(textwrap.fill(line, width=100, subsequent_indent="    " if line.startswith("(") else ""))
            click.echo()
        state = {o.id: switches.get(o.id, o.default) for o in c.options}
        if c.options:
            click.secho("Options", bold=True)
            for o in c.options:
                click.echo(f"  {o.id} [{'on' if state[o.id] else 'off'}]: {textwrap.shorten(o.text, 80)}")
        if c.variables:
            click.secho("Variables", bold=True)
            for v in c.variables:
                extra = v.unit or ""
                if v.type == "number":
                    extra += f", {v.min if v.min is not None else '…'}–{v.max if v.max is not None else '…'}"
                if v.type == "choice":
                    extra = " | ".join(v.values)
                value = values.get(v.name, v.default)
                click.echo(f"  {v.name} ({v.type}{': ' + extra if extra else ''}) = {value}")
        click.secho("Notes", bold=True)
        for para in c.notes.split("\n"):
            if para.strip():
                click.echo(textwrap.fill(para, width=100, initial_indent="  ", subsequent_indent="  "))
        if c.precedents:
            click.secho("Precedents", bold=True)
            for p in c.precedents:
                click.echo(f"  {p.ref}" + (f": {p.comment}" if p.comment else ""))
        click.echo(f"Source: {c.source}")
        return 0

    run(body)


@clauses.command("validate")
@click.option("--db", "db", type=click.Path(dir_okay=False), help="Index to check precedent references against "
              "(default: the global --db, $FTADRAFT_DB, or the default index, as for every command).")
@click.option("--json", "as_json", is_flag=True, help="Print the problems as JSON.")
@click.pass_context
def validate_cmd(ctx: click.Context, db: str | None, as_json: bool) -> None:
    """Check the library: schema, ids, placeholders and cross-references, topics, the treaty register,
    level discipline (by ftadraft's obligation classifier), definitions and defined terms, and precedent
    references (against the index)."""

    def body() -> int:
        from ..corpus import open as open_corpus
        from ..drafting.clauses import Problem, load_library, validate
        from ..index.store import default_db_path

        problems: list[Problem] = []
        library = load_library(ctx.meta.get("ftadraft.drafting.clauses.library"), problems=problems)
        named = db or getattr(ctx.obj, "db", None)
        path = Path(named).expanduser() if named else default_db_path()
        if named or (path.is_file() and path.stat().st_size > 0):
            with open_corpus(path, create=False) as corpus:
                problems += validate(library, corpus)
            shown: str | None = str(path)
        else:
            problems += validate(library, None)
            shown = None
        errors = [p for p in problems if p.is_error]
        warnings = [p for p in problems if not p.is_error]
        if as_json:
            emit_json({"clauses": len(library), "index": shown,
                        "errors": [_problem(p) for p in errors], "warnings": [_problem(p) for p in warnings]})
            return 1 if errors else 0
        if shown is None and not _quiet(ctx):
            click.echo(f"warning: no index (none at {path}): precedent references not checked", err=True)
        for p in errors:
            click.echo(f"ftadraft: {p}", err=True)
        if not _quiet(ctx):
            for p in warnings:
                click.echo(f"warning: {p}", err=True)
            click.echo(f"{len(library)} clauses, {len(errors)} errors, {len(warnings)} warnings", err=True)
        return 1 if errors else 0

    run(body)


def _print_clauses(found: Any, as_json: bool, empty: str) -> int:
    """A clause list as JSON or one line per clause."""
    if as_json:
        emit_json([{"id": c.id, "title": c.title, "topic": c.topic, "level": c.level,
                    "obligation": c.obligation, "since": c.since, "path": c.path} for c in found])
        return 0
    if not found:
        click.echo(empty, err=True)
    for c in found:
        click.echo(f"{c.id:<52} {c.level:<9} {c.obligation:<7} {c.title}")
    return 0


def _problem(p: Any) -> dict[str, Any]:
    return {"path": p.path, "line": p.line, "message": p.message, "clause": p.clause_id}


@clauses.command("search")
@click.argument("text")
@click.option("--limit", "-n", default=10, show_default=True, type=click.IntRange(1, 500), help="Most clauses to show.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def search_cmd(ctx: click.Context, text: str, limit: int, as_json: bool) -> None:
    """Find clauses by words in their title, topic, notes or text."""

    def body() -> int:
        from ..drafting.clauses import search_library

        return _print_clauses(search_library(_library(ctx), text, limit=limit), as_json, "no matches")

    run(body)
