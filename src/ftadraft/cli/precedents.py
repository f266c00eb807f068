"""``ftadraft precedents``: where a clause's language comes from; ``ftadraft reuse``: how much an
agreement copies from earlier ones."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

import click

from ..provenance.chapters import CHAPTER_TYPES
from .app import Context, cli, emit_json, jsonl_items, run, text_argument
from .options import force_option, json_option, parties_option, since_option, until_option

if TYPE_CHECKING:
    from ..errors import InputError
    from ..model import Provision
    from ..provenance.corpus_reuse import ReuseTable
    from ..provenance.precedents import Lineage, Precedent
    from ..provenance.reuse import ReuseReport

_LIMIT = click.IntRange(1, 1000)
_OUT = click.Path(dir_okay=False, path_type=Path)


@cli.command("precedents")
@click.argument("text", required=False)
@click.option("--ref", help="Look up an indexed provision (e.g. tota-449:14.3) instead of a pasted text; "
                            "its own agreement is left out.")
@click.option("--limit", "-n", default=10, show_default=True, type=_LIMIT, help="Precedents to list.")
@click.option("--min-similarity", type=click.FloatRange(0.05, 1.0),
              help="Share of the clause's words a provision must contain [default: 0.5; 0.8 with --lineage].")
@since_option
@until_option
@parties_option
@click.option("--exclude", multiple=True, help="Leave out this agreement (id or alias; repeatable).")
@click.option("--lineage", "show_lineage", is_flag=True,
              help="List every provision containing the clause by signature date, with the likely origin.")
@click.option("--no-diff", is_flag=True, help="Do not show the diff against the best match.")
@click.option("--batch", type=click.File("r", encoding="utf-8"),
              help='JSON lines {"id": ..., "text": ...}; prints one JSON line {"id", "hits"} per input.')
@json_option
@click.pass_obj
def precedents_cmd(obj: Context, text: str | None, ref: str | None, limit: int, min_similarity: float | None,
                   since: int | None, until: int | None, parties: tuple[str, ...], exclude: tuple[str, ...],
                   show_lineage: bool, no_diff: bool, batch: TextIO | None, as_json: bool) -> None:
    """Find the provisions that contain the language of TEXT (or stdin with -), most contained first.

    Robust to other party names, renumbered cross-references, a softened modal, an inserted hedge,
    a dropped sentence, OCR line breaks and curly quotes.
    """

    def body() -> int:
        from ..errors import InputError
        from ..provenance.precedents import precedent_report, precedents_batch

        if ref is not None and text is not None:
            raise InputError("TEXT", "give either TEXT or --ref, not both")
        with obj.open() as c:
            if batch is not None:
                return _print_batch(precedents_batch(c, _batch_items(batch), limit=limit, min_similarity=min_similarity,
                                                     since=since, until=until, party=parties, exclude=exclude))
            clause: str | Provision
            if ref is not None:
                label, clause = ref, c.provision(ref)  # the report calls it by its provision id
            else:
                label, clause = text_argument(text)
            report = precedent_report(c, clause, label=label, limit=limit, min_similarity=min_similarity,
                                      since=since, until=until, parties=parties, exclude=exclude,
                                      with_lineage=show_lineage or as_json)
        if as_json:
            emit_json(report.to_dict(diff=not no_diff))
            return 0
        comparison = None if no_diff else report.comparison()
        if report.lineage is not None:
            _print_lineage(report.lineage)
        elif not report.hits:
            click.echo(f"no provision contains {report.min_similarity:.0%} or more of this text", err=True)
        else:
            for h in report.hits:
                quote = click.style("  verbatim", fg="green") if h.verbatim else ""
                click.echo(f"{h.rank:>3}. {h.similarity:>4.0%}  {h.citation}  " + click.style(h.provision.id, dim=True)
                           + quote)
        if comparison is not None:
            from ..compare.texts import render_terminal

            click.echo("\nBest match, differences from your text:")
            click.echo(render_terminal(comparison, color=sys.stdout.isatty()))
        return 0

    run(body)


def _print_lineage(chrono: Lineage) -> None:
    click.echo(click.style(chrono.summary(), bold=True))
    for p in chrono.precedents:
        mark = "  <- likely origin" if p is chrono.origin else ""
        click.echo(f"  {p.agreement.year or 'n.d.'}  {p.similarity:>4.0%}  {p.citation}  "
                   + click.style(p.provision.id, dim=True) + mark)


def _batch_items(batch: TextIO) -> Iterator[tuple[object, str]]:
    for item in jsonl_items(batch):
        yield item.get("id"), item["text"]


def _print_batch(found: Iterator[tuple[object, list[Precedent] | InputError]]) -> int:
    """One JSON line per input line; a malformed line stops with its line number, a bad text is reported
    on its own line and makes the exit code 1."""
    from ..errors import InputError

    failed = 0
    for key, hits in found:
        if isinstance(hits, InputError):
            failed += 1
            click.echo(json.dumps({"id": key, "hits": [], "error": hits.problem}, ensure_ascii=False))
        else:
            click.echo(json.dumps({"id": key, "hits": [h.to_dict() for h in hits]}, ensure_ascii=False))
    return 1 if failed else 0


@cli.command("reuse")
@click.argument("agreement", required=False)
@click.option("--all", "every", is_flag=True,
              help="The corpus-wide table instead: each agreement's best single earlier source, its share, and the "
                   "share copied from any earlier text.")
@click.option("--threshold", default=0.8, show_default=True, type=click.FloatRange(0.5, 1.0),
              help="Share of an article's words an earlier provision must contain to count as copied.")
@click.option("--articles/--no-articles", default=True, show_default=True, help="List every article with its source.")
@since_option
@until_option
@parties_option
@click.option("--chapter", help="With --all: only these chapters: a chapter type (" + ", ".join(CHAPTER_TYPES)
              + ") or a chapter number or title text.")
@click.option("--top", default=20, show_default=True, type=click.IntRange(0, 10_000),
              help="With --all: agreements listed, largest best-source share first.")
@click.option("--csv", "csv_out", type=_OUT,
              help="Write one row per article (with --all: per agreement) to this CSV file (- for standard output).")
@click.option("--parquet", "parquet_out", type=_OUT, help="With --all: write the table as Parquet (needs pyarrow).")
@click.option("--plot", "plot_out", type=_OUT,
              help="With --all: write a PNG chart: best-source shares over time, and who copies from whom.")
@force_option
@json_option
@click.pass_obj
def reuse_cmd(obj: Context, agreement: str | None, every: bool, threshold: float, articles: bool, since: int | None,
              until: int | None, parties: tuple[str, ...], chapter: str | None, top: int, csv_out: Path | None,
              parquet_out: Path | None, plot_out: Path | None, force: bool, as_json: bool) -> None:
    """How much of AGREEMENT each earlier agreement holds near-verbatim (its best single source) and, article by
    article, where its text comes from; with --all, the same for every agreement of the index."""

    def body() -> int:
        from ..errors import InputError
        from .files import STDOUT, check_outputs, write_output

        if every == (agreement is not None):
            raise InputError("reuse", "give an AGREEMENT or --all (the corpus-wide table), not both" if every
                             else "say which agreement (an id or alias), or --all for the corpus-wide table")
        if not every:
            used = [name for name, v in (("--since", since), ("--until", until), ("--party", parties),
                                         ("--chapter", chapter), ("--parquet", parquet_out), ("--plot", plot_out))
                    if v]
            if used:
                raise InputError(used[0], "goes with --all (the corpus-wide table), not with one agreement")
        check_outputs(force, csv=csv_out, as_json=as_json, files=(parquet_out, plot_out))
        if every:
            return _reuse_all(obj, threshold, since, until, parties, chapter, top, csv_out, parquet_out, plot_out,
                              as_json)
        from ..provenance.reuse import reuse

        with obj.open() as c:
            report = reuse(c, agreement or "", threshold=threshold)
        if csv_out is not None:
            write_output(csv_out, report.csv_text())
        if as_json:
            emit_json(report.to_dict())
            return 0
        if csv_out == STDOUT:
            return 0
        _print_report(report, threshold, articles)
        return 0

    run(body)


def _print_report(report: ReuseReport, threshold: float, articles: bool) -> None:
    a = report.agreement
    click.echo(click.style(f"{a.name} ({a.year}): {report.copied_share:.0%} of its text is copied "
                           f"near-verbatim (>= {threshold:.0%}) from earlier agreements; "
                           f"{report.reused_share:.0%} has an earlier source for at least half of an article.",
                           bold=True))
    skipped = [r for r in report.articles if r.skipped]
    if skipped:
        click.echo(f"  ({len(skipped)} provision(s) longer than a clause left out, "
                   f"e.g. {skipped[0].provision.label})")
    best = report.best_source
    if best is None:
        click.echo("  No earlier agreement holds any of its articles near-verbatim.")
    else:
        click.echo(f"Best single source: {best.agreement.name} ({best.agreement.year}) holds {best.share:.0%} of it "
                   f"near-verbatim ({best.articles} articles). Earlier agreements holding the most:")
        for s in report.containing[:5]:
            click.echo(f"  {s.share:>5.1%}  {s.articles:>3} articles  {s.agreement.name} ({s.agreement.year})")
        click.echo("Closest source of each copied article (each article credited once):")
    for s in report.sources()[:10]:
        click.echo(f"  {s.share:>5.1%}  {s.articles:>3} articles  {s.agreement.name} ({s.agreement.year})")
    if articles:
        click.echo("")
        for r in report.articles:
            src = (f"{r.similarity:>4.0%}  {r.source.citation}" if r.source else
                   "   -  left out (too long)" if r.skipped else "   -  no earlier source")
            click.echo(f"  {(r.provision.label)[:48]:<48}  {src}")


def _reuse_all(obj: Context, threshold: float, since: int | None, until: int | None, parties: tuple[str, ...],
               chapter: str | None, top: int, csv_out: Path | None, parquet_out: Path | None, plot_out: Path | None,
               as_json: bool) -> int:
    from ..index.filters import AgreementFilter
    from ..provenance.corpus_reuse import reuse_table
    from .app import Progress
    from .files import STDOUT, write_output

    AgreementFilter(since=since, until=until)  # an impossible year range fails before any work
    if parquet_out is not None:
        from ..optional import require_pandas, require_pyarrow

        require_pandas()
        require_pyarrow()  # fail before the work if the Parquet engine is missing
    if plot_out is not None:
        from ..optional import pyplot

        pyplot()
    progress = Progress(not obj.quiet)
    try:
        with obj.open() as c:
            table = reuse_table(c, since=since, until=until, parties=parties, chapter=chapter, threshold=threshold,
                                progress=lambda done, total: progress("Measuring", done, total))
    finally:
        progress.close()
    if csv_out is not None:
        write_output(csv_out, table.csv_text())
    if parquet_out is not None:
        table.to_parquet(parquet_out)
    if plot_out is not None:
        table.plot(plot_out)
    if as_json:
        emit_json(table.to_dict())
    elif csv_out != STDOUT:
        _print_table(table, top)
    if not table.rows:
        click.echo("note: no agreement matches these filters" + (" with such a chapter" if chapter else ""), err=True)
    return 0


def _print_table(table: ReuseTable, top: int) -> None:
    what = f"their {table.chapter} chapters" if table.chapter else "their words"
    click.echo(click.style(f"{len(table.rows)} agreements; an article counts as copied when an earlier provision holds "
                           f">= {table.threshold:.0%} of it.", bold=True))
    for level in (0.8, 0.95):
        click.echo(f"  taking >= {level:.0%} of {what} from a single earlier treaty: {table.count(level):>4}   "
                   f"(>= {level:.0%} copied from earlier texts at all: {table.count_copied(level)})")
    families = [f for f in table.templates() if len(f.members) >= 2]
    if families:
        click.echo("Template families (agreements taking >= 80% from their best source, by the chain's root):")
        for f in families[:8]:
            click.echo(f"  {len(f.members):>3}  {f.name}")
    if top:
        click.echo("Largest shares from a single earlier treaty (any earlier text in brackets):")
        ranked = sorted(table.rows, key=lambda r: (-r.best_share, r.agreement.signed, r.agreement.id))[:top]
        for r in ranked:
            b = r.best_source
            src = f"<- {b.agreement.name[:44]} ({b.agreement.year})" if b else "(no earlier source)"
            click.echo(f"  {r.best_share:>6.1%} ({r.copied_share:>4.0%})  {r.agreement.name[:44]:<44} "
                       f"({r.agreement.year})  {src}")
