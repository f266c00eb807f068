"""Corpus research: which agreements cover which topics, how strongly, and how topics spread over time.

Every function asks the index (:class:`~ftadraft.index.store.Index`) a few questions and returns frozen
dataclasses of plain values; ``to_frame()`` gives the pandas view (the ``notebook`` extra) and
``Diffusion.plot()`` a matplotlib chart (the ``plot`` extra). Obligation strength of a topic in an agreement
is the strongest obligation among the agreement's provisions tagged with the topic: binding > mixed > soft >
present (tagged, but no obligation language) > absent.

Two counting rules (README, "Research"):

* **An agreement binds its parties on a topic** when its cell is ``binding`` or ``mixed`` (:data:`BINDS`): a
  ``mixed`` provision has at least one binding sentence beside recitals or best-efforts ones (TPP 14.13:
  a recognition paragraph, then a binding prohibition). "First binding" appearances and
  :meth:`Coverage.binds` use this; the cells keep the exact label.
* **Language versions of one agreement count once.** ToTA holds some agreements in two languages (TPP:
  tota-449 English, tota-450 Spanish). Agreements with the same name (case and spacing aside), the same
  signature date and the same parties are versions of one agreement (:func:`version_groups`); the research
  views count the group once, under its English version where there is one (otherwise the lowest id), and a
  topic found in any version counts for the group. Undated agreements and agreements without parties are
  never grouped.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..atomic import atomic_path
from ..errors import FtadraftError, ReferenceNotFound
from ..index.filters import AgreementFilter
from ..optional import pyplot, require_pandas
from ..suggest import close_matches
from ..tags.labels import LABELS

if TYPE_CHECKING:
    import pandas as pd

    from ..corpus import Corpus
    from ..index.store import TaggedProvision
    from ..model import Agreement

#: The levels of a coverage cell (agreement × topic), strongest first: the obligation labels (``none`` becomes
#: ``present``: tagged, but no obligation language), then ``absent`` (no provision tagged with the topic).
#: Not the ambition levels of clauses (``drafting.clauses.CLAUSE_LEVELS``).
_OBLIGATIONS = tuple(label for label in LABELS if label != "none")
CELL_LEVELS = (*_OBLIGATIONS, "present", "absent")
#: Cell levels at which an agreement binds its parties on a topic: a mixed provision has a binding sentence.
BINDS = ("binding", "mixed")
_RANK = {level: len(CELL_LEVELS) - 1 - i for i, level in enumerate(CELL_LEVELS)}
SOURCE_NOTE = "Source: ToTA via ftadraft; topics tagged automatically"


def _level(obligation: str | None) -> str:
    return obligation if obligation in _OBLIGATIONS else "present"


def _stronger(a: str, b: str) -> bool:
    return _RANK[a] > _RANK[b]


# -- shared rows ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class AgreementRow:
    """An agreement as research tables show it; ``versions`` are the ids of its other language versions,
    counted as this agreement (see :func:`version_groups`)."""

    id: str
    name: str
    year: int | None
    signed: str | None
    parties: tuple[str, ...]
    versions: tuple[str, ...] = ()


@dataclass(frozen=True)
class Cell:
    """One agreement × topic: the strongest obligation and the provisions tagged with the topic."""

    agreement_id: str
    topic: str
    level: str
    provision_ids: tuple[str, ...] = ()

    @property
    def binds(self) -> bool:
        """The agreement binds its parties on the topic: a binding or mixed provision (see :data:`BINDS`)."""
        return self.level in BINDS


def check_area(area: str) -> str:
    """``area`` when it is an area slug of the taxonomy (``clearance``, ``e-commerce``, ...); otherwise a
    :class:`~ftadraft.errors.ReferenceNotFound` with the close slugs (or, when none is close, all of them)."""
    from ..tags import topics as tx

    known = list(tx.areas())
    if area in known:
        return area
    close = close_matches(area, known)
    raise ReferenceNotFound(area, "unknown area" if close else f"unknown area; use one of {', '.join(known)}", close)


def _topic_ids(topics: Iterable[str] | None = None, area: str | None = None) -> list[str]:
    """Validated topic ids: the given ones (or all), restricted to ``area``."""
    from ..tags import topics as tx

    if area is not None:
        check_area(area)
    chosen = [tx.get(t).id for t in topics] if topics else [t.id for t in tx.taxonomy()]
    if area is not None:
        chosen = [t for t in chosen if tx.get(t).area == area]
        if not chosen:
            raise FtadraftError(f"none of the chosen topics is in area {area}")
    return list(dict.fromkeys(chosen))


def _row(a: Agreement, versions: Sequence[str] = ()) -> AgreementRow:
    return AgreementRow(a.id, a.name, a.year, a.signed.isoformat() if a.signed else None, tuple(a.parties),
                        tuple(versions))


def version_groups(agreements: Iterable[Agreement]) -> dict[str, str]:
    """Agreement id -> the id it counts as: language versions of one agreement (same name, case and spacing
    aside, same signature date, same parties) map to the English version, or the lowest id when none is
    English; every other agreement maps to itself."""
    groups: dict[tuple[str, str, frozenset[str]], list[Agreement]] = defaultdict(list)
    out: dict[str, str] = {}
    for a in agreements:
        out[a.id] = a.id
        if a.signed is not None and a.parties:
            groups[(" ".join(a.name.lower().split()), a.signed.isoformat(), frozenset(a.parties))].append(a)
    for members in groups.values():
        if len(members) > 1:
            head = min(members, key=lambda a: ((a.language or "en") != "en", _id_key(a.id)))
            for a in members:
                out[a.id] = head.id
    return out


def _id_key(agreement_id: str) -> tuple[str, int, str]:
    """Sort key for ids: "tota-9" before "tota-10"."""
    stem, _, tail = agreement_id.rpartition("-")
    return (stem, int(tail), "") if tail.isdigit() else (agreement_id, 0, "")


def _agreements(corpus: Corpus, since: int | None, until: int | None,
                parties: Sequence[str] | None) -> tuple[list[AgreementRow], dict[str, str]]:
    """The agreements signed in ``since``..``until`` (inclusive) by any of ``parties``, oldest first, each
    language version group once; and every selected id -> the id it counts as."""
    f = AgreementFilter(since=since, until=until, parties=tuple(parties or ()))
    found = corpus.index.agreements_matching(f)
    canon = version_groups(found)
    versions: dict[str, list[str]] = defaultdict(list)
    for aid, head in canon.items():
        if aid != head:
            versions[head].append(aid)
    return [_row(a, sorted(versions[a.id], key=_id_key)) for a in found if canon[a.id] == a.id], canon


def _tagged(corpus: Corpus, topics: Sequence[str], canon: Mapping[str, str]) -> list[TaggedProvision]:
    """The provisions of the agreements ``canon`` selects tagged with any of ``topics``, in document order."""
    return [t for t in corpus.index.tagged(topics) if t.agreement_id in canon]


def _cells(rows: Iterable[TaggedProvision], canon: Mapping[str, str] | None = None) -> dict[tuple[str, str], Cell]:
    """Cells from tagged provisions; with ``canon``, a language version's provisions count for the agreement
    it is a version of (its own provisions listed first)."""
    level: dict[tuple[str, str], str] = {}
    ids: dict[tuple[str, str], list[tuple[bool, str]]] = defaultdict(list)
    for row in rows:
        head = canon.get(row.agreement_id, row.agreement_id) if canon else row.agreement_id
        key = (head, row.topic)
        lv = _level(row.obligation)
        if key not in level or _stronger(lv, level[key]):
            level[key] = lv
        ids[key].append((row.agreement_id != head, row.provision_id))
    return {k: Cell(k[0], k[1], level[k], tuple(pid for _, pid in sorted(ids[k], key=lambda x: x[0])))
            for k in level}


def _range_note(since: int | None, until: int | None, parties: Sequence[str] | None) -> str:
    span = f"{since or '…'}–{until or '…'}"
    who = f" with party {', '.join(p.upper() for p in parties)}" if parties else ""
    return f"no agreements signed in {span}{who} in the index"


# -- coverage ------------------------------------------------------------------------------------------
#: Columns of :meth:`Coverage.to_rows` (one row per agreement × topic).
COVERAGE_COLUMNS = ("agreement_id", "agreement", "year", "topic", "obligation", "provisions")


def _csv_text(rows: Iterable[Mapping[str, Any]], columns: Sequence[str]) -> str:
    import csv
    import io

    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(columns), lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow({k: " ".join(v) if isinstance(v, list) else v for k, v in r.items()})
    return buf.getvalue()


@dataclass(frozen=True)
class Coverage:
    """Agreements × topics; ``cells`` holds the non-absent cells only (see :meth:`cell`)."""

    topics: tuple[str, ...]
    agreements: tuple[AgreementRow, ...]
    cells: tuple[Cell, ...]
    note: str | None = None

    def cell(self, agreement_id: str, topic: str) -> Cell:
        """The cell for one agreement and topic (``absent`` if no provision is tagged with it); a language
        version's id gives the cell of the agreement it is a version of."""
        head = self._heads.get(agreement_id, agreement_id)
        found = self._lookup.get((head, topic))
        return found if found is not None else Cell(head, topic, "absent")

    @cached_property
    def _lookup(self) -> dict[tuple[str, str], Cell]:
        return {(c.agreement_id, c.topic): c for c in self.cells}

    @cached_property
    def _heads(self) -> dict[str, str]:
        return {v: a.id for a in self.agreements for v in a.versions}

    def binds(self) -> dict[str, int]:
        """Topic -> number of agreements that bind their parties on it (a binding or mixed cell)."""
        return {t: sum(self.cell(a.id, t).binds for a in self.agreements) for t in self.topics}

    def to_rows(self) -> list[dict[str, Any]]:
        """Long form, one row per agreement × topic (absent ones included), for CSV and JSON."""
        out = []
        for a in self.agreements:
            for t in self.topics:
                c = self.cell(a.id, t)
                out.append({"agreement_id": a.id, "agreement": a.name, "year": a.year, "topic": t,
                            "obligation": c.level, "provisions": list(c.provision_ids)})
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"topics": list(self.topics), "agreements": [asdict(a) for a in self.agreements],
                "cells": self.to_rows(), "note": self.note}

    def counts(self) -> dict[str, dict[str, int]]:
        """Topic -> level -> number of agreements."""
        out = {t: dict.fromkeys(CELL_LEVELS, 0) for t in self.topics}
        for a in self.agreements:
            for t in self.topics:
                out[t][self.cell(a.id, t).level] += 1
        return out

    def to_frame(self) -> pd.DataFrame:
        """Wide DataFrame: one row per agreement (id, name, year), one column per topic with the level."""
        pd = require_pandas()
        rows = [{"id": a.id, "name": a.name, "year": a.year, **{t: self.cell(a.id, t).level for t in self.topics}}
                for a in self.agreements]
        return pd.DataFrame(rows, columns=["id", "name", "year", *self.topics])

    def csv_text(self) -> str:
        """The long form (:meth:`to_rows`) as CSV; a cell's provisions separated by spaces."""
        return _csv_text(self.to_rows(), COVERAGE_COLUMNS)

    def to_parquet(self, out: Path | str) -> Path:
        """The long form (:meth:`to_rows`; provisions as a list of strings) as Parquet (needs pyarrow: the
        notebook extra), written atomically."""
        from ..optional import require_pyarrow

        pa = require_pyarrow()
        pd = require_pandas()
        frame = pd.DataFrame(self.to_rows(), columns=list(COVERAGE_COLUMNS)).astype({"year": "Int64"})
        schema = pa.schema([("agreement_id", pa.string()), ("agreement", pa.string()), ("year", pa.int64()),
                            ("topic", pa.string()), ("obligation", pa.string()),
                            ("provisions", pa.list_(pa.string()))])
        with atomic_path(Path(out)) as tmp:
            frame.to_parquet(tmp, engine="pyarrow", index=False, schema=schema)
        return Path(out)


