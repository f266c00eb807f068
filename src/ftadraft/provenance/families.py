"""Template families: chapters (or an agreement's articles on one topic) that share their wording.

Each unit — one agreement's chapter, or its articles on a topic — becomes the set of canonical word
5-grams of its text (:mod:`ftadraft.fingerprint`; the 5-gram Jaccard of treaty text-as-data research,
blind to party names and numbering). Units are clustered by average-linkage hierarchical clustering
of 1 − Jaccard, cut where a family's members share on average at least ``min_similarity`` of their
5-grams. A family is named after the party most of its members share (e.g. "USA") and its earliest
member, the likely template.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from .. import fingerprint
from ..errors import InputError
from ..index.filters import AgreementFilter
from ..model import Agreement
from .parties import shared_party

if TYPE_CHECKING:
    import pandas as pd

    from ..corpus import Corpus

#: Words per shingle for family similarity (the research standard).
FAMILY_SHINGLE = 5
#: Average 5-gram Jaccard within a family; the clustering is cut at 1 minus this distance.
MIN_SIMILARITY = 0.1


@dataclass(frozen=True)
class Unit:
    """One clustered text: an agreement's chapter, or its articles on a topic."""

    agreement: Agreement
    label: str  # chapter number and title, or the topic
    provision_ids: tuple[str, ...]
    words: int
    family: int  # 1-based family number; families are numbered by size, largest first


@dataclass(frozen=True)
class Family:
    number: int
    members: tuple[Unit, ...]  # oldest first
    party: str | None  # the party shared by most members, if at least two thirds share it
    cohesion: float  # mean pairwise 5-gram Jaccard inside the family (1.0 for a single member)

    @property
    def name(self) -> str:
        first = self.members[0].agreement
        style = f"{self.party} template, " if self.party else ""
        return f"{style}from {first.name} ({first.year or 'n.d.'})"


@dataclass(frozen=True)
class Families:
    units: tuple[Unit, ...]  # in dendrogram order: families are contiguous
    similarity: npt.NDArray[np.float64]  # pairwise 5-gram Jaccard, rows/columns in ``units`` order
    families: tuple[Family, ...]
    min_similarity: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "min_similarity": self.min_similarity,
            "families": [{"family": f.number, "name": f.name, "party": f.party, "cohesion": round(f.cohesion, 4),
                          "members": [_unit_dict(u) for u in f.members]} for f in self.families],
        }

    def rows(self) -> list[dict[str, Any]]:
        """One row per unit: family, agreement, year, label, words, and its closest other unit."""
        out = []
        for i, u in enumerate(self.units):
            sims = self.similarity[i].copy()
            sims[i] = -1
            j = int(np.argmax(sims)) if len(sims) > 1 else i
            out.append({"family": u.family, "agreement_id": u.agreement.id, "agreement": u.agreement.name,
                        "year": u.agreement.year, "parties": " ".join(u.agreement.parties), "unit": u.label,
                        "articles": len(u.provision_ids), "words": u.words,
                        "closest": self.units[j].agreement.id if j != i else "",
                        "closest_similarity": round(float(sims[j]), 4) if j != i else 0.0})
        return out

    def to_frame(self) -> pd.DataFrame:
        from ..optional import require_pandas

        return require_pandas().DataFrame(self.rows())

    def csv_text(self) -> str:
        """The per-unit table as CSV text."""
        import csv
        import io

        rows = self.rows()
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=list(rows[0]) if rows else ["family"])
        w.writeheader()
        w.writerows(rows)
        return buf.getvalue()

    def to_csv(self, out: Path | str) -> Path:
        """The per-unit table as CSV, written atomically."""
        from ..atomic import write_text

        write_text(Path(out), self.csv_text())
        return Path(out)

    def plot(self, out_png: Path | str) -> Path:
        """Heatmap of pairwise similarity ordered by family, family blocks outlined; written atomically."""
        from ..atomic import atomic_path
        from ..optional import pyplot

        plt = pyplot()
        n = len(self.units)
        size = min(40, max(8, 0.22 * n + 4))
        fig, ax = plt.subplots(figsize=(size, size * 0.9))
        try:
            im = ax.imshow(self.similarity, cmap="viridis", vmin=0, vmax=1, interpolation="nearest")
            labels = [f"{u.family}: {u.agreement.name[:38]} ({u.agreement.year or 'n.d.'})" for u in self.units]
            ax.set_xticks(range(n))
            ax.set_yticks(range(n))
            ax.set_xticklabels(labels, rotation=90, fontsize=7)
            ax.set_yticklabels(labels, fontsize=7)
            start = 0
            for k in range(1, n + 1):
                if k == n or self.units[k].family != self.units[start].family:
                    ax.add_patch(plt.Rectangle((start - 0.5, start - 0.5), k - start, k - start, fill=False,
                                               edgecolor="white", linewidth=1.5))
                    start = k
            fig.colorbar(im, ax=ax, fraction=0.03, label="word 5-gram Jaccard")
            ax.set_title(f"Template families ({len(self.families)} families of {n} texts)")
            fig.tight_layout()
            out = Path(out_png)
            with atomic_path(out) as tmp, tmp.open("wb") as fh:
                fig.savefig(fh, format="png", dpi=110)
        finally:
            plt.close(fig)
        return out


def _unit_dict(u: Unit) -> dict[str, Any]:
    return {"agreement": u.agreement.brief(), "unit": u.label, "articles": len(u.provision_ids), "words": u.words}


