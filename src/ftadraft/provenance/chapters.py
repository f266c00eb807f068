"""Which chapters a corpus-wide reuse table looks at: one chapter (by number or title text), or a chapter type.

Chapter titles vary between templates ("Intellectual Property", "Intellectual Property Rights", "Protection
of Intellectual Property", "Propiedad Intelectual"), so the copy-and-paste literature compares chapter
*types*. A :class:`ChapterType` is a small set of title patterns in the corpus's languages (English, Spanish,
French); :func:`chapter_selection` reads ``--chapter``: a type's key (``ip``, ``customs``, ``e-commerce``, ...)
selects that type, anything else is matched as :class:`~ftadraft.index.filters.AgreementFilter` matches a
chapter (its number, or a part of its title).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

from ..index.filters import AgreementFilter


@dataclass(frozen=True)
class ChapterType:
    """A kind of chapter, recognised by its title."""

    key: str
    name: str
    patterns: tuple[str, ...]  # regular expressions, searched case-insensitively in the chapter title

    def __post_init__(self) -> None:
        if not self.patterns:
            raise ValueError(f"chapter type {self.key}: no title pattern")

    @cached_property
    def _regex(self) -> re.Pattern[str]:  # compiled on first use: listing the types (--help) needs none
        return re.compile("|".join(f"(?:{p})" for p in self.patterns), re.IGNORECASE)

    def matches(self, title: str | None) -> bool:
        return bool(title) and self._regex.search(title or "") is not None


#: The chapter types of the copy-and-paste literature's chapter-level comparisons, by key.
CHAPTER_TYPES: dict[str, ChapterType] = {t.key: t for t in (
    ChapterType("ip", "Intellectual property", (r"intellectual\s+property", r"\bTRIPS\b", r"propiedad\s+intelectual",
                                                r"propri[ée]t[ée]\s+intellectuelle")),
    ChapterType("customs", "Customs and trade facilitation",
                (r"\bcustoms\b", r"trade\s+facilitation", r"aduan", r"facilitaci[óo]n\s+del\s+comercio",
                 r"\bdouan")),
    ChapterType("e-commerce", "Electronic commerce", (r"electronic\s+commerce", r"\be-commerce\b", r"digital\s+trade",
                                                      r"comercio\s+electr[óo]nico", r"commerce\s+[ée]lectronique")),
    ChapterType("services", "Trade in services", (r"\bservices\b", r"\bservicios\b")),
    ChapterType("investment", "Investment", (r"\binvestment", r"\binversi[óo]n", r"\binvestissement")),
    ChapterType("sps", "Sanitary and phytosanitary measures", (r"sanitary", r"sanitari")),
    ChapterType("tbt", "Technical barriers to trade", (r"technical\s+barriers", r"obst[áa]culos\s+t[ée]cnicos",
                                                       r"technical\s+regulations")),
    ChapterType("trade-remedies", "Trade remedies", (r"trade\s+remed", r"anti-?dumping", r"safeguard",
                                                     r"defensa\s+comercial", r"salvaguardia")),
    ChapterType("rules-of-origin", "Rules of origin", (r"rules\s+of\s+origin", r"reglas\s+de\s+origen",
                                                       r"originating\s+products", r"r[èe]gles\s+d.origine")),
    ChapterType("procurement", "Government procurement", (r"procurement", r"compras\s+p[úu]blicas",
                                                          r"contrataci[óo]n\s+p[úu]blica", r"march[ée]s\s+publics")),
    ChapterType("competition", "Competition", (r"\bcompetition", r"\bcompetencia\b", r"\bconcurrence\b")),
    ChapterType("dispute-settlement", "Dispute settlement",
                (r"dispute\s+settlement", r"soluci[óo]n\s+de\s+controversias", r"r[èe]glement\s+des\s+diff[ée]rends")),
)}


@dataclass(frozen=True)
class ChapterSelection:
    """The chapters asked for: a chapter type, or a chapter number or title text (never both)."""

    text: str
    type: ChapterType | None = None

    def __post_init__(self) -> None:
        AgreementFilter(chapter=self.text)  # an empty text fails here, in one line

    @property
    def label(self) -> str:
        return self.type.key if self.type else self.text

    def matches(self, number: str | None, title: str | None) -> bool:
        if self.type is not None:
            return self.type.matches(title)
        return AgreementFilter(chapter=self.text).chapter_matches(number, title)


def chapter_selection(text: str) -> ChapterSelection:
    """``--chapter TEXT``: a chapter type if TEXT is one's key (case-insensitive; ``IP``, ``customs``,
    ``e-commerce``, ...), else a chapter number or a part of a chapter title."""
    key = text.strip().casefold()
    return ChapterSelection(text, CHAPTER_TYPES.get(key))