def coverage(
    corpus: Corpus,
    *,
    topics: Iterable[str] | None = None,
    area: str | None = None,
    since: int | None = None,
    until: int | None = None,
    parties: Sequence[str] | None = None,
) -> Coverage:
    """Which of the selected agreements cover which topics, and how strongly (years are signature years,
    inclusive; ``parties``: agreements any of these ISO3 codes signed)."""
    chosen = _topic_ids(topics, area)
    agreements, canon = _agreements(corpus, since, until, parties)
    if not agreements:
        return Coverage(tuple(chosen), (), (), _range_note(since, until, parties))
    cells = _cells(_tagged(corpus, chosen, canon), canon)
    return Coverage(tuple(chosen), tuple(agreements), tuple(cells.values()))


# -- diffusion -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class YearRow:
    """One signature year: agreements signed, how many contain the topic, by strongest obligation."""

    year: int
    agreements: int
    with_topic: int
    share: float
    binding: int
    mixed: int
    soft: int
    present: int


@dataclass(frozen=True)
class FirstAppearance:
    """The first agreement (by signature date) with the topic, and the article behind it."""

    kind: str  # "any" or "binding"
    agreement_id: str
    agreement: str
    year: int | None
    signed: str | None
    provision_id: str
    number: str | None
    title: str | None