def families(corpus: Corpus, *, chapter: str | None = None, topic: str | None = None,
             min_similarity: float = MIN_SIMILARITY, since: int | None = None, until: int | None = None) -> Families:
    """Cluster the chapters whose number or title contains ``chapter`` (or each agreement's articles
    tagged ``topic``) into template families."""
    if chapter is None and topic is None:
        raise InputError("families", 'say which chapters to cluster: --chapter "Electronic Commerce" (title text) '
                                     "or --topic SLUG")
    if chapter is not None and topic is not None:
        raise InputError("families", "give a chapter (title text) or a topic, not both")
    units = _units(corpus, chapter, topic, since, until)
    if len(units) < 2:
        what = f'chapter "{chapter}"' if chapter else f"topic {topic}"
        raise InputError("families", f"{len(units)} text(s) found for {what}; need at least two to compare")
    shingle_sets = [fingerprint.shingles(seq, FAMILY_SHINGLE) for _, _, _, seq in units]
    sim = _jaccard_matrix(shingle_sets)
    labels, order = _cluster(sim, min_similarity)
    # number families by size (largest first), then by their earliest member
    members: dict[int, list[int]] = {}
    for i, lab in enumerate(labels):
        members.setdefault(int(lab), []).append(i)

    def first_year(idx: list[int]) -> tuple[date, str]:
        return min((units[i][0].signed or date.max, units[i][0].id) for i in idx)

    ranked = sorted(members.values(), key=lambda idx: (-len(idx), first_year(idx)))
    number = {i: n for n, idx in enumerate(ranked, 1) for i in idx}
    built = [Unit(a, label, ids, len(seq), number[i]) for i, (a, label, ids, seq) in enumerate(units)]
    out_families = []
    for n, idx in enumerate(ranked, 1):
        idx_sorted = sorted(idx, key=lambda i: (units[i][0].signed or date.max, units[i][0].id))
        party = shared_party([units[i][0] for i in idx])
        pairs = [sim[i, j] for k, i in enumerate(idx) for j in idx[k + 1 :]]
        out_families.append(Family(n, tuple(built[i] for i in idx_sorted), party,
                                   float(np.mean(pairs)) if pairs else 1.0))
    # dendrogram leaf order, families kept contiguous and in family order
    position = {i: p for p, i in enumerate(order)}
    final = sorted(range(len(built)), key=lambda i: (built[i].family, position[i]))
    return Families(tuple(built[i] for i in final), sim[np.ix_(final, final)], tuple(out_families), min_similarity)


def _units(corpus: Corpus, chapter: str | None, topic: str | None, since: int | None,
           until: int | None) -> list[tuple[Agreement, str, tuple[str, ...], npt.NDArray[np.uint32]]]:
    """(agreement, label, provision ids, canonical words) of each agreement's chapter (or articles on the
    topic) signed in the years asked for."""
    topic_id = None
    if topic is not None:
        from ..tags import topics as tx

        topic_id = tx.get(topic).id  # unknown slugs: an error listing close ones
        rows = corpus.index.fingerprints(AgreementFilter(since=since, until=until), topic=topic_id)
    else:
        rows = corpus.index.fingerprints(AgreementFilter(since=since, until=until, chapter=chapter))
    grouped: dict[tuple[str, str], tuple[list[str], list[npt.NDArray[np.uint32]]]] = {}
    for r in rows:
        label = topic_id or f"{r.chapter_number or ''} {r.chapter_title or ''}".strip(" ")
        ids, seqs = grouped.setdefault((r.agreement_id, label), ([], []))
        ids.append(r.provision_id)
        seqs.append(fingerprint.from_bytes(r.fingerprint))
    agreements = {a.id: a for a in corpus.agreements()}
    out = []
    for (aid, label), (ids, seqs) in grouped.items():
        a = agreements[aid]
        seq = np.concatenate(seqs) if seqs else np.zeros(0, dtype=np.uint32)
        if len(seq) >= FAMILY_SHINGLE:
            out.append((a, label, tuple(ids), seq))
    return out


def _jaccard_matrix(sets: list[npt.NDArray[np.uint32]]) -> npt.NDArray[np.float64]:
    """Pairwise Jaccard of sorted unique hash arrays, through one sparse product."""
    from scipy import sparse

    sizes = np.array([len(s) for s in sets], dtype=np.float64)
    cols, inverse = np.unique(np.concatenate(sets), return_inverse=True)
    rows = np.repeat(np.arange(len(sets)), [len(s) for s in sets])
    x = sparse.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, inverse)), shape=(len(sets), len(cols)))
    inter = (x @ x.T).toarray().astype(np.float64)
    union = sizes[:, None] + sizes[None, :] - inter
    sim = np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)
    np.fill_diagonal(sim, 1.0)
    return sim


def _cluster(sim: npt.NDArray[np.float64], min_similarity: float) -> tuple[npt.NDArray[np.int32], list[int]]:
    """Family labels and the dendrogram's leaf order (average linkage on 1 - similarity)."""
    from scipy.cluster.hierarchy import fcluster, leaves_list, linkage, optimal_leaf_ordering
    from scipy.spatial.distance import squareform

    dist = np.clip(1.0 - sim, 0.0, 1.0)
    np.fill_diagonal(dist, 0.0)
    condensed = squareform(dist, checks=False)
    tree = linkage(condensed, method="average")
    if len(sim) <= 400:
        tree = optimal_leaf_ordering(tree, condensed)
    labels = fcluster(tree, t=1.0 - min_similarity, criterion="distance")
    return labels, [int(i) for i in leaves_list(tree)]
