"""Copy-and-paste across the corpus: for every agreement, its best single earlier source and how much of it
is copied from earlier texts at all (the table of Allee & Elsig 2019), whole agreements or chapter by chapter.

One row per agreement (per agreement's selected chapters with ``chapter``): its words, the share copied
near-verbatim from any earlier text, and every earlier agreement's share (the same measure as
:func:`~.reuse.reuse`, whose ``best_source`` and ``copied_share`` each row equals). On top of the rows:
counts at a share (:meth:`ReuseTable.count`), *template families* (chains of agreements each taking most
of its text from the one before, named after their root: :meth:`ReuseTable.templates`), *template flows*
between signing parties and blocs (:meth:`ReuseTable.flows`), and a chart of both (:meth:`ReuseTable.plot`).

The containment of every article in every earlier agreement is computed once per index state and
threshold (about a minute for ToTA; :mod:`.containment`) and kept in the user cache folder, so later
tables, filters and chapter types take seconds.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from .. import fingerprint
from ..errors import FtadraftError
from ..index import derived
from ..index.filters import AgreementFilter
from ..model import Agreement
from .chapters import ChapterSelection, chapter_selection
from .containment import Scanner
from .parties import shared_party, signatories, signers
from .precedents import MAX_QUERY_CHARS, PrecedentIndex, precedent_index
from .reuse import NEAR_VERBATIM, SourceShare, check_threshold, rank_sources

if TYPE_CHECKING:
    import pandas as pd

    from ..corpus import Corpus

#: Shares the literature reports: agreements taking at least this much from a single earlier treaty.
LEVELS = (0.8, 0.95)
#: Sources kept per row (the best first); ``n_sources`` counts them all.
TOP_SOURCES = 5

COLUMNS = ["agreement_id", "name", "year", "signed", "parties", "language", "chapters", "articles", "words",
           "copied_share", "best_source_id", "best_source_name", "best_source_year", "best_share",
           "best_source_articles", "n_sources"]


@dataclass(frozen=True)
class AgreementReuse:
    """One agreement (or its selected chapters): how much of it earlier agreements hold near-verbatim."""

    agreement: Agreement
    articles: int
    words: int
    #: Words of articles some earlier text holds near-verbatim (as much of each as the closest holds).
    copied_words: int
    #: The earlier agreements holding the most of it, largest first (at most :data:`TOP_SOURCES`).
    sources: tuple[SourceShare, ...]
    #: How many earlier agreements hold some of it near-verbatim.
    n_sources: int
    #: Titles of the chapters measured, when the table is chapter by chapter.
    chapters: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not 0 <= self.copied_words <= self.words:
            raise ValueError(f"{self.agreement.id}: {self.copied_words} copied of {self.words} words")
        if self.sources and self.sources[0].words > self.copied_words:
            raise ValueError(f"{self.agreement.id}: a single source holds more than all earlier texts")

    @property
    def best_source(self) -> SourceShare | None:
        return self.sources[0] if self.sources else None

    @property
    def best_share(self) -> float:
        return self.sources[0].share if self.sources else 0.0

    @property
    def copied_share(self) -> float:
        return self.copied_words / self.words if self.words else 0.0

    def row(self) -> dict[str, Any]:
        """The row as plain values (the CSV, Parquet and DataFrame columns: :data:`COLUMNS`); ``parties`` are
        the signatories (:func:`.parties.signatories`)."""
        a, b = self.agreement, self.best_source
        return {
            "agreement_id": a.id, "name": a.name, "year": a.year, "signed": a.signed.isoformat() if a.signed else None,
            "parties": " ".join(signatories(a)), "language": a.language, "chapters": "; ".join(self.chapters),
            "articles": self.articles, "words": self.words, "copied_share": round(self.copied_share, 4),
            "best_source_id": b.agreement.id if b else None, "best_source_name": b.agreement.name if b else None,
            "best_source_year": b.agreement.year if b else None, "best_share": round(self.best_share, 4),
            "best_source_articles": b.articles if b else 0, "n_sources": self.n_sources,
        }

    def to_dict(self) -> dict[str, Any]:
        return {**self.row(), "parties": list(signatories(self.agreement)), "chapters": list(self.chapters),
                "sources": [s.to_dict() for s in self.sources]}


@dataclass(frozen=True)
class TemplateFamily:
    """Agreements each taking most of their text from the one before, back to a root: the template."""

    root: Agreement
    members: tuple[AgreementReuse, ...]  # oldest first; the root is not one of them
    party: str | None  # the party or bloc that signed at least half of the root and members

    @property
    def name(self) -> str:
        style = f"{self.party} template, " if self.party else ""
        return f"{style}from {self.root.name} ({self.root.year or 'n.d.'})"

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "party": self.party, "root": self.root.brief(),
                "members": [{"agreement": m.agreement.brief(), "source": m.best_source.agreement.id
                             if m.best_source else None, "share": round(m.best_share, 4)} for m in self.members]}


@dataclass(frozen=True)
class TemplateFlows:
    """Who copies from whom: agreements taking at least ``min_share`` from their best single source, by signer of
    the copying agreement (rows) and signer of the source (columns), blocs as one signer (:func:`.parties.signers`).
    Each agreement counts once, split evenly over its (copying signer, source signer) pairs: a bilateral copy of a
    bilateral agreement puts a quarter in four cells, and plurilateral agreements do not outweigh the rest."""

    min_share: float
    actors: tuple[str, ...]  # the signers with most flows; the rest are counted as "other"
    counts: npt.NDArray[np.float64]  # (copying signer, source signer), in agreements
    #: The most copied sources, with how many agreements take at least ``min_share`` from each.
    templates: tuple[tuple[Agreement, int], ...]

    def __post_init__(self) -> None:
        if self.counts.shape != (len(self.actors), len(self.actors)):
            raise ValueError(f"flows: {self.counts.shape} counts for {len(self.actors)} signers")

    def to_frame(self) -> pd.DataFrame:
        from ..optional import require_pandas

        pd = require_pandas()
        return pd.DataFrame(self.counts, index=list(self.actors), columns=list(self.actors))

    def to_dict(self) -> dict[str, Any]:
        return {"min_share": self.min_share, "actors": list(self.actors), "counts": self.counts.tolist(),
                "templates": [{"agreement": a.brief(), "signers": list(signers(a)), "copies": n}
                              for a, n in self.templates]}

    def dominant(self) -> dict[str, tuple[Agreement, int]]:
        """For each source signer, its most copied template and how many agreements take from it."""
        out: dict[str, tuple[Agreement, int]] = {}
        for a, n in self.templates:  # most copied first
            for s in signers(a):
                out.setdefault(s, (a, n))
        return out


@dataclass(frozen=True)
class ReuseTable:
    """One :class:`AgreementReuse` per agreement, oldest first."""

    rows: tuple[AgreementReuse, ...]
    threshold: float = NEAR_VERBATIM
    #: The chapters measured (a chapter type's key or a chapter's number or title text); None: whole agreements.
    chapter: str | None = None
    #: Agreements the filters admit but without a signature date: nothing earlier can be told apart.
    undated: tuple[Agreement, ...] = ()

    def __post_init__(self) -> None:
        check_threshold(self.threshold)

    def count(self, min_share: float) -> int:
        """Agreements taking at least ``min_share`` of their words from a single earlier treaty."""
        return sum(1 for r in self.rows if r.best_share >= min_share)

    def count_copied(self, min_share: float) -> int:
        """Agreements with at least ``min_share`` of their words copied from earlier texts (any of them)."""
        return sum(1 for r in self.rows if r.copied_share >= min_share)

    def counts(self, levels: Sequence[float] = LEVELS) -> dict[str, dict[str, int]]:
        return {f"{lv:g}": {"best_source": self.count(lv), "any_earlier": self.count_copied(lv)} for lv in levels}

    def to_rows(self) -> list[dict[str, Any]]:
        return [r.row() for r in self.rows]

    def to_dict(self) -> dict[str, Any]:
        return {"threshold": self.threshold, "chapter": self.chapter, "agreements": len(self.rows),
                "counts": self.counts(), "undated": [a.id for a in self.undated],
                "templates": [f.to_dict() for f in self.templates()], "rows": [r.to_dict() for r in self.rows]}

    def to_frame(self) -> pd.DataFrame:
        """One row per agreement (:data:`COLUMNS`)."""
        from ..optional import require_pandas

        pd = require_pandas()
        return pd.DataFrame(self.to_rows(), columns=COLUMNS).astype({"year": "Int64", "best_source_year": "Int64"})

    def csv_text(self) -> str:
        import csv
        import io

        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
        w.writeheader()
        w.writerows(self.to_rows())
        return buf.getvalue()

    def to_csv(self, out: Path | str) -> Path:
        from ..atomic import write_text

        write_text(Path(out), self.csv_text())
        return Path(out)

    def to_parquet(self, out: Path | str) -> Path:
        """The table as Parquet (needs pyarrow), written atomically."""
        from ..atomic import atomic_path
        from ..optional import require_pyarrow

        require_pyarrow()
        frame = self.to_frame()
        with atomic_path(Path(out)) as tmp:
            frame.to_parquet(tmp, engine="pyarrow", index=False)
        return Path(out)

    def templates(self, min_share: float = NEAR_VERBATIM) -> tuple[TemplateFamily, ...]:
        """Chains of agreements taking at least ``min_share`` from their best single source, grouped by the
        chain's root (the earliest text: the template), largest family first."""
        by_id = {r.agreement.id: r for r in self.rows}

        def parent(r: AgreementReuse) -> Agreement | None:
            return r.best_source.agreement if r.best_source and r.best_share >= min_share else None

        groups: dict[str, list[AgreementReuse]] = defaultdict(list)
        roots: dict[str, Agreement] = {}
        for r in self.rows:
            a = parent(r)
            if a is None:
                continue
            while a.id in by_id and (up := parent(by_id[a.id])) is not None:
                a = up  # sources are strictly earlier: the chain ends
            groups[a.id].append(r)
            roots[a.id] = a
        out = [TemplateFamily(roots[k], tuple(sorted(m, key=_when)),
                              shared_party([roots[k], *(x.agreement for x in m)])) for k, m in groups.items()]
        return tuple(sorted(out, key=lambda f: (-len(f.members), f.root.signed or date.max, f.root.id)))

    def flows(self, min_share: float = NEAR_VERBATIM, top: int = 20) -> TemplateFlows:
        """Who copies from whom (see :class:`TemplateFlows`), the ``top`` signers with most flows by name."""
        pairs: dict[tuple[str, str], float] = defaultdict(float)
        copied: Counter[str] = Counter()
        sources: dict[str, Agreement] = {}
        for r in self.rows:
            b = r.best_source
            if b is None or r.best_share < min_share:
                continue
            copied[b.agreement.id] += 1
            sources[b.agreement.id] = b.agreement
            xs, ys = signers(r.agreement) or ("?",), signers(b.agreement) or ("?",)
            for x in xs:
                for y in ys:
                    pairs[x, y] += 1 / (len(xs) * len(ys))
        weight: dict[str, float] = defaultdict(float)
        for (x, y), n in pairs.items():
            weight[x] += n
            weight[y] += n
        actors = [a for a, _ in sorted(weight.items(), key=lambda kv: (-kv[1], kv[0]))[:top]]
        if len(weight) > top:
            actors.append("other")
        slot = {a: i for i, a in enumerate(actors)}
        counts = np.zeros((len(actors), len(actors)), dtype=np.float64)
        for (x, y), n in pairs.items():
            counts[slot.get(x, len(actors) - 1), slot.get(y, len(actors) - 1)] += n
        ranked = sorted(copied.items(), key=lambda kv: (-kv[1], _when_agreement(sources[kv[0]]), kv[0]))
        return TemplateFlows(min_share, tuple(actors), counts, tuple((sources[k], n) for k, n in ranked[:12]))

    def plot(self, out_png: Path | str, *, min_share: float = NEAR_VERBATIM) -> Path:
        """Two panels, written atomically: each agreement's best-source share by signature year (with the
        yearly medians of that and of the share copied from any earlier text), and the template flows between
        signers as a heat map with the most copied templates named."""
        return _plot(self, Path(out_png), min_share)


