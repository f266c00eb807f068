"""``ftadraft corpus``: add, fetch, list, show, remove and count agreements in the index."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import click

from ..model import citation
from ..normalize import paragraphs
from .app import Context, Progress, cli, emit_json, quiet_option, run, warn
from .options import json_option

FORMAT_CHOICES = ["tota", "text", "markdown", "pdf", "docx", "html"]


@cli.group()
def corpus() -> None:
    """Add, fetch, list, show and remove agreements in the index."""


@corpus.command("add")
@quiet_option
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(FORMAT_CHOICES), help="Force the input format (default: detect).")
@click.option("--id", "agreement_id", help="Agreement id (default: file name, e.g. rcep-2020).")
@click.option("--name", help="Agreement name (default: the document's title).")
@click.option("--alias", "aliases", multiple=True, help="Short alias to reference the agreement by (repeatable).")
@click.option("--parties", help="ISO 3166-1 alpha-3 codes, comma-separated (e.g. AUS,CHN,JPN).")
@click.option("--signed", help="Signature date, YYYY-MM-DD or YYYY.")
@click.option("--in-force", "in_force", help="Entry-into-force date, YYYY-MM-DD or YYYY.")
@click.option("--language", help="Language code of the text (default: en).")
@click.option("--encoding", help="Text encoding of plain-text/Markdown files (default: UTF-8 or BOM).")
@click.option("--replace", is_flag=True,
              help="Replace an agreement of the same id that came from another file or dataset (says which).")
@json_option
@click.pass_obj
def corpus_add(obj: Context, paths: tuple[Path, ...], fmt: str | None, agreement_id: str | None, name: str | None,
               aliases: tuple[str, ...], parties: str | None, signed: str | None, in_force: str | None,
               language: str | None, encoding: str | None, replace: bool, as_json: bool) -> None:
    """Add agreement files or folders (ToTA XML, Markdown, text, PDF, DOCX, HTML) to the index."""

    def body() -> int:
        from ..ingest.metadata import build_meta

        meta = build_meta(id=agreement_id, name=name, aliases=aliases, parties=parties, signed=signed,
                          in_force=in_force, language=language, origin="command line")
        progress = Progress(not obj.quiet)
        with obj.open(create=True) as c:
            try:
                report = c.add(paths, format=fmt, meta=None if meta.is_empty() else meta, encoding=encoding,
                               progress=progress, replace=replace)
            finally:
                progress.close()
        return _report_add(obj, report, as_json)

    run(body)


def _report_add(obj: Context, report: Any, as_json: bool) -> int:
    for _path, error in report.failed:
        click.echo(f"ftadraft: {error}", err=True)
    if not obj.quiet:
        for w in report.warnings:
            warn(w)
    if as_json:
        emit_json(report.to_dict())
    elif not obj.quiet:
        click.echo(
            f"added {len(report.added)}, replaced {len(report.replaced)}, unchanged {len(report.unchanged)}, "
            f"failed {len(report.failed)} ({report.provisions:,} provisions written)",
            err=not as_json,
        )
    return 0 if report.ok else 1


@corpus.command("fetch")
@quiet_option
@click.argument("name", default="tota")
@click.option("--from", "source", help="Local folder or mirror URL to fetch from instead of the upstream URL.")
@json_option
@click.pass_obj
def corpus_fetch(obj: Context, name: str, source: str | None, as_json: bool) -> None:
    """Download a published corpus (default: tota), verify every file's SHA-256, and add it."""

    def body() -> int:
        from platformdirs import user_cache_dir

        from ..ingest.fetch import fetch
        from ..ingest.manifest import load_manifest

        manifest = load_manifest(name)
        dest = Path(user_cache_dir("ftadraft", appauthor=False)) / manifest.name / manifest.commit
        progress = Progress(not obj.quiet)
        try:
            fetched = fetch(manifest, dest, source=source,
                            progress=lambda done, total, _name: progress("fetch", done, total))
            progress.close()
            with obj.open(create=True) as c:
                report = c.add(list(fetched.verified), format=None, progress=progress)
        finally:
            progress.close()
        for fname, reason in fetched.refused:
            click.echo(f"ftadraft: {fname}: {reason}", err=True)
        if as_json:
            out = report.to_dict()
            out["fetch"] = {"verified": len(fetched.verified), "downloaded": fetched.downloaded,
                            "reused": fetched.reused, "refused": [{"file": f, "reason": r} for f, r in fetched.refused],
                            "cache": str(dest)}
            emit_json(out)
            for _path, error in report.failed:
                click.echo(f"ftadraft: {error}", err=True)
            return 0 if report.ok and not fetched.refused else 1
        if not obj.quiet:
            moved = "downloaded" if source is None or str(source).startswith(("http://", "https://")) else "copied"
            click.echo(f"{manifest.name} {manifest.version}: {len(fetched.verified)} files verified "
                       f"({fetched.downloaded} {moved}, {fetched.reused} already here), "
                       f"{len(fetched.refused)} refused; licence {manifest.licence}", err=True)
        code = _report_add(obj, report, False)
        return 1 if fetched.refused else code

    run(body)


