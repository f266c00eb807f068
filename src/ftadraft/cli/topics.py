"""``ftadraft topics``: the taxonomy, and tagging of pasted texts with topics and obligation strength."""

from __future__ import annotations

import json
from typing import Any, TextIO

import click

from ..errors import FtadraftError, InputError
from .app import Context, cli, emit_json, jsonl_items, run, text_argument
from .options import json_option

MAX_TEXT_CHARS = 1_000_000


@cli.group()
def topics() -> None:
    """List the topic taxonomy, show a topic, tag a text."""


@topics.command("list")
@click.option("--area", help="Only this area (clearance, cooperation, ip-enforcement, e-commerce).")
@json_option
def topics_list(area: str | None, as_json: bool) -> None:
    """Every topic slug with its name, by area."""

    def body() -> int:
        from ..research.views import check_area
        from ..tags.topics import areas, taxonomy

        known = areas()
        if area:
            check_area(area)
        chosen = [t for t in taxonomy() if not area or t.area == area]
        if as_json:
            emit_json([{"id": t.id, "area": t.area, "name": t.name, "definition": t.definition} for t in chosen])
            return 0
        current = None
        for t in chosen:
            if t.area != current:
                current = t.area
                click.secho(known.get(t.area, t.area), bold=True)
            click.echo(f"  {t.id:<44} {t.name}")
        return 0

    run(body)


@topics.command("show")
@click.argument("slug")
@json_option
@click.pass_obj
def topics_show(obj: Context, slug: str, as_json: bool) -> None:
    """A topic's definition and typical titles, and how many indexed provisions carry it."""

    def body() -> int:
        from ..tags.topics import get

        t = get(slug)
        count = None
        try:
            with obj.open() as c:
                count = c.index.topic_count(t.id)
        except FtadraftError:
            pass  # no index yet: the taxonomy alone is still worth showing
        if as_json:
            emit_json({"id": t.id, "area": t.area, "name": t.name, "definition": t.definition,
                       "titles": list(t.titles), "provisions": count})
            return 0
        click.secho(f"{t.id} — {t.name}", bold=True)
        click.echo(t.definition)
        click.echo("typical titles: " + "; ".join(t.titles))
        if count is not None:
            click.echo(f"provisions in the index: {count:,}")
        return 0

    run(body)


@topics.command("tag")
@click.argument("text", required=False)
@click.option("--title", help="The article's title, if it has one (a hint, not required).")
@click.option("--batch", type=click.File("r", encoding="utf-8"),
              help='JSON lines {"id": ..., "text": ...}; prints one JSON line per input.')
@json_option
def topics_tag(text: str | None, title: str | None, batch: TextIO | None, as_json: bool) -> None:
    """Tag TEXT (or stdin with -) with topics and obligation strength."""

    def body() -> int:
        if batch is not None:
            for n, item in enumerate(jsonl_items(batch), start=1):
                tagged = _tags(item["text"], item.get("title"), f"{batch.name}: item {item.get('id', n)}")
                click.echo(json.dumps({"id": item.get("id"), **tagged}, ensure_ascii=False))
            return 0
        label, source = text_argument(text)
        result = _tags(source, title, label)
        if as_json:
            emit_json(result)
            return 0
        click.echo(f"obligation: {result['obligation']}")
        for t in result["topics"] or [{"id": "(no topic)", "score": 0}]:
            click.echo(f"  {t['id']:<44} {t['score']:.2f}")
        for kind in ("binding", "soft"):
            for sentence in result["basis"][kind][:3]:
                click.echo(f"  {kind}: {sentence[:150]}")
        return 0

    run(body)


def _tags(text: str, title: str | None, label: str = "TEXT") -> dict[str, Any]:
    from ..tags.tagging import tag_text

    if len(text) > MAX_TEXT_CHARS:
        raise InputError(label, f"text too long ({len(text):,} characters; limit {MAX_TEXT_CHARS:,})")
    return tag_text(text, title).to_dict()
