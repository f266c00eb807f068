""""Did you mean": the close matches offered with every unknown name (reference, party, topic, clause id).

One scorer, cut-off and limit for all of them, so users see the same kind of suggestion everywhere.
"""

from __future__ import annotations

from collections.abc import Iterable


def close_matches(text: str, choices: Iterable[str], *, limit: int = 5, cutoff: float = 60) -> list[str]:
    """Up to ``limit`` of ``choices`` closest to ``text`` (rapidfuzz WRatio ≥ ``cutoff``, case-insensitive),
    best first; exact case-insensitive matches come first. Punctuation counts: in ``14.3``, ``tota-449`` and
    ``e-commerce/spam`` it is part of the name."""
    from rapidfuzz import fuzz, process

    pool = list(dict.fromkeys(choices))
    if not text.strip() or not pool:
        return []
    folded = text.strip().casefold()
    exact = [c for c in pool if c.casefold() == folded]
    found = process.extract(text, pool, scorer=fuzz.WRatio, processor=_fold,
                            limit=limit + len(exact), score_cutoff=cutoff)
    return list(dict.fromkeys([*exact, *(c for c, _score, _i in found)]))[:limit]


def _fold(text: str) -> str:
    return text.strip().casefold()