@corpus.command("list")
@click.option("--party", help="Only agreements this party (ISO3) signed.")
@json_option
@click.pass_obj
def corpus_list(obj: Context, party: str | None, as_json: bool) -> None:
    """List the agreements in the index, oldest first."""

    def body() -> int:
        with obj.open() as c:
            agreements = c.agreements(party)
        if as_json:
            emit_json([a.to_dict() for a in agreements])
            return 0
        for a in agreements:
            parties = ",".join(a.parties[:6]) + ("…" if len(a.parties) > 6 else "")
            click.echo(f"{a.id:<28} {a.year or '    '}  {parties:<27} {a.name}")
        return 0

    run(body)


@corpus.command("show")
@click.argument("ref")
@json_option
@click.pass_obj
def corpus_show(obj: Context, ref: str, as_json: bool) -> None:
    """Show an agreement (REF = id or alias) or one article (REF = AGREEMENT:ARTICLE, e.g. tota-449:14.3)."""

    def body() -> int:
        from ..index.refs import annex_heading, reference
        from ..model import Provision

        with obj.open() as c:
            target = c.show(ref)
            agreement = c.agreement(target.agreement_id) if isinstance(target, Provision) else target.agreement
            typed = ({p.id: reference(c.index, p) for p in target.provisions} if not isinstance(target, Provision)
                     else {target.id: reference(c.index, target)})
        if isinstance(target, Provision):
            if as_json:
                out = target.to_dict()
                out.pop("lemmas", None)
                out["agreement"] = agreement.to_dict()
                out["citation"] = citation(agreement, target)
                out["ref"] = typed[target.id]
                emit_json(out)
            else:
                _print_provision(agreement, target, typed[target.id])
            return 0
        if as_json:
            emit_json({
                "agreement": target.agreement.to_dict(), "file": target.file,
                "chapters": [ch.to_dict() for ch in target.chapters],
                "provisions": [{"id": p.id, "ref": typed[p.id], "number": p.number, "title": p.title,
                                "chapter_number": p.chapter_number, "annex": annex_heading(p), "section": p.section,
                                "words": len(p.normalized.split())} for p in target.provisions],
            })
            return 0
        _print_agreement(target, typed)
        return 0

    run(body)


def _source_line(agreement: Any, p: Any) -> str:
    src = dict(p.source)
    if src.get("dataset") == "tota":
        return (f"Source: ToTA treaty {src.get('treaty')}, article {src.get('article')} "
                f"({agreement.licence or 'see licence'}; Alschner, Seiermann & Skougarevskiy 2017)")
    said = ("sha256", "annex", "annex_title")  # the annex is in the citation above
    return "Source: " + ", ".join(f"{k} {v}" for k, v in src.items() if k not in said)


def _print_provision(agreement: Any, p: Any, typed: str) -> None:
    from ..index.refs import annex_heading

    click.secho(citation(agreement, p), bold=True)  # an annex article's citation names its annex
    heading = annex_heading(p)
    tags = " · ".join(filter(None, (", ".join(p.topics), p.obligation and f"obligation: {p.obligation}")))
    if tags:
        click.echo(tags)
    parties = ", ".join(agreement.parties) or "parties not recorded"
    opens = f" · opens as {typed}" if heading and typed != p.id else ""  # the annex form of reference, taught
    click.echo(f"{p.id}{opens} · {parties} · signed {agreement.signed or 'n.d.'}"
               + (f" · flags: {', '.join(p.flags)}" if p.flags else ""))
    click.echo()
    for para in paragraphs(p.text) or [p.text]:
        click.echo(textwrap.fill(para, width=100))
        click.echo()
    for f in p.footnotes:
        click.echo(textwrap.fill(f"[{f.marker}] {' '.join(f.text.split())}", width=100))
    click.echo(_source_line(agreement, p))


