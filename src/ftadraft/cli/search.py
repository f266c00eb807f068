"""``ftadraft search``: find clauses by words, phrases and filters; batches of queries."""

from __future__ import annotations

import json
import re
import sys
import textwrap
from typing import Any

import click

from ..tags.labels import LABELS
from .app import Context, cli, emit_json, run
from .options import chapter_option, json_option, parties_option, since_option, until_option


@cli.command("search")
@click.argument("words", nargs=-1)
@click.option("--limit", "-n", default=10, show_default=True, type=click.IntRange(1, 1000), help="Hits per query.")
@click.option("--topic", "topics", multiple=True, help="Only provisions tagged with this topic slug (repeatable).")
@parties_option
@click.option("--all-parties", is_flag=True, help="With several --party: agreements with all of them.")
@click.option("--agreement", help="Only this agreement (id or alias).")
@chapter_option
@since_option
@until_option
@click.option("--obligation", type=click.Choice(LABELS), help="Only this obligation strength.")
@click.option("--lang", help="Only agreements in this language (en, es, fr).")
@click.option("--group", is_flag=True, help="Collapse near-identical texts into one hit ('and N other agreements').")
@click.option("--batch", type=click.File("r", encoding="utf-8"),
              help="One query per line; prints one JSON line per query.")
@json_option
@click.pass_obj
def search_cmd(obj: Context, words: tuple[str, ...], limit: int, topics: tuple[str, ...], parties: tuple[str, ...],
               all_parties: bool, agreement: str | None, chapter: str | None, since: int | None, until: int | None,
               obligation: str | None, lang: str | None, group: bool, batch: Any, as_json: bool) -> None:
    """Search all indexed provisions: words, "phrases", AND/OR/NOT, prefix*; filters alone browse.

    The words need no quotes (`ftadraft search express shipments`); quote a phrase for the shell as
    '"express shipments"'."""
    query = " ".join(words)

    def body() -> int:
        from ..search.engine import Filters, search, search_batch

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
            emit_json([h.to_dict() for h in hits])
            return 0
        if not hits:
            click.echo("no matches", err=True)
        shown = tuple(dict.fromkeys(topics))
        for h in hits:
            _print_hit(h, shown, scored=bool(query.strip()))
        return 0

    run(body)


def _print_hit(h: Any, asked: tuple[str, ...] = (), *, scored: bool = True) -> None:
    """One hit: heading with its tags (the topics filtered on always among them), id, score (none when filters
    alone browse), snippet."""
    a, p = h.agreement, h.provision
    wanted = [t for t in p.topics if any(t == q or t.startswith(q.rstrip("/") + "/") for q in asked)]
    topics = list(dict.fromkeys([*wanted, *p.topics]))[: max(3, len(wanted))]
    tags = " ".join(f"[{t}]" for t in (*topics, p.obligation) if t)
    annex = p.source.get("annex") if p.number else None  # "Art. 12" alone: of chapter 8 or of Annex 8A?
    where = f"{'Annex' if annex == 'annex' else 'Annex ' + annex} · " if annex else ""
    from ..search.engine import QUERY_LANGUAGE  # loaded already: the hits came from it

    lang = f" [{a.language}]" if a.language and a.language != QUERY_LANGUAGE else ""  # a Spanish TPP hit says so
    heading = click.style(f"{h.rank:>3}. {a.name} ({a.year or 'n.d.'}){lang} · {where}{p.label}", bold=True)
    click.echo(heading + (f"  {tags}" if tags else ""))
    n = len(h.others)
    more = f" · and {n} other agreement{'s' if n != 1 else ''}" if n else ""
    click.echo(f"     {p.id}" + (f"  score {h.score:.2f}" if scored else "") + more)
    for para in h.snippet_paragraphs():  # paragraphs and list items as published
        if sys.stdout.isatty():
            para = re.sub(r"\[([^\]]+)\]", lambda m: click.style(m.group(1), fg="yellow", bold=True), para)
        click.echo(textwrap.fill(para, width=110, initial_indent="     ", subsequent_indent="     "))
