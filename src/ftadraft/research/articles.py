"""An indexed article or chapter as a reader sees it: where its text comes from and under which licence,
and the articles of "a chapter" named by an agreement and a chapter number or title.

These are the steps ``ftadraft compare`` takes for references; the web workbench takes the same ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..compare.align import chapter_provisions
from ..errors import FtadraftError
from ..model import Agreement, Provision, citation

if TYPE_CHECKING:
    from ..corpus import Corpus


def source_line(agreement: Agreement) -> str:
    """Where an agreement's text comes from and under which licence: "Trans-Pacific Partnership: ToTA,
    Texts of Trade Agreements (pta_449.xml), CC BY-NC 4.0"."""
    src = dict(agreement.source)
    where = "ToTA, Texts of Trade Agreements" if src.get("dataset") == "tota" else src.get("dataset", "")
    if src.get("file"):
        where = f"{where} ({src['file']})" if where else src["file"]
    return f"{agreement.name}: {where or 'local file'}, {agreement.licence or 'licence not recorded'}"


def articles(provisions: list[Provision]) -> list[Provision]:
    """The articles of a text, without the front matter a reader keeps as a provision of its own."""
    return [p for p in provisions if "front-matter" not in p.flags]


@dataclass(frozen=True)
class ChapterSide:
    """One side of a chapter comparison: its name ("CPTPP, Chapter 14 Electronic Commerce"), its articles in
    order, and its source line."""

    name: str
    articles: tuple[Provision, ...]
    source: str


class ChapterNeeded(FtadraftError):
    """A whole agreement was named where one chapter is needed: the caller says how to choose one."""

    def __init__(self, ref: str, agreement: str) -> None:
        self.ref, self.agreement = ref, agreement
        super().__init__(f"{ref}: {agreement} has chapters; choose one by its number or words of its title")


def chapter_side(corpus: Corpus, ref: str, chapter: str | None = None) -> ChapterSide:
    """The articles ``ref`` names: one article (``tota-449:14.3``), an agreement's chapter (``tota-449`` with
    ``chapter`` "14" or "electronic commerce"), or a whole agreement that has no chapters."""
    from ..index.refs import split_ref

    if split_ref(ref)[1] is not None:
        one = corpus.provision(ref)
        agreement = corpus.agreement(one.agreement_id)
        return ChapterSide(citation(agreement, one), (one,), source_line(agreement))
    agreement = corpus.agreement(ref)
    provisions = articles(corpus.index.provisions(agreement.id))
    if chapter and any(p.chapter_number or p.chapter_title for p in provisions):
        chosen = chapter_provisions(provisions, chapter)
    elif len({(p.chapter_number, p.chapter_title) for p in provisions}) <= 1:
        chosen = provisions  # no chapters: the agreement is the chapter
    else:
        raise ChapterNeeded(ref, agreement.name)
    if not chosen:
        raise FtadraftError(f"{ref}: no articles found" + (f" in chapter {chapter}" if chapter else ""))
    name = agreement.name
    first = chosen[0]
    if chapter and (first.chapter_number or first.chapter_title):
        name += ", Chapter " + " ".join(filter(None, (first.chapter_number, first.chapter_title)))
    return ChapterSide(name, tuple(chosen), source_line(agreement))
