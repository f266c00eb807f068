"""``ftadraft stats``: topic coverage, diffusion over time, agreement and party profiles."""

from __future__ import annotations

from pathlib import Path

import click

from ..errors import FtadraftError
from .app import Context, cli, emit_json, run
from .files import STDOUT, check_outputs, counted, report_written, write_output
from .options import force_option, json_option, parties_option, since_option, until_option

_OUT = click.Path(dir_okay=False, path_type=Path)


@cli.group()
def stats() -> None:
    """Research tables: which agreements cover which topics, and how topics spread."""


def _note(note: str | None) -> None:
    if note:
        click.echo(f"note: {note}", err=True)


@stats.command("coverage")
@click.option("--topic", "topics", multiple=True, help="A topic slug (repeatable; default: all).")
@click.option("--area", help="Only topics of this area (clearance, cooperation, ip-enforcement, e-commerce).")
@since_option
@until_option
@parties_option
@click.option("--csv", "csv_out", type=_OUT,
              help="Write the long table (one row per agreement × topic) to this CSV file (- for standard output).")
@click.option("--parquet", "parquet_out", type=_OUT,
              help="Write the long table to this Parquet file (needs pyarrow: the notebook extra).")
@json_option
@force_option
@click.pass_obj
def stats_coverage(obj: Context, topics: tuple[str, ...], area: str | None, since: int | None, until: int | None,
                   parties: tuple[str, ...], csv_out: Path | None, parquet_out: Path | None, as_json: bool,
                   force: bool) -> None:
    """Agreements × topics: the strongest obligation each agreement has on each topic."""

    def body() -> int:
        from ..research.views import CELL_LEVELS, coverage

        if parquet_out is not None and (csv_out is not None or as_json):
            raise FtadraftError("--parquet cannot be combined with --csv or --json")
        check_outputs(force, csv=csv_out, as_json=as_json, files=(parquet_out,))
        if parquet_out is not None:
            from ..optional import require_pandas, require_pyarrow

            require_pyarrow()  # fail before the work if pyarrow (or pandas) is missing
            require_pandas()
        with obj.open(create=False) as c:
            cov = coverage(c, topics=topics or None, area=area, since=since, until=until, parties=parties or None)
        if csv_out is not None:
            write_output(csv_out, cov.csv_text())
        if parquet_out is not None:
            cov.to_parquet(parquet_out)
        if as_json:
            emit_json(cov.to_dict())
        elif csv_out is None and parquet_out is None:
            versions = sum(len(a.versions) for a in cov.agreements)
            merged = f" (language versions counted once: {versions} merged)" if versions else ""
            click.echo(f"{counted(len(cov.agreements), 'agreement')} × {counted(len(cov.topics), 'topic')}{merged}")
            if cov.agreements:
                # binds = binding + mixed: a mixed provision has a binding sentence (research.views.BINDS)
                click.echo(f"  {'topic':<44} " + " ".join(f"{lv:>8}" for lv in CELL_LEVELS) + f" {'binds':>8}")
                binds = cov.binds()
                for t, n in cov.counts().items():
                    click.echo(f"  {t:<44} " + " ".join(f"{n[lv]:>8}" for lv in CELL_LEVELS) + f" {binds[t]:>8}")
        else:
            rows = len(cov.agreements) * len(cov.topics)  # the long table: one row per agreement × topic
            report_written(csv_out, counted(rows, "row"), quiet=obj.quiet)
            report_written(parquet_out, counted(rows, "row"), quiet=obj.quiet)
        _note(cov.note)
        return 0

    run(body)