def _print_agreement(view: Any, typed: dict[str, str]) -> None:
    from ..index.refs import annex_heading

    a = view.agreement
    click.secho(f"{a.name} ({a.id})", bold=True)
    known = [f"parties {', '.join(a.parties)}" if a.parties else "", f"signed {a.signed}" if a.signed else "",
             f"in force {a.in_force}" if a.in_force else "", a.type or "", a.language or ""]
    click.echo(" · ".join(k for k in known if k) or "no metadata (add a sidecar or flags: see README)")
    if a.aliases:
        click.echo(f"aliases: {', '.join(a.aliases)}")
    click.echo(f"{len(view.chapters)} chapters, {len(view.provisions)} articles · licence {a.licence or 'unknown'}")
    current: Any = object()
    annex: str | None = None
    for p in view.provisions:
        chapter = (p.chapter_number, p.chapter_title)
        if chapter != current:
            current, annex = chapter, None
            label = " ".join(filter(None, chapter)) or "(no chapter)"
            click.secho(f"\n  {label}", bold=True)
        heading = annex_heading(p)
        if heading != annex:
            annex = heading
            if heading and (p.number or heading != p.title):  # an annex's own text is its own heading line
                ref = typed.get(p.id, "")
                hint = f"  ({ref.rsplit(':', 1)[0]}:ARTICLE)" if ":annex" in ref.lower() else ""
                click.secho(f"    {heading}{hint}", bold=True)
        indent = "  " if annex and p.number else ""
        flags = [f for f in p.flags if not (indent and f == "annex")]  # under its annex's heading: said already
        flag = "  [" + ", ".join(flags) + "]" if flags else ""
        click.echo(f"    {indent}{(p.number or '-'):<8} {p.title or '(untitled)'}{flag}")


@corpus.command("remove")
@quiet_option
@click.argument("refs", nargs=-1, required=True)
@json_option
@click.pass_obj
def corpus_remove(obj: Context, refs: tuple[str, ...], as_json: bool) -> None:
    """Remove agreements (by id or alias) and their provisions from the index."""

    def body() -> int:
        with obj.open(write=True) as c:
            removed = c.remove(list(refs))
        if as_json:
            emit_json({"removed": removed})
        elif not obj.quiet:
            click.echo(f"removed {len(removed)}: {', '.join(removed)}", err=True)
        return 0

    run(body)


@corpus.command("retag")
@quiet_option
@json_option
@click.pass_obj
def corpus_retag(obj: Context, as_json: bool) -> None:
    """Re-compute topics and obligation strength of every provision (after upgrading ftadraft)."""

    def body() -> int:
        progress = Progress(not obj.quiet)
        with obj.open(write=True) as c:
            try:
                n = c.retag(progress=progress)
            finally:
                progress.close()
        if as_json:
            emit_json({"retagged": n})
        elif not obj.quiet:
            click.echo(f"retagged {n:,} provisions", err=True)
        return 0

    run(body)


@corpus.command("stats")
@json_option
@click.pass_obj
def corpus_stats(obj: Context, as_json: bool) -> None:
    """Count agreements, chapters, provisions and words in the index."""

    def body() -> int:
        with obj.open() as c:
            s = c.stats()
        if as_json:
            emit_json(s)
            return 0
        click.echo(f"index        {s['db']} (schema v{s['schema_version']}, {s['size_bytes'] / 1e6:.1f} MB)")
        first, last = s["signed"]["first"] or "-", s["signed"]["last"] or "-"
        click.echo(f"agreements   {s['agreements']:,}  (signed {first}–{last})")
        click.echo(f"chapters     {s['chapters']:,}")
        click.echo(f"provisions   {s['provisions']:,}  ({s['untitled_provisions']:,} without a title)")
        click.echo(f"words        {s['words']:,}")
        click.echo("sources      " + ", ".join(f"{k} {v}" for k, v in s["by_source"].items()))
        click.echo("languages    " + ", ".join(f"{k} {v}" for k, v in s["by_language"].items()))
        if s["flagged"]:
            click.echo("flags        " + ", ".join(f"{k} {v}" for k, v in s["flagged"].items()))
        return 0

    run(body)