@dataclass(frozen=True)
class Diffusion:
    """How a topic spread across agreements, per signature year."""

    topic: str
    topic_name: str
    years: tuple[YearRow, ...]
    first: FirstAppearance | None
    first_binding: FirstAppearance | None
    note: str | None = None

    def to_rows(self) -> list[dict[str, Any]]:
        return [asdict(y) for y in self.years]

    def csv_text(self) -> str:
        """The per-year table as CSV."""
        return _csv_text(self.to_rows(), list(YearRow.__dataclass_fields__))

    def to_dict(self) -> dict[str, Any]:
        return {"topic": self.topic, "topic_name": self.topic_name, "years": self.to_rows(),
                "first": asdict(self.first) if self.first else None,
                "first_binding": asdict(self.first_binding) if self.first_binding else None, "note": self.note}

    def to_frame(self) -> pd.DataFrame:
        """One row per signature year."""
        pd = require_pandas()
        return pd.DataFrame(self.to_rows(), columns=[f for f in YearRow.__dataclass_fields__])

    def plot(self, out_png: Path | str) -> Path:
        """Stacked bars of agreements by obligation per year, with the share on a second axis; written
        atomically to ``out_png``."""
        return _plot_diffusion(self, Path(out_png))


def diffusion(corpus: Corpus, topic: str, *, since: int | None = None, until: int | None = None) -> Diffusion:
    """Per signature year: agreements signed, and how many contain ``topic`` at which strength."""
    from ..tags import topics as tx

    t = tx.get(topic)
    rows, canon = _agreements(corpus, since, until, None)
    agreements = [a for a in rows if a.year is not None]
    if not agreements:
        return Diffusion(t.id, t.name, (), None, None, _range_note(since, until, None))
    cells = _cells(_tagged(corpus, [t.id], canon), canon)
    signed: dict[int, int] = defaultdict(int)
    levels: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(CELL_LEVELS, 0))
    for a in agreements:
        signed[a.year] += 1  # type: ignore[index]
        c = cells.get((a.id, t.id))
        levels[a.year][c.level if c else "absent"] += 1  # type: ignore[index]
    years = []
    for y in range(min(signed), max(signed) + 1):
        n, lv = signed.get(y, 0), levels[y]
        with_topic = n - lv["absent"]
        years.append(YearRow(y, n, with_topic, round(with_topic / n, 4) if n else 0.0,
                             lv["binding"], lv["mixed"], lv["soft"], lv["present"]))
    by_id = {a.id: a for a in agreements}
    first = first_binding = None
    for a in agreements:  # oldest first
        c = cells.get((a.id, t.id))
        if c is None:
            continue
        if first is None:
            first = _first(corpus, "any", by_id[a.id], c.provision_ids, None)
        if first_binding is None and c.binds:
            first_binding = _first(corpus, "binding", by_id[a.id], c.provision_ids, BINDS)
        if first and first_binding:
            break
    return Diffusion(t.id, t.name, tuple(years), first, first_binding)