def _when(r: AgreementReuse) -> tuple[date, str]:
    return r.agreement.signed or date.max, r.agreement.id


def _when_agreement(a: Agreement) -> date:
    return a.signed or date.max


def reuse_table(corpus: Corpus, *, since: int | None = None, until: int | None = None, parties: Sequence[str] = (),
                chapter: str | None = None, threshold: float = NEAR_VERBATIM,
                progress: Callable[[int, int], None] | None = None) -> ReuseTable:
    """The corpus-wide table: for each agreement signed in the years asked for (and by one of ``parties``), its
    best single earlier source and the share copied from any earlier text -- of its whole text, or of the
    chapters ``chapter`` selects (a chapter type's key such as ``ip``, ``customs``, ``e-commerce``, or a chapter
    number or title text; see :mod:`.chapters`). Sources are all agreements signed strictly earlier, whatever
    the filters. ``progress(done, total)`` hears of articles measured when they are not cached yet."""
    check_threshold(threshold)
    selection = chapter_selection(chapter) if chapter is not None else None
    admitted = corpus.index.agreements_matching(AgreementFilter(since=since, until=until, parties=tuple(parties)))
    pidx = precedent_index(corpus)
    outline = corpus.index.provision_outline()
    if len(outline.rowids) != len(pidx) or not np.array_equal(np.asarray(outline.rowids), pidx.rowids):
        raise FtadraftError("the index changed while the table was being made; run it again")
    position = {a.id: i for i, a in enumerate(pidx.agreements)}
    dated = [a for a in admitted if a.signed is not None]
    measurable = np.asarray(outline.chars, dtype=np.int64) <= MAX_QUERY_CHARS
    selected = measurable & _chapter_mask(outline.chapter_numbers, outline.chapter_titles, selection)
    # which row each provision counts for (-1: none)
    row_of_agreement = np.full(len(pidx.agreements), -1, dtype=np.int64)
    for r, a in enumerate(dated):
        row_of_agreement[position[a.id]] = r
    row_of_doc = np.where(selected, row_of_agreement[pidx.agreement_of], -1) if len(pidx) else np.zeros(0, np.int64)
    full = selection is None and len(dated) == sum(1 for a in pidx.agreements if a.signed)
    query, source, sim = _edges(corpus, pidx, threshold, row_of_doc >= 0, full, progress)
    keep = row_of_doc[query] >= 0
    query, source, sim = query[keep], source[keep], sim[keep]
    lengths = pidx.lengths.astype(np.int64)
    held = np.rint(sim * lengths[query]).astype(np.int64)  # words of the article the source holds
    n_rows, n_agreements = len(dated), len(pidx.agreements)
    best_held = np.zeros(len(pidx), dtype=np.int64)
    np.maximum.at(best_held, query, held)
    docs = np.flatnonzero(row_of_doc >= 0)
    words = np.bincount(row_of_doc[docs], weights=lengths[docs], minlength=n_rows).astype(np.int64)
    articles = np.bincount(row_of_doc[docs], minlength=n_rows)
    copied = np.bincount(row_of_doc[docs], weights=best_held[docs], minlength=n_rows).astype(np.int64)
    key = row_of_doc[query] * n_agreements + pidx.agreement_of[source]
    by_source = np.bincount(key, weights=held, minlength=n_rows * n_agreements).reshape(n_rows, n_agreements)
    n_by_source = np.bincount(key, minlength=n_rows * n_agreements).reshape(n_rows, n_agreements)
    chapters = _chapter_titles(outline.chapter_titles, docs, row_of_doc) if selection is not None else {}
    rows = []
    for r, a in enumerate(dated):
        if articles[r] == 0:
            continue  # no chapter of the kind asked for
        total = int(words[r])
        shares = [SourceShare(pidx.agreements[g], int(n_by_source[r, g]), int(by_source[r, g]),
                              by_source[r, g] / total if total else 0.0)
                  for g in np.flatnonzero(n_by_source[r]).tolist()]
        ranked = rank_sources(shares)
        rows.append(AgreementReuse(a, int(articles[r]), total, int(copied[r]), tuple(ranked[:TOP_SOURCES]), len(ranked),
                                   chapters.get(r, ())))
    return ReuseTable(tuple(rows), threshold, selection.label if selection else None,
                      tuple(a for a in admitted if a.signed is None))


