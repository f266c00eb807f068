"""A negotiating proposal as data: what the Word writer (:mod:`ftadraft.drafting.docx_writer`) lays out.

The model is independent of where the proposal came from (a consolidated text, a CLI, a notebook):
frozen dataclasses checked on construction, so a writer never meets a proposal it cannot express.
Square brackets in any text mark language not yet agreed, as negotiators write it; they may nest and
must balance within one paragraph (or title). Parties are named by upper-case codes ("USA", "EU"); a joint
position names several, joined by "/" ("USA/JPN"). The document shows each party by its short name as
delegations write it in brackets ("US", "EU", "JP"; :attr:`PartyName.short`), and dates as "14 March 2025".
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import date as _date
from typing import Literal, TypeAlias

_CODE = re.compile(r"^[A-Z]{2,3}$")
_DATE = re.compile(r"^\d{4}-\d\d-\d\d$")
_SHORT = re.compile(r"^[A-Za-z][A-Za-z.]{0,11}$")
PAPERS = ("A4", "Letter")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")
#: Who wrote a note that no party wrote: the clause library's own drafting notes.
LIBRARY = "ftadraft"

#: Short names delegations write in brackets ("[US: ...]"), by party code; other codes show as they are.
SHORT_NAMES = {
    "USA": "US", "GBR": "UK", "JPN": "JP", "KOR": "KR", "CHN": "CN", "AUS": "AU", "NZL": "NZ", "CAN": "CA",
    "MEX": "MX", "CHL": "CL", "PER": "PE", "SGP": "SG", "MYS": "MY", "VNM": "VN", "BRN": "BN", "THA": "TH",
    "IDN": "ID", "PHL": "PH", "IND": "IN", "PAK": "PK", "LKA": "LK", "TWN": "TW", "HKG": "HK", "MAC": "MO",
    "MNG": "MN", "LAO": "LA", "COL": "CO", "PAN": "PA", "CRI": "CR", "GTM": "GT", "HND": "HN", "SLV": "SV",
    "NIC": "NI", "DOM": "DO", "URY": "UY", "CUB": "CU", "JOR": "JO", "MAR": "MA", "BHR": "BH", "OMN": "OM",
    "ISR": "IL", "EGY": "EG", "TUN": "TN", "TUR": "TR", "CHE": "CH", "ISL": "IS", "NOR": "NO", "UKR": "UA",
    "GEO": "GE", "MDA": "MD", "RUS": "RU", "KAZ": "KZ", "ARM": "AM", "BLR": "BY", "KGZ": "KG", "MUS": "MU",
    "PNG": "PG", "IRL": "IE", "ZAF": "ZA", "ARG": "AR", "BRA": "BR", "ARE": "AE", "SAU": "SA", "QAT": "QA",
    "KWT": "KW", "ECU": "EC", "PRY": "PY", "BOL": "BO", "VEN": "VE", "KHM": "KH", "MMR": "MM", "BGD": "BD",
    "NPL": "NP", "FJI": "FJ", "SRB": "RS", "ALB": "AL", "MKD": "MK", "MNE": "ME", "BIH": "BA", "AZE": "AZ",
    "UZB": "UZ", "TJK": "TJ", "KEN": "KE", "NGA": "NG", "GHA": "GH", "CMR": "CM", "CIV": "CI", "SEN": "SN",
}


def display_date(iso: str) -> str:
    """``2025-03-14`` as delegations write it: ``14 March 2025``."""
    day = _date.fromisoformat(iso)
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def default_short(code: str) -> str:
    """The short name delegations write for a party code: "US" for USA, "UK" for GBR, "EU" for EU."""
    return SHORT_NAMES.get(code, code)


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
    """A party to the negotiation: its code ("USA"), its name ("United States"), the short name shown in
    brackets, notes and alternatives ("US"; default :func:`default_short`) and its name in running text
    ("the United States"; default the name)."""

    code: str
    name: str
    short: str = ""
    in_text: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.code, str) or not _CODE.match(self.code):
            raise ValueError(f"party code {self.code!r} must be 2-3 upper-case letters (e.g. 'USA', 'EU')")
        _text(self.name, f"name of party {self.code}")
        if not self.short:
            object.__setattr__(self, "short", default_short(self.code))
        if not isinstance(self.short, str) or not _SHORT.match(self.short):
            raise ValueError(f"short name {self.short!r} of party {self.code} must be 1-12 letters (e.g. 'US', 'EU')")
        if not self.in_text:
            object.__setattr__(self, "in_text", self.name)
        _text(self.in_text, f"running-text name of party {self.code}")


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
    """A drafting note (a Word comment on the article) by a party (its code, or codes joined by "/"), or
    by the clause library (``party`` = :data:`LIBRARY`, "ftadraft"). ``internal`` notes (fall-backs,
    negotiating considerations) are for the delegation itself; the assembly leaves them out of what it
    sends unless asked (see :func:`ftadraft.drafting.spec.build_proposal`)."""

    party: str
    text: str
    internal: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.party, str) or not (
                self.party == LIBRARY or all(_CODE.match(c) for c in self.party.split("/"))):
            raise ValueError(f"note party {self.party!r} must be a party code (or {LIBRARY!r} for the library)")
        _text(self.text, "note text")
        if not isinstance(self.internal, bool):
            raise ValueError("note 'internal' must be True or False")

    @property
    def codes(self) -> tuple[str, ...]:
        return () if self.party == LIBRARY else tuple(self.party.split("/"))


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
    paper: Literal["A4", "Letter"] = "A4"

    def __post_init__(self) -> None:
        _tuples(self)
        if self.paper not in PAPERS:
            raise ValueError(f"paper must be one of {', '.join(PAPERS)}, not {self.paper!r}")
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
            used = [c for n in article.notes for c in n.codes]
            used += [c for alts in article.alternatives() for o in alts.options for c in o.codes]
            unknown = sorted(set(used) - set(codes))
            if unknown:
                raise ValueError(f"article {k} ({article.title!r}) names unknown parties: {', '.join(unknown)}")

    def party_name(self, code: str) -> str:
        """The display name of ``code`` ("USA/JPN" gives "United States / Japan")."""
        names = {p.code: p.name for p in self.parties}
        return " / ".join(names.get(c, c) for c in code.split("/"))

    def party_label(self, code: str) -> str:
        """How brackets, alternatives and notes name ``code``: short names ("USA/JPN" gives "US/JP");
        the library's own notes are "ftadraft"."""
        if code == LIBRARY:
            return LIBRARY
        shorts = {p.code: p.short for p in self.parties}
        return "/".join(shorts.get(c, c) for c in code.split("/"))

    def party_in_text(self, code: str) -> str:
        """``code``'s name in running text ("the United States")."""
        return next((p.in_text for p in self.parties if p.code == code), code)

    @property
    def display_date(self) -> str:
        """The date as delegations write it: "14 March 2025"."""
        return display_date(self.date)