@stats.command("diffusion")
@click.option("--topic", required=True, help="The topic slug.")
@since_option
@until_option
@click.option("--plot", "plot_out", type=_OUT, help="Write a PNG chart (needs the plot extra: matplotlib).")
@click.option("--csv", "csv_out", type=_OUT, help="Write the per-year table to this CSV file (- for standard output).")
@json_option
@force_option
@click.pass_obj
def stats_diffusion(obj: Context, topic: str, since: int | None, until: int | None, plot_out: Path | None,
                    csv_out: Path | None, as_json: bool, force: bool) -> None:
    """Per signature year: agreements signed, how many contain the topic, and how strongly."""

    def body() -> int:
        from ..optional import pyplot
        from ..research.views import diffusion

        check_outputs(force, csv=csv_out, as_json=as_json, files=(plot_out,))
        if plot_out is not None:
            pyplot()  # fail before the work if matplotlib is missing
        with obj.open(create=False) as c:
            d = diffusion(c, topic, since=since, until=until)
        if csv_out is not None:
            write_output(csv_out, d.csv_text())
        if plot_out is not None:
            d.plot(plot_out)
        report_written(csv_out, counted(len(d.years), "row"), quiet=obj.quiet)
        report_written(plot_out, "chart", quiet=obj.quiet)
        if as_json:
            emit_json(d.to_dict())
        elif csv_out != STDOUT:
            click.echo(f"{d.topic} — {d.topic_name}")
            for f in (d.first, d.first_binding):
                if f is not None:
                    label = "first" if f.kind == "any" else "first binding"  # a binding or mixed provision
                    click.echo(f"  {label}: {f.agreement} ({f.agreement_id}, {f.signed}), article {f.number or '?'}"
                               f" {f.title or ''} [{f.provision_id}]")
            if d.years:
                click.echo(f"  {'year':<6}{'signed':>7}{'with':>6}{'share':>7}"
                           f"{'binding':>9}{'mixed':>7}{'soft':>6}{'present':>9}")
            for y in d.years:
                if y.agreements:
                    click.echo(f"  {y.year:<6}{y.agreements:>7}{y.with_topic:>6}{y.share:>7.0%}{y.binding:>9}"
                               f"{y.mixed:>7}{y.soft:>6}{y.present:>9}")
        _note(d.note)
        return 0

    run(body)


@stats.command("agreement")
@click.argument("ref")
@json_option
@click.pass_obj
def stats_agreement(obj: Context, ref: str, as_json: bool) -> None:
    """An agreement's topics with their strongest obligation, and words per area."""

    def body() -> int:
        from ..research.views import agreement_profile

        with obj.open(create=False) as c:
            p = agreement_profile(c, ref)
        if as_json:
            emit_json(p.to_dict())
            return 0
        a = p.agreement
        click.secho(f"{a.id} — {a.name} ({a.signed or 'n.d.'}; {', '.join(a.parties)})", bold=True)
        if a.versions:
            click.echo(f"language versions of this agreement (counted once in coverage): {', '.join(a.versions)}")
        click.echo(f"words: {p.words_total:,} in all; " + ", ".join(f"{k} {n:,}" for k, n in p.words_by_area))
        for t in p.topics or ():
            n = len(t.provision_ids)
            click.echo(f"  {t.topic:<44} {t.level:<8} {n:>3} {'provision' if n == 1 else 'provisions'}")
        if not p.topics:
            click.echo("  (no tagged topics)")
        return 0

    run(body)


@stats.command("party")
@click.argument("iso3")
@json_option
@click.pass_obj
def stats_party(obj: Context, iso3: str, as_json: bool) -> None:
    """A party's agreements over time, and the first year it accepted binding language per topic."""

    def body() -> int:
        from ..research.views import party_profile

        with obj.open(create=False) as c:
            p = party_profile(c, iso3)
        if as_json:
            emit_json(p.to_dict())
            return 0
        click.secho(f"{p.party}: {counted(len(p.agreements), 'agreement')}", bold=True)
        for a in p.agreements:
            click.echo(f"  {a.signed or 'n.d.':<10}  {a.id:<10} {a.name}")
        click.echo(f"  {'topic':<44} {'agreements':>10} {'first':>6} {'binding':>8}  (binding: first binding or mixed)")
        for t in p.topics:
            click.echo(f"  {t.topic:<44} {t.agreements:>10} {t.first_year or '':>6} {t.first_binding_year or '—':>8}")
        return 0

    run(body)