def _chapter_mask(numbers: Sequence[str | None], titles: Sequence[str | None],
                  selection: ChapterSelection | None) -> npt.NDArray[np.bool_]:
    if selection is None:
        return np.ones(len(titles), dtype=bool)
    seen: dict[tuple[str | None, str | None], bool] = {}
    out = np.zeros(len(titles), dtype=bool)
    for i, key in enumerate(zip(numbers, titles, strict=True)):
        if key not in seen:
            seen[key] = selection.matches(*key)
        out[i] = seen[key]
    return out


def _chapter_titles(titles: Sequence[str | None], docs: npt.NDArray[np.int64],
                    row_of_doc: npt.NDArray[np.int64]) -> dict[int, tuple[str, ...]]:
    out: dict[int, dict[str, None]] = defaultdict(dict)
    for d in docs.tolist():
        out[int(row_of_doc[d])].setdefault(titles[d] or "", None)
    return {r: tuple(t) for r, t in out.items()}


# Bump when the cached arrays change meaning.
_LAYOUT = "v1"


def _edges(corpus: Corpus, pidx: PrecedentIndex, threshold: float, wanted: npt.NDArray[np.bool_], full: bool,
           progress: Callable[[int, int], None] | None) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64],
                                                                 npt.NDArray[np.float64]]:
    """(article, source provision, similarity): for each ``wanted`` article, the provision of each earlier
    agreement holding the most of it, when it holds at least ``threshold``. From the cache when there is one
    for this index state, threshold and set of signature dates; a ``full`` computation (every article of
    every dated agreement) is cached."""
    dates = hashlib.sha256(repr([(a.id, a.signed) for a in pidx.agreements]).encode()).hexdigest()[:12]
    cached = derived.cache_file(corpus, "reuse", f"{_LAYOUT}-t{threshold:.4f}-k{fingerprint.SHINGLE}-{dates}")
    arrays = derived.read(cached, ("query", "source", "similarity"))
    if arrays is not None:
        return (arrays["query"].astype(np.int64), arrays["source"].astype(np.int64),
                arrays["similarity"].astype(np.float64))
    scanner = Scanner(pidx)
    queries: list[npt.NDArray[np.int64]] = []
    sources: list[npt.NDArray[np.int64]] = []
    sims: list[npt.NDArray[np.float64]] = []
    dated = np.array([a.signed is not None for a in pidx.agreements], dtype=bool)
    todo = np.flatnonzero(wanted & (pidx.lengths >= fingerprint.SHINGLE) & dated[pidx.agreement_of])
    # An article copied word for word into several agreements is measured once, against everything signed
    # before the latest of them; each copy keeps the agreements signed before its own.
    same: dict[bytes, list[int]] = defaultdict(list)
    for d in todo.tolist():
        same[pidx.sequence(d).tobytes()].append(d)
    rank = scanner.doc_rank
    done = 0
    for copies in same.values():
        latest = max(copies, key=lambda d: int(rank[d]))
        signed = pidx.agreements[pidx.agreement_of[latest]].signed
        assert signed is not None  # only dated agreements are measured
        found = scanner.contained([latest], signed, threshold, per_agreement=True)
        found_rank = rank[found.doc]
        for d in copies:
            earlier = found_rank < rank[d]
            queries.append(np.full(int(earlier.sum()), d, dtype=np.int64))
            sources.append(found.doc[earlier].astype(np.int64))
            sims.append(found.similarity[earlier])
        done += len(copies)
        if progress is not None and (done == len(todo) or len(same) < 100 or done % 500 < len(copies)):
            progress(done, len(todo))
    query = np.concatenate(queries) if queries else np.zeros(0, np.int64)
    source = np.concatenate(sources) if sources else np.zeros(0, np.int64)
    sim = np.concatenate(sims) if sims else np.zeros(0, np.float64)
    if full:
        derived.write(cached, {"query": query.astype(np.int32), "source": source.astype(np.int32), "similarity": sim})
    return query, source, sim


