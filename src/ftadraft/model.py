"""The data model: agreements, chapters and provisions as frozen dataclasses.

Everything downstream (index, search, compare, drafting, research views) speaks these types.
Ids are stable across re-ingest: an agreement id comes from its dataset (``tota-449``) or from
the user (``--id``, sidecar, file name); a provision id is ``<agreement id>/<key>`` where the
key is the dataset's own article identifier (ToTA) or the article number as printed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any


@dataclass(frozen=True)
class Footnote:
    """A footnote detached from a provision's text (``marker`` as printed, e.g. ``"3"``)."""

    marker: str
    text: str


@dataclass(frozen=True)
class Agreement:
    """One agreement: who signed what, when, and where the text came from."""

    id: str
    name: str
    aliases: tuple[str, ...] = ()
    parties: tuple[str, ...] = ()  # ISO 3166-1 alpha-3 (ToTA also uses a few group codes such as EU)
    signed: date | None = None
    in_force: date | None = None
    type: str | None = None
    status: str | None = None
    language: str | None = None
    source: Mapping[str, str] = field(default_factory=dict)  # dataset/treaty or file/sha256, url
    licence: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)  # further dataset metadata (region, composition…)

    @property
    def year(self) -> int | None:
        return self.signed.year if self.signed else None

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["aliases"] = list(self.aliases)
        d["parties"] = list(self.parties)
        d["signed"] = self.signed.isoformat() if self.signed else None
        d["in_force"] = self.in_force.isoformat() if self.in_force else None
        d["source"] = dict(self.source)
        d["extra"] = dict(self.extra)
        return d

    def brief(self) -> dict[str, Any]:
        """The short JSON form used in result lists: id, name, signed, parties."""
        return {"id": self.id, "name": self.name, "signed": self.signed.isoformat() if self.signed else None,
                "parties": list(self.parties)}


@dataclass(frozen=True)
class Chapter:
    """A chapter (or part/annex) of an agreement, in document order."""

    agreement_id: str
    order: int
    number: str | None
    title: str | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Provision:
    """One article of one agreement.

    ``text`` is the text as published (never altered); ``normalized`` is the form used for
    matching; ``lemmas`` is filled by text analysis at index time. ``topics`` and
    ``obligation`` are filled by the tagging stage (empty/None until then).
    """

    id: str
    agreement_id: str
    order: int
    number: str | None  # as printed, e.g. "Article 14.3" -> "14.3"; None when unnumbered
    title: str | None
    text: str
    normalized: str
    chapter_number: str | None = None
    chapter_title: str | None = None
    section: str | None = None
    footnotes: tuple[Footnote, ...] = ()
    source: Mapping[str, str] = field(default_factory=dict)
    flags: tuple[str, ...] = ()  # e.g. "heading-from-text", "no-structure"
    lemmas: str | None = None
    topics: tuple[str, ...] = ()
    obligation: str | None = None

    @property
    def label(self) -> str:
        """Short human citation within the agreement, e.g. ``Art. 14.3 Customs Duties``."""
        parts = []
        if self.number:
            parts.append(f"Art. {self.number}")
        if self.title:
            parts.append(self.title)
        return " ".join(parts) or f"(provision {self.order})"

    @property
    def annex(self) -> str | None:
        """The heading of the annex an annex article stands in, as the reader found it (``'Annex 8A:
        FINANCIAL SERVICES'``); None for any other provision, and for an annex's own text (its title is
        the heading)."""
        annex = self.source.get("annex") if self.number else None
        if not annex:
            return None
        return self.source.get("annex_title") or ("Annex" if annex == "annex" else f"Annex {annex}")

    def _repr_html_(self) -> str:
        """The article for Jupyter: its heading, then its paragraphs and list items as published."""
        from html import escape

        from .normalize import paragraphs

        head = " · ".join(filter(None, (self.chapter_title, self.annex, self.label)))
        paras = "".join(f"<p>{escape(x)}</p>" for x in paragraphs(self.text))
        notes = "".join(f"<li>[{escape(f.marker)}] {escape(f.text)}</li>" for f in self.footnotes)
        return (f"<div><b>{escape(head)}</b> <small>{escape(self.id)}</small>{paras}"
                + (f"<ol>{notes}</ol>" if notes else "") + "</div>")

    def brief(self) -> dict[str, Any]:
        """The short JSON form used in result lists: id, number, title."""
        return {"id": self.id, "number": self.number, "title": self.title}

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["footnotes"] = [asdict(f) for f in self.footnotes]
        d["source"] = dict(self.source)
        d["flags"] = list(self.flags)
        d["topics"] = list(self.topics)
        return d


@dataclass(frozen=True)
class ProvisionDraft:
    """What a reader extracts for one article, before ids, order and analysis are assigned."""

    text: str
    number: str | None = None
    title: str | None = None
    chapter_number: str | None = None
    chapter_title: str | None = None
    section: str | None = None
    footnotes: tuple[Footnote, ...] = ()
    flags: tuple[str, ...] = ()
    source: Mapping[str, str] = field(default_factory=dict)  # reader-specific (ToTA ids, PDF page, ...)


@dataclass(frozen=True)
class Extract:
    """A reader's output for one file: provisions plus whatever metadata the format carries."""

    provisions: tuple[ProvisionDraft, ...]
    title: str | None = None  # agreement title found in the document, if any
    agreement: Agreement | None = None  # set by formats that carry full metadata (ToTA)
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Document:
    """One ingested file: an agreement with its chapters and provisions, ready to index."""

    agreement: Agreement
    chapters: tuple[Chapter, ...]
    provisions: tuple[Provision, ...]
    path: str
    format: str
    sha256: str
    warnings: tuple[str, ...] = ()


def citation(agreement: Agreement, p: Provision) -> str:
    """'Trans-Pacific Partnership (2016), Chapter 14 Electronic Commerce, Art. 14.3 Customs Duties'; an annex
    article names its annex before its number ('…, Chapter 8 TRADE IN SERVICES, Annex 8A: FINANCIAL SERVICES,
    Art. 12 Consultations')."""
    parts = [f"{agreement.name} ({agreement.year or 'n.d.'})"]
    chapter = " ".join(filter(None, (p.chapter_number, p.chapter_title)))
    kinds = ("TITLE", "PART", "SECTION", "ANNEX", "PROTOCOL", "APPENDIX", "CHAPTER")
    if chapter:
        number = (p.chapter_number or "").upper()
        parts.append(("Chapter " if number and not number.startswith(kinds) else "") + chapter)
    if p.annex and p.annex.lower() not in chapter.lower():  # RCEP Annex 8A and 8B both have an Article 1
        parts.append(p.annex)
    parts.append(p.label)
    return ", ".join(parts)
