"""Facet counts of a result list: how many hits fall under each topic, party, decade and obligation strength.

A search screen shows these beside the hits so that a user can narrow a search in one click. The counts are
over the hits given (a search's first N matches), not over the whole index.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..tags.labels import LABELS

if TYPE_CHECKING:
    from ..search.engine import Hit


@dataclass(frozen=True)
class Facets:
    """(value, count) pairs, most frequent first (decades and obligation in their natural order)."""

    hits: int
    topics: tuple[tuple[str, int], ...]
    parties: tuple[tuple[str, int], ...]
    decades: tuple[tuple[int, int], ...]
    obligation: tuple[tuple[str, int], ...]

    def to_dict(self) -> dict[str, Any]:
        return {"hits": self.hits, "topics": dict(self.topics), "parties": dict(self.parties),
                "decades": {str(k): v for k, v in self.decades}, "obligation": dict(self.obligation)}


def decade(year: int | None) -> int | None:
    """The decade a year falls in (1994 → 1990)."""
    return None if year is None else year - year % 10


def facets(hits: Iterable[Hit], *, limit: int = 12) -> Facets:
    """Counts over ``hits`` (each hit counts once per topic and per party; a grouped hit's copies count too),
    the ``limit`` most frequent topics and parties."""
    topics: Counter[str] = Counter()
    parties: Counter[str] = Counter()
    decades: Counter[int] = Counter()
    levels: Counter[str] = Counter()
    n = 0
    for h in hits:
        for agreement, provision in ((h.agreement, h.provision), *h.others):
            n += 1
            topics.update(set(provision.topics))
            parties.update(set(agreement.parties))
            d = decade(agreement.year)
            if d is not None:
                decades[d] += 1
            if provision.obligation:
                levels[provision.obligation] += 1
    order = {label: i for i, label in enumerate(LABELS)}
    return Facets(
        hits=n,
        topics=tuple(sorted(topics.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]),
        parties=tuple(sorted(parties.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]),
        decades=tuple(sorted(decades.items())),
        obligation=tuple(sorted(levels.items(), key=lambda kv: order.get(kv[0], len(order)))),
    )
