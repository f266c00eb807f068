"""Small clause libraries written for a test: one YAML file per clause, in the shipped library's layout."""

from __future__ import annotations

import textwrap
from pathlib import Path

import yaml


def clause_file(root: Path, clause_id: str, text: str, *, level: str | None = None, obligation: str = "binding",
                variables: dict[str, dict[str, object]] | None = None, options: list[dict[str, object]] | None = None,
                notes: str = "What the clause does.\nNegotiating considerations: none.") -> Path:
    """Write clause ``clause_id`` (``<area>/<topic>/<name>``) under ``root`` and return its path."""
    area, topic, name = clause_id.split("/")
    level = level or name.rsplit("-", 1)[-1]
    data: dict[str, object] = {"id": clause_id, "title": f"Test clause {clause_id}", "topic": f"{area}/{topic}",
                               "level": level, "obligation": obligation}
    head = yaml.safe_dump(data, sort_keys=False)
    body = "text: |\n" + textwrap.indent(text.strip("\n") + "\n", "  ")
    rest: dict[str, object] = {}
    if variables:
        rest["variables"] = variables
    if options:
        rest["options"] = options
    rest.update({"notes": notes, "since": 2016, "source": "test"})
    folder = root / area
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{topic}-{name}.yaml"
    path.write_text(head + body + yaml.safe_dump(rest, sort_keys=False, width=200), encoding="utf-8")
    return path


def spec_file(path: Path, articles: str, *, parties: tuple[tuple[str, str], ...] = (("USA", "United States"),
                                                                                   ("GBR", "United Kingdom")),
              chapter: int = 1, date: str = "2025-03-14", round_: str = "Round 1") -> Path:
    """A draft spec with the given ``articles`` block (YAML list items, indented two spaces)."""
    party_lines = "".join(f"  - code: {code}\n    name: {name}\n" for code, name in parties)
    path.write_text(f"""\
agreement: Test Agreement
parties:
{party_lines}chapter:
  number: {chapter}
  title: Test Chapter
round: {round_}
date: {date}
author: {parties[0][0]}
articles:
{textwrap.indent(textwrap.dedent(articles).strip(chr(10)), '  ')}
""", encoding="utf-8")
    return path
