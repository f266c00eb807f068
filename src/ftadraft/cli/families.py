"""``ftadraft families``: cluster chapters (or each agreement's articles on a topic) into template families."""

from __future__ import annotations

from pathlib import Path

import click

from .app import Context, cli, emit_json, run
from .files import STDOUT, check_outputs, counted, report_written, write_output
from .options import chapter_option, force_option, json_option, since_option, until_option

_OUT = click.Path(dir_okay=False, path_type=Path)


@cli.command("families")
@chapter_option
@click.option("--topic", help="Instead: each agreement's articles tagged with this topic slug.")
@click.option("--min-similarity", default=0.1, show_default=True, type=click.FloatRange(0.01, 0.99),
              help="Average word 5-gram Jaccard inside a family (higher: more, tighter families).")
@since_option
@until_option
@click.option("--plot", "plot_out", type=_OUT, help="Write a PNG heatmap ordered by family (needs matplotlib).")
@click.option("--csv", "csv_out", type=_OUT,
              help="Write one row per chapter: family, agreement, closest other (- for standard output).")
@force_option
@json_option
@click.pass_obj
def families_cmd(obj: Context, chapter: str | None, topic: str | None, min_similarity: float, since: int | None,
                 until: int | None, plot_out: Path | None, csv_out: Path | None, force: bool, as_json: bool) -> None:
    """Template families: which agreements' chapters share their wording (US-style, EU-style, ...)."""

    def body() -> int:
        from ..index.filters import AgreementFilter
        from ..provenance.families import families

        AgreementFilter(since=since, until=until)  # an impossible year range fails before any work
        check_outputs(force, csv=csv_out, as_json=as_json, files=(plot_out,))
        if plot_out is not None:
            from ..optional import pyplot

            pyplot()  # fail before the work if matplotlib is missing
        with obj.open() as c:
            result = families(c, chapter=chapter, topic=topic, min_similarity=min_similarity, since=since, until=until)
        if csv_out is not None:
            write_output(csv_out, result.csv_text())
        if plot_out is not None:
            result.plot(plot_out)
        report_written(csv_out, counted(len(result.units), "row"), quiet=obj.quiet)
        report_written(plot_out, "heatmap", quiet=obj.quiet)
        if as_json:
            emit_json(result.to_dict())
            return 0
        if csv_out == STDOUT:
            return 0
        click.echo(f"{counted(len(result.units), 'text')} in {counted(len(result.families), 'family', 'families')} "
                   f"(average 5-gram Jaccard >= {min_similarity:g} inside a family)")
        for f in result.families:
            heading = f"\n{f.number}. {f.name} — {counted(len(f.members), 'text')}, cohesion {f.cohesion:.2f}"
            click.echo(click.style(heading, bold=True))
            for u in f.members:
                click.echo(f"   {u.agreement.year or 'n.d.'}  {u.agreement.name}  " + click.style(u.label, dim=True))
        return 0

    run(body)