def _first(corpus: Corpus, kind: str, a: AgreementRow, ids: Sequence[str],
           obligations: Sequence[str] | None) -> FirstAppearance:
    """The first of ``ids`` (document order, the agreement's own version first) whose obligation is one of
    ``obligations`` (None: any)."""
    for pid in ids:
        p = corpus.index.provision(pid)
        if p is not None and (obligations is None or p.obligation in obligations):
            return FirstAppearance(kind, a.id, a.name, a.year, a.signed, pid, p.number, p.title)
    raise AssertionError("no provision with the obligation")  # the cell level came from one of them


_COLOURS = {"binding": "#1b4f8a", "mixed": "#4f8fc9", "soft": "#a6c8e8", "present": "#d9d9d9"}


def _plot_diffusion(d: Diffusion, out: Path) -> Path:
    plt = pyplot()
    years = [y.year for y in d.years]
    fig, ax = plt.subplots(figsize=(12, 6.75), dpi=150)
    try:
        bottom = [0] * len(years)
        for level in CELL_LEVELS[:-1]:  # absent ones are not drawn
            values = [getattr(y, level) for y in d.years]
            label = "tagged, no obligation" if level == "present" else level
            ax.bar(years, values, bottom=bottom, color=_COLOURS[level], label=label, width=0.8, edgecolor="white",
                   linewidth=0.5)
            bottom = [b + v for b, v in zip(bottom, values, strict=True)]
        ax.set_xlabel("Year of signature", fontsize=14)
        ax.set_ylabel("Agreements containing the topic", fontsize=14)
        ax.tick_params(labelsize=12)
        ax.yaxis.get_major_locator().set_params(integer=True)
        ax.grid(axis="y", alpha=0.3)
        ax2 = ax.twinx()
        top = max(bottom, default=0)
        ax.set_ylim(0, max(top * 1.35, top + 2, 4))  # headroom for the legend
        ax2.plot(years, [100 * y.share if y.agreements else float("nan") for y in d.years], color="#d95f02",
                 linewidth=2.2, marker="o", markersize=4, label="share of agreements signed that year (%)")
        ax2.set_ylim(0, 135)  # the same headroom as the bars
        ax2.set_yticks(range(0, 101, 20))
        ax2.set_ylabel("Share of agreements signed (%)", fontsize=14, color="#d95f02")
        ax2.tick_params(labelsize=12, colors="#d95f02")
        if years:
            span = years[-1] - years[0]
            step = 1 if span <= 15 else 2 if span <= 30 else 5
            start = years[0] - years[0] % step
            ax.set_xticks(range(start, years[-1] + 1, step))
            ax.set_xlim(years[0] - 0.7, years[-1] + 0.7)
            ax.tick_params(axis="x", rotation=45 if step < 5 else 0)
            h1, l1 = ax.get_legend_handles_labels()
            h2, l2 = ax2.get_legend_handles_labels()
            ax.legend(h1 + h2, l1 + l2, loc="upper left", fontsize=12, frameon=True)
        else:  # an empty year range: say so instead of drawing meaningless axes
            ax.set_xticks([])
            ax.set_xlim(0, 1)
            ax.text(0.5, 0.5, d.note or "no agreements", transform=ax.transAxes, ha="center", fontsize=14)
        span_text = f", {years[0]}–{years[-1]}" if years else ""
        ax.set_title(f"{d.topic_name} in trade agreements{span_text}\n(strongest obligation per agreement; {d.topic})",
                     fontsize=16)
        fig.text(0.01, 0.01, SOURCE_NOTE, fontsize=11, color="#555555", ha="left", va="bottom")
        fig.tight_layout(rect=(0, 0.04, 1, 1))
        with atomic_path(out) as tmp:
            fig.savefig(tmp, format="png")
    finally:
        plt.close(fig)
    return out


