"""A negotiating proposal as data: what the Word writer (:mod:`ftadraft.drafting.docx_writer`) lays out.

The model is independent of where the proposal came from (a consolidated text, a CLI, a notebook):
frozen dataclasses checked on construction, so a writer never meets a proposal it cannot express.
Square brackets in any text mark language not yet agreed, as negotiators write it; they may nest and
must balance within one paragraph (or title). Party codes are the short upper-case codes negotiators
use in brackets ("USA", "EU"); a joint position names several, joined by "/" ("USA/JPN").
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import date as _date
from typing import Literal, TypeAlias

_CODE = re.compile(r"^[A-Z]{2,3}$")
_DATE = re.compile(r"^\d{4}-\d\d-\d\d$")


def bracket_depth(text: str) -> int:
    """The deepest nesting of square brackets in ``text``; ValueError if they do not balance."""
    depth = deepest = 0
    for ch in text:
        if ch == "[":
            depth += 1
            deepest = max(deepest, depth)
        elif ch == "]":
            depth -= 1
            if depth < 0:
                raise ValueError(f"unbalanced ']' in {text[:60]!r}")
    if depth:
        raise ValueError(f"{depth} unclosed '[' in {text[:60]!r}")
    return deepest


def _tuples(obj: object) -> None:
    """Freeze list-valued fields as tuples, so callers may pass lists and the object stays hashable."""
    for f in fields(obj):  # type: ignore[arg-type]
        value = getattr(obj, f.name)
        if isinstance(value, list):
            object.__setattr__(obj, f.name, tuple(value))


def _text(value: object, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{what} must be a non-empty string")
    return value


@dataclass(frozen=True)
class PartyName:
    """A party to the negotiation: its code ("USA") and the name shown in the document."""

    code: str
    name: str

    def __post_init__(self) -> None:
        if not isinstance(self.code, str) or not _CODE.match(self.code):
            raise ValueError(f"party code {self.code!r} must be 2-3 upper-case letters (e.g. 'USA', 'EU')")
        _text(self.name, f"name of party {self.code}")


@dataclass(frozen=True)
class Paragraph:
    """A numbered paragraph: level 1 reads "1.", level 2 "(a)"."""

    text: str
    level: int = 1

    def __post_init__(self) -> None:
        _text(self.text, "paragraph text")
        if self.level not in (1, 2):
            raise ValueError(f"paragraph level must be 1 ('1.') or 2 ('(a)'), not {self.level!r}")
        bracket_depth(self.text)


@dataclass(frozen=True)
class Alternative:
    """One party's (or a group's, "USA/JPN") wording for a contested passage."""

    party: str
    blocks: tuple[Paragraph, ...]

    def __post_init__(self) -> None:
        _tuples(self)
        codes = self.party.split("/") if isinstance(self.party, str) else [None]
        if not all(isinstance(c, str) and _CODE.match(c) for c in codes):
            raise ValueError(f"alternative party {self.party!r} must be codes joined by '/' (e.g. 'USA/JPN')")
        if not self.blocks or not all(isinstance(b, Paragraph) for b in self.blocks):
            raise ValueError(f"the {self.party} alternative needs one or more Paragraphs")

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(self.party.split("/"))


@dataclass(frozen=True)
class Alternatives:
    """Competing wordings of one passage, shown inline ("[USA: …] [EU: …]", one paragraph each) or
    stacked ("Alt 1 (USA)" / "Alt 2 (EU)" blocks of whole paragraphs)."""

    options: tuple[Alternative, ...]
    style: Literal["inline", "stacked"] = "inline"

    def __post_init__(self) -> None:
        _tuples(self)
        if not self.options or not all(isinstance(o, Alternative) for o in self.options):
            raise ValueError("Alternatives needs one or more Alternative options")
        if self.style not in ("inline", "stacked"):
            raise ValueError(f"alternatives style must be 'inline' or 'stacked', not {self.style!r}")
        if self.style == "inline":
            if any(len(o.blocks) != 1 for o in self.options):
                raise ValueError("inline alternatives hold one paragraph each; use style='stacked'")
            if len({o.blocks[0].level for o in self.options}) != 1:
                raise ValueError("inline alternatives must share one paragraph level")


Block: TypeAlias = Paragraph | Alternatives


@dataclass(frozen=True)
class Note:
    """A drafting note by a party (a Word comment on the article)."""

    party: str
    text: str

    def __post_init__(self) -> None:
        if not isinstance(self.party, str) or not all(_CODE.match(c) for c in self.party.split("/")):
            raise ValueError(f"note party {self.party!r} must be a party code")
        _text(self.text, "note text")


@dataclass(frozen=True)
class Article:
    """One article: title, body blocks, drafting notes and precedent citations (footnotes + annex)."""

    title: str
    body: tuple[Block, ...] = ()
    notes: tuple[Note, ...] = ()
    precedents: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _tuples(self)
        _text(self.title, "article title")
        bracket_depth(self.title)
        if not all(isinstance(b, (Paragraph, Alternatives)) for b in self.body):
            raise ValueError(f"article {self.title!r}: body holds Paragraph or Alternatives blocks only")
        if not all(isinstance(n, Note) for n in self.notes):
            raise ValueError(f"article {self.title!r}: notes must be Note objects")
        for p in self.precedents:
            _text(p, f"precedent of article {self.title!r}")

    def alternatives(self) -> Iterable[Alternatives]:
        return (b for b in self.body if isinstance(b, Alternatives))


@dataclass(frozen=True)
class Proposal:
    """A party's proposal for one chapter, at one negotiating round, on a fixed date ("YYYY-MM-DD")."""

    agreement: str
    parties: tuple[PartyName, ...]
    chapter_number: int
    chapter_title: str
    round: str
    date: str
    author: str
    articles: tuple[Article, ...]

    def __post_init__(self) -> None:
        _tuples(self)
        for name in ("agreement", "chapter_title", "round"):
            _text(getattr(self, name), name)
        bracket_depth(self.chapter_title)
        if not isinstance(self.chapter_number, int) or isinstance(self.chapter_number, bool) \
                or not 1 <= self.chapter_number <= 999:
            raise ValueError(f"chapter_number must be an integer 1-999, not {self.chapter_number!r}")
        if not isinstance(self.date, str) or not _DATE.match(self.date):
            raise ValueError(f"date must be YYYY-MM-DD, not {self.date!r}")
        try:
            day = _date.fromisoformat(self.date)
        except ValueError:
            raise ValueError(f"date {self.date!r} is not a calendar date") from None
        if day.year < 1980:  # the earliest date a zip entry can carry
            raise ValueError(f"date {self.date!r} is before 1980")
        if not self.parties or not all(isinstance(p, PartyName) for p in self.parties):
            raise ValueError("a proposal needs its parties as PartyName objects")
        codes = [p.code for p in self.parties]
        if len(set(codes)) != len(codes):
            raise ValueError(f"party codes repeat: {', '.join(codes)}")
        if self.author not in codes:
            raise ValueError(f"author {self.author!r} is not one of the parties ({', '.join(codes)})")
        if not all(isinstance(a, Article) for a in self.articles):
            raise ValueError("articles must be Article objects")
        for k, article in enumerate(self.articles):
            used = [c for n in article.notes for c in n.party.split("/")]
            used += [c for alts in article.alternatives() for o in alts.options for c in o.codes]
            unknown = sorted(set(used) - set(codes))
            if unknown:
                raise ValueError(f"article {k} ({article.title!r}) names unknown parties: {', '.join(unknown)}")

    def party_name(self, code: str) -> str:
        """The display name of ``code`` ("USA/JPN" gives "United States / Japan")."""
        names = {p.code: p.name for p in self.parties}
        return " / ".join(names.get(c, c) for c in code.split("/"))