def _plot(table: ReuseTable, out: Path, min_share: float) -> Path:
    from ..atomic import atomic_path
    from ..optional import pyplot

    plt = pyplot()
    flows = table.flows(min_share)
    fig, (ax, hx) = plt.subplots(1, 2, figsize=(19, 8.5), gridspec_kw={"width_ratios": [1.0, 1.15]})
    try:
        _plot_shares(ax, table)
        _plot_flows(fig, hx, flows)
        fig.tight_layout()
        with atomic_path(out) as tmp, tmp.open("wb") as fh:
            fig.savefig(fh, format="png", dpi=100)
    finally:
        plt.close(fig)
    return out


def _plot_shares(ax: Any, table: ReuseTable) -> None:
    rows = [r for r in table.rows if r.agreement.year is not None]
    what = f"chapters: {table.chapter}" if table.chapter else "whole agreements"
    if not rows:
        ax.text(0.5, 0.5, "no dated agreement", ha="center", va="center", transform=ax.transAxes)
        return
    years = np.array([r.agreement.year for r in rows], dtype=float)
    best = np.array([r.best_share for r in rows])
    anyy = np.array([r.copied_share for r in rows])
    jitter = (np.arange(len(rows)) % 7 - 3) * 0.08  # deterministic, to separate same-year points
    colours = np.where(best >= 0.95, "#b2182b", np.where(best >= 0.8, "#ef8a62", "#9e9e9e"))
    ax.scatter(years + jitter, best, s=14, c=colours, alpha=0.8, linewidths=0)
    span = np.arange(int(years.min()), int(years.max()) + 1)
    for values, label, style in ((best, "best single source (median, 5 years around)", "-"),
                                 (anyy, "any earlier text (median, 5 years around)", "--")):
        med = [float(np.median(values[np.abs(years - y) <= 2])) if (np.abs(years - y) <= 2).any() else np.nan
               for y in span]
        ax.plot(span, med, style, color="#2166ac", linewidth=1.4, label=label)
    for level in LEVELS:
        ax.axhline(level, color="#555555", linewidth=0.6, linestyle=":")
        ax.text(span[0], level + 0.01, f"{level:.0%}: {table.count(level)} agreements", fontsize=8, color="#333333")
    ax.set_ylim(-0.02, 1.05)
    ax.set_xlabel("year signed")
    ax.set_ylabel("share of the words held near-verbatim by one earlier agreement")
    ax.set_title(f"Best single earlier source, {len(rows)} agreements ({what}; "
                 f"article threshold {table.threshold:.0%})", fontsize=10)
    ax.legend(loc="upper left", fontsize=8)