# -- profiles ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class TopicLevel:
    """A topic in an agreement: strongest obligation and the provisions behind it."""

    topic: str
    area: str
    name: str
    level: str
    provision_ids: tuple[str, ...]


@dataclass(frozen=True)
class AgreementProfile:
    """What an agreement covers: topics with strongest obligation, and words per area."""

    agreement: AgreementRow
    topics: tuple[TopicLevel, ...]
    words_by_area: tuple[tuple[str, int], ...]  # (area, words of provisions tagged with a topic of the area)
    words_total: int

    def to_dict(self) -> dict[str, Any]:
        return {"agreement": asdict(self.agreement), "topics": [asdict(t) for t in self.topics],
                "words_by_area": dict(self.words_by_area), "words_total": self.words_total}

    def to_frame(self) -> pd.DataFrame:
        """One row per topic the agreement covers."""
        pd = require_pandas()
        return pd.DataFrame([{**asdict(t), "provisions": len(t.provision_ids)} for t in self.topics],
                            columns=["topic", "area", "name", "level", "provision_ids", "provisions"])


def agreement_profile(corpus: Corpus, ref: str) -> AgreementProfile:
    """Topics and words per area of the agreement ``ref`` (id or alias) itself; ``agreement.versions`` lists
    its other language versions (see :func:`version_groups`), whose provisions are not counted here."""
    from ..tags import topics as tx

    a = corpus.agreement(ref)
    tagged = corpus.index.tagged(agreement_id=a.id)
    cells = _cells(tagged)
    topics = tuple(
        TopicLevel(t.id, t.area, t.name, cells[(a.id, t.id)].level, cells[(a.id, t.id)].provision_ids)
        for t in tx.taxonomy() if (a.id, t.id) in cells
    )
    words = dict.fromkeys(tx.areas(), 0)
    counted: set[tuple[str, str]] = set()  # a provision counts once per area, however many of its topics
    for row in tagged:
        area = row.topic.partition("/")[0]
        if (row.provision_id, area) not in counted:
            counted.add((row.provision_id, area))
            words[area] = words.get(area, 0) + row.words
    canon = version_groups(corpus.index.agreements_matching(AgreementFilter(parties=tuple(a.parties))))
    versions = sorted((v for v, head in canon.items() if v != a.id and head == canon[a.id]), key=_id_key)
    return AgreementProfile(_row(a, versions), topics, tuple(words.items()), corpus.index.word_count(a.id))


