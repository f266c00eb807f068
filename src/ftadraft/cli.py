"""The ``ftadraft`` command: a thin layer that parses arguments, calls the library and prints.

Machine output (``--json``) goes to stdout only; progress bars, warnings and errors go to stderr.
Errors are one line (``ftadraft: FILE: problem``) with exit code 1; usage errors exit 2.
"""

from __future__ import annotations

import json
import re
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from . import __version__
from .errors import FtadraftError

FORMAT_CHOICES = ["tota", "text", "markdown", "pdf", "docx", "html"]


class _Context:
    def __init__(self, db: str | None, quiet: bool) -> None:
        self.db = db
        self.quiet = quiet

    def open(self, *, create: bool = False) -> Any:
        from .corpus import open as open_corpus

        return open_corpus(self.db, create=create)


def _emit_json(value: Any) -> None:
    click.echo(json.dumps(value, ensure_ascii=False, indent=2, default=str))


def _warn(message: str) -> None:
    click.echo(f"warning: {message}", err=True)


class _Progress:
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


def _quiet_option(f: Callable[..., Any]) -> Callable[..., Any]:
    """``-q/--quiet`` on a subcommand, same as the global flag."""

    def set_quiet(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
        obj = ctx.find_object(_Context)
        if value and obj is not None:
            obj.quiet = True

    return click.option("--quiet", "-q", is_flag=True, expose_value=False, callback=set_quiet,
                        help="No progress bars or warnings on stderr.")(f)


def _run(fn: Callable[[], int | None]) -> None:
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
    ctx.obj = _Context(db, quiet)


@cli.group()
def corpus() -> None:
    """Add, fetch, list, show and remove agreements in the index."""


@corpus.command("add")
@_quiet_option
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
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_obj
def corpus_add(obj: _Context, paths: tuple[Path, ...], fmt: str | None, agreement_id: str | None, name: str | None,
               aliases: tuple[str, ...], parties: str | None, signed: str | None, in_force: str | None,
               language: str | None, encoding: str | None, as_json: bool) -> None:
    """Add agreement files or folders (ToTA XML, Markdown, text, PDF, DOCX, HTML) to the index."""

    def body() -> int:
        from .metadata import build_meta

        meta = build_meta(id=agreement_id, name=name, aliases=aliases, parties=parties, signed=signed,
                          in_force=in_force, language=language, origin="command line")
        progress = _Progress(not obj.quiet)
        with obj.open(create=True) as c:
            try:
                report = c.add(paths, format=fmt, meta=None if meta.is_empty() else meta, encoding=encoding,
                               progress=progress)
            finally:
                progress.close()
        return _report_add(obj, report, as_json)

    _run(body)


def _report_add(obj: _Context, report: Any, as_json: bool) -> int:
    for _path, error in report.failed:
        click.echo(f"ftadraft: {error}", err=True)
    if not obj.quiet:
        for w in report.warnings:
            _warn(w)
    if as_json:
        _emit_json(report.to_dict())
    elif not obj.quiet:
        click.echo(
            f"added {len(report.added)}, replaced {len(report.replaced)}, unchanged {len(report.unchanged)}, "
            f"failed {len(report.failed)} ({report.provisions:,} provisions written)",
            err=not as_json,
        )
    return 0 if report.ok else 1


@corpus.command("fetch")
@_quiet_option
@click.argument("name", default="tota")
@click.option("--from", "source", help="Local folder or mirror URL to fetch from instead of the upstream URL.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_obj
def corpus_fetch(obj: _Context, name: str, source: str | None, as_json: bool) -> None:
    """Download a published corpus (default: tota), verify every file's SHA-256, and add it."""

    def body() -> int:
        from platformdirs import user_cache_dir

        from .fetch import fetch
        from .manifest import load_manifest

        manifest = load_manifest(name)
        dest = Path(user_cache_dir("ftadraft", appauthor=False)) / manifest.name / manifest.commit
        progress = _Progress(not obj.quiet)
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
            _emit_json(out)
            for _path, error in report.failed:
                click.echo(f"ftadraft: {error}", err=True)
            return 0 if report.ok and not fetched.refused else 1
        if not obj.quiet:
            click.echo(f"{manifest.name} {manifest.version}: {len(fetched.verified)} files verified "
                       f"({fetched.downloaded} downloaded, {fetched.reused} already here), "
                       f"{len(fetched.refused)} refused; licence {manifest.licence}", err=True)
        code = _report_add(obj, report, False)
        return 1 if fetched.refused else code

    _run(body)


@corpus.command("list")
@click.option("--party", help="Only agreements this party (ISO3) signed.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def corpus_list(obj: _Context, party: str | None, as_json: bool) -> None:
    """List the agreements in the index, oldest first."""

    def body() -> int:
        with obj.open() as c:
            agreements = c.agreements(party)
        if as_json:
            _emit_json([a.to_dict() for a in agreements])
            return 0
        for a in agreements:
            parties = ",".join(a.parties[:6]) + ("…" if len(a.parties) > 6 else "")
            click.echo(f"{a.id:<28} {a.year or '    '}  {parties:<27} {a.name}")
        return 0

    _run(body)


@corpus.command("show")
@click.argument("ref")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def corpus_show(obj: _Context, ref: str, as_json: bool) -> None:
    """Show an agreement (REF = id or alias) or one article (REF = AGREEMENT:ARTICLE, e.g. tota-449:14.3)."""

    def body() -> int:
        from .model import Provision

        with obj.open() as c:
            target = c.show(ref)
            agreement = c.index.agreement(target.agreement_id) if isinstance(target, Provision) else target.agreement
        if isinstance(target, Provision):
            if as_json:
                out = target.to_dict()
                out.pop("lemmas", None)
                out["agreement"] = agreement.to_dict()
                out["citation"] = citation(agreement, target)
                _emit_json(out)
            else:
                _print_provision(agreement, target)
            return 0
        if as_json:
            _emit_json({
                "agreement": target.agreement.to_dict(), "file": target.file,
                "chapters": [ch.to_dict() for ch in target.chapters],
                "provisions": [{"id": p.id, "number": p.number, "title": p.title, "chapter_number": p.chapter_number,
                                "section": p.section, "words": len(p.normalized.split())} for p in target.provisions],
            })
            return 0
        _print_agreement(target)
        return 0

    _run(body)


def citation(agreement: Any, p: Any) -> str:
    """'Trans-Pacific Partnership (2016), Chapter 14 Electronic Commerce, Art. 14.3 Customs Duties'."""
    parts = [f"{agreement.name} ({agreement.year or 'n.d.'})"]
    chapter = " ".join(filter(None, (p.chapter_number, p.chapter_title)))
    kinds = ("TITLE", "PART", "SECTION", "ANNEX", "PROTOCOL", "APPENDIX", "CHAPTER")
    if chapter:
        number = (p.chapter_number or "").upper()
        parts.append(("Chapter " if number and not number.startswith(kinds) else "") + chapter)
    parts.append(p.label)
    return ", ".join(parts)


def _source_line(agreement: Any, p: Any) -> str:
    src = dict(p.source)
    if src.get("dataset") == "tota":
        return (f"Source: ToTA treaty {src.get('treaty')}, article {src.get('article')} "
                f"({agreement.licence or 'see licence'}; Alschner, Seiermann & Skougarevskiy 2017)")
    return "Source: " + ", ".join(f"{k} {v}" for k, v in src.items() if k != "sha256")


def _print_provision(agreement: Any, p: Any) -> None:
    click.secho(citation(agreement, p), bold=True)
    click.echo(f"{p.id} · {', '.join(agreement.parties) or 'parties not recorded'} · signed {agreement.signed or 'n.d.'}"
               + (f" · flags: {', '.join(p.flags)}" if p.flags else ""))
    click.echo()
    for para in [x for x in p.text.replace("\r", "").split("\n\n") if x.strip()] or [p.text]:
        click.echo(textwrap.fill(" ".join(para.split()), width=100))
        click.echo()
    for f in p.footnotes:
        click.echo(textwrap.fill(f"[{f.marker}] {' '.join(f.text.split())}", width=100))
    click.echo(_source_line(agreement, p))


def _print_agreement(view: Any) -> None:
    a = view.agreement
    click.secho(f"{a.name} ({a.id})", bold=True)
    click.echo(f"parties {', '.join(a.parties) or '-'} · signed {a.signed or 'n.d.'} · in force {a.in_force or '-'}"
               f" · {a.type or ''} · {a.language or ''}")
    if a.aliases:
        click.echo(f"aliases: {', '.join(a.aliases)}")
    click.echo(f"{len(view.chapters)} chapters, {len(view.provisions)} articles · licence {a.licence or 'unknown'}")
    current: Any = object()
    for p in view.provisions:
        chapter = (p.chapter_number, p.chapter_title)
        if chapter != current:
            current = chapter
            label = " ".join(filter(None, chapter)) or "(no chapter)"
            click.secho(f"\n  {label}", bold=True)
        flag = "  [" + ", ".join(p.flags) + "]" if p.flags else ""
        click.echo(f"    {(p.number or '-'):<8} {p.title or '(untitled)'}{flag}")


@corpus.command("remove")
@_quiet_option
@click.argument("refs", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def corpus_remove(obj: _Context, refs: tuple[str, ...], as_json: bool) -> None:
    """Remove agreements (by id or alias) and their provisions from the index."""

    def body() -> int:
        with obj.open() as c:
            removed = c.remove(list(refs))
        if as_json:
            _emit_json({"removed": removed})
        elif not obj.quiet:
            click.echo(f"removed {len(removed)}: {', '.join(removed)}", err=True)
        return 0

    _run(body)


@corpus.command("stats")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def corpus_stats(obj: _Context, as_json: bool) -> None:
    """Count agreements, chapters, provisions and words in the index."""

    def body() -> int:
        with obj.open() as c:
            s = c.stats()
        if as_json:
            _emit_json(s)
            return 0
        click.echo(f"index        {s['db']} (schema v{s['schema_version']}, {s['size_bytes'] / 1e6:.1f} MB)")
        click.echo(f"agreements   {s['agreements']:,}  (signed {s['signed']['first'] or '-'}–{s['signed']['last'] or '-'})")
        click.echo(f"chapters     {s['chapters']:,}")
        click.echo(f"provisions   {s['provisions']:,}  ({s['untitled_provisions']:,} without a title)")
        click.echo(f"words        {s['words']:,}")
        click.echo("sources      " + ", ".join(f"{k} {v}" for k, v in s["by_source"].items()))
        click.echo("languages    " + ", ".join(f"{k} {v}" for k, v in s["by_language"].items()))
        if s["flagged"]:
            click.echo("flags        " + ", ".join(f"{k} {v}" for k, v in s["flagged"].items()))
        return 0

    _run(body)


@cli.command("search")
@click.argument("query", required=False, default="")
@click.option("--limit", "-n", default=10, show_default=True, type=click.IntRange(1, 1000), help="Hits per query.")
@click.option("--topic", "topics", multiple=True, help="Only provisions tagged with this topic slug (repeatable).")
@click.option("--party", "parties", multiple=True, help="Only agreements with this party, ISO3 (repeatable).")
@click.option("--all-parties", is_flag=True, help="With several --party: agreements with all of them.")
@click.option("--agreement", help="Only this agreement (id or alias).")
@click.option("--chapter", help="Only chapters with this number or title text.")
@click.option("--since", type=int, help="Only agreements signed in or after this year.")
@click.option("--until", type=int, help="Only agreements signed in or before this year.")
@click.option("--obligation", type=click.Choice(["binding", "soft", "mixed", "none"]), help="Only this obligation strength.")
@click.option("--lang", help="Only agreements in this language (en, es, fr).")
@click.option("--group", is_flag=True, help="Collapse near-identical texts into one hit ('and N other agreements').")
@click.option("--batch", type=click.File("r", encoding="utf-8"), help="One query per line; prints one JSON line per query.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array of hits.")
@click.pass_obj
def search_cmd(obj: _Context, query: str, limit: int, topics: tuple[str, ...], parties: tuple[str, ...],
               all_parties: bool, agreement: str | None, chapter: str | None, since: int | None, until: int | None,
               obligation: str | None, lang: str | None, group: bool, batch: Any, as_json: bool) -> None:
    """Search all indexed provisions: words, "phrases", AND/OR/NOT, prefix*; filters alone browse."""

    def body() -> int:
        from .search import Filters, search, search_batch

        filters = Filters(topics=topics, parties=parties, all_parties=all_parties, agreement=agreement,
                          chapter=chapter, since=since, until=until, obligation=obligation, lang=lang)
        with obj.open() as c:
            if batch is not None:
                queries = [line.strip() for line in batch if line.strip()]
                for q, hits in search_batch(c, queries, limit=limit, filters=filters, group=group):
                    click.echo(json.dumps({"query": q, "hits": [h.to_dict() for h in hits]}, ensure_ascii=False))
                return 0
            hits = search(c, query, limit=limit, filters=filters, group=group)
        if as_json:
            _emit_json([h.to_dict() for h in hits])
            return 0
        if not hits:
            click.echo("no matches", err=True)
        for h in hits:
            _print_hit(h)
        return 0

    _run(body)


def _print_hit(h: Any) -> None:
    a, p = h.agreement, h.provision
    tags = " ".join(f"[{t}]" for t in (*p.topics[:3], p.obligation) if t)
    click.echo(click.style(f"{h.rank:>3}. {a.name} ({a.year or 'n.d.'}) · {p.label}", bold=True) + (f"  {tags}" if tags else ""))
    more = f" · and {len(h.others)} other agreements" if h.others else ""
    click.echo(f"     {p.id}  score {h.score:.2f}{more}")
    text = h.snippet
    if sys.stdout.isatty():
        text = re.sub(r"\[([^\]]+)\]", lambda m: click.style(m.group(1), fg="yellow", bold=True), text)
    click.echo(textwrap.fill(text, width=110, initial_indent="     ", subsequent_indent="     "))


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
def compare_cmd(obj: _Context, a: str, b: str, docx_out: Path | None, html_out: Path | None, as_json: bool,
                author: str, force: bool) -> None:
    """Compare two clauses: A and B are references (tpp:14.3), files with one article, or - (stdin)."""

    def body() -> int:
        from datetime import datetime, timezone

        from .compare import compare_texts, render_html, render_terminal
        from .redline import write_redline_docx

        for out in (docx_out, html_out):
            if out is not None:
                _check_output(out, force)
        stdin = sys.stdin.read() if "-" in (a, b) else ""
        (label_a, text_a), (label_b, text_b) = (_clause(obj, ref, stdin) for ref in (a, b))
        comparison = compare_texts(text_a, text_b, label_a=label_a, label_b=label_b)
        if docx_out is not None:
            write_redline_docx([(f"{label_a} → {label_b}", text_a, text_b)], docx_out, author=author,
                               date=datetime.now(timezone.utc), title=f"Comparison: {label_a} / {label_b}")
        if html_out is not None:
            _write_atomically(html_out, render_html(comparison))
        if as_json:
            _emit_json(comparison.to_dict())
        elif docx_out is None and html_out is None:
            click.echo(render_terminal(comparison, color=sys.stdout.isatty()))
        elif not obj.quiet:
            click.echo("identical" if comparison.identical else "written: " + ", ".join(
                str(p) for p in (docx_out, html_out) if p), err=True)
        return 0

    _run(body)


def _clause(obj: _Context, ref: str, stdin: str) -> tuple[str, str]:
    """(label, text) of a clause named on the command line."""
    from .errors import InputError

    if ref == "-":
        if not stdin.strip():
            raise InputError("<stdin>", "empty text")
        return "stdin", stdin
    path = Path(ref)
    if path.is_file():
        from .ingest.load import load_file

        doc = load_file(path)
        if len(doc.provisions) != 1:
            raise InputError(path, f"holds {len(doc.provisions)} articles; name one as AGREEMENT:ARTICLE after "
                                   "`ftadraft corpus add`, or give a file with one clause")
        return path.name, doc.provisions[0].text
    with obj.open() as c:
        p = c.provision(ref)
        agreement = c.index.agreement(p.agreement_id)
    return citation(agreement, p), p.text


def _check_output(out: Path, force: bool) -> None:
    from .errors import InputError

    if not out.parent.exists():
        raise InputError(out, f"folder {out.parent} does not exist")
    if out.exists() and not force:
        raise InputError(out, "exists already; pass --force to overwrite")


def _write_atomically(out: Path, text: str) -> None:
    """Write via a temporary file in the same folder, so a failure never leaves half a file."""
    import os
    import tempfile

    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="ftadraft")


if __name__ == "__main__":
    main()