def _plot_flows(fig: Any, ax: Any, flows: TemplateFlows) -> None:
    n = len(flows.actors)
    if n == 0:
        ax.text(0.5, 0.5, f"no agreement takes {flows.min_share:.0%} from a single source", ha="center",
                va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return
    m = n - 1 if flows.actors[-1] == "other" else n
    named = flows.counts[:m, :m]
    top = float(named.max()) if named.size and named.max() > 0 else float(flows.counts.max() or 1)
    im = ax.imshow(flows.counts, cmap="Reds", interpolation="nearest", vmin=0, vmax=top)  # "other" may saturate
    ax.set_xticks(range(n))
    ax.set_yticks(range(n))
    ax.set_xticklabels(flows.actors, rotation=90, fontsize=8)
    ax.set_yticklabels(flows.actors, fontsize=8)
    for i in range(n):
        for j in range(n):
            v = flows.counts[i, j]
            if v >= 0.05:
                ax.text(j, i, f"{v:.1f}".removesuffix(".0"), ha="center", va="center", fontsize=6,
                        color="white" if v > top / 2 else "black")
    ax.set_xlabel("signer of the source (best single earlier agreement)")
    ax.set_ylabel("signer of the copying agreement")
    ax.set_title(f"Who copies from whom: agreements taking >= {flows.min_share:.0%} from one earlier treaty",
                 fontsize=10)
    fig.colorbar(im, ax=ax, fraction=0.04, label="agreements (each split over its signer pairs)")
    names = "\n".join(f"{k:>3}x  {a.name[:46]} ({a.year or 'n.d.'})" for a, k in flows.templates[:10])
    ax.text(1.22, 1.0, "Most copied templates\n" + names, transform=ax.transAxes, fontsize=7.5, va="top",
            family="monospace")