@dataclass(frozen=True)
class PartyTopic:
    """A topic in a party's agreements: when it first appeared, and when the party first bound itself."""

    topic: str
    area: str
    name: str
    agreements: int
    first_year: int | None
    first_agreement_id: str
    first_binding_year: int | None
    first_binding_agreement_id: str | None
    first_binding_provision_id: str | None


@dataclass(frozen=True)
class PartyProfile:
    """A party's agreements over time, and per topic the first year it accepted binding language."""

    party: str
    agreements: tuple[AgreementRow, ...]
    per_year: tuple[tuple[int, int], ...]  # (year, agreements signed)
    topics: tuple[PartyTopic, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"party": self.party, "agreements": [asdict(a) for a in self.agreements],
                "per_year": dict(self.per_year), "topics": [asdict(t) for t in self.topics]}

    def to_frame(self) -> pd.DataFrame:
        """One row per topic found in the party's agreements."""
        pd = require_pandas()
        return pd.DataFrame([asdict(t) for t in self.topics], columns=list(PartyTopic.__dataclass_fields__))

    def agreements_frame(self) -> pd.DataFrame:
        """One row per agreement of the party, oldest first."""
        pd = require_pandas()
        return pd.DataFrame([{**asdict(a), "parties": ",".join(a.parties)} for a in self.agreements],
                            columns=list(AgreementRow.__dataclass_fields__))


def party_profile(corpus: Corpus, iso3: str) -> PartyProfile:
    """The agreements ``iso3`` signed, and per topic its first appearance and first binding use."""
    from ..tags import topics as tx

    (code,) = corpus.index.check_parties([iso3])
    agreements, canon = _agreements(corpus, None, None, [code])
    per_year: dict[int, int] = defaultdict(int)
    for a in agreements:
        if a.year is not None:
            per_year[a.year] += 1
    all_ids = [t.id for t in tx.taxonomy()]
    cells = _cells(_tagged(corpus, all_ids, canon), canon)
    out = []
    for t in tx.taxonomy():
        having = [(a, cells[(a.id, t.id)]) for a in agreements if (a.id, t.id) in cells]
        if not having:
            continue
        first_a = having[0][0]
        binding = next(((a, c) for a, c in having if c.binds), None)
        fb = _first(corpus, "binding", binding[0], binding[1].provision_ids, BINDS) if binding else None
        out.append(PartyTopic(t.id, t.area, t.name, len(having), first_a.year, first_a.id, fb.year if fb else None,
                              fb.agreement_id if fb else None, fb.provision_id if fb else None))
    return PartyProfile(code, tuple(agreements), tuple(sorted(per_year.items())), tuple(out))
