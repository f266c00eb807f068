"""Which agreements a view looks at: one filter type for search, research, precedents and families.

A :class:`AgreementFilter` is plain data. The store turns it into SQL (:meth:`~.store.Index.filter_sql`);
in-memory algorithms ask :meth:`AgreementFilter.admits` per agreement or :meth:`AgreementFilter.mask` for a
numpy array. Years are signature years, inclusive at both ends; an agreement without a signature date
passes only when no year is asked for.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from ..errors import FtadraftError

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from ..model import Agreement


@dataclass(frozen=True)
class AgreementFilter:
    """Signature years, parties (any of them, or ``all_parties``), agreements left out, and a chapter
    (its number, or a part of its title, case-insensitive)."""

    since: int | None = None
    until: int | None = None
    parties: tuple[str, ...] = ()
    all_parties: bool = False
    exclude: tuple[str, ...] = ()
    before: date | None = None  # signed strictly before this date ("earlier sources only")
    chapter: str | None = None
    _codes: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.since is not None and self.until is not None and self.since > self.until:
            raise FtadraftError(f"--since {self.since} is after --until {self.until}: no year can match")
        if self.chapter is not None and not self.chapter.strip():
            raise FtadraftError("--chapter: empty chapter text")
        object.__setattr__(self, "parties", tuple(p.strip().upper() for p in self.parties))
        object.__setattr__(self, "exclude", tuple(self.exclude))
        object.__setattr__(self, "_codes", frozenset(self.parties))

    def is_empty(self) -> bool:
        return (self.since is None and self.until is None and not self.parties and not self.exclude
                and self.before is None and self.chapter is None)

    def admits(self, agreement: Agreement) -> bool:
        """Whether ``agreement`` passes the year, party and exclusion conditions (not the chapter)."""
        signed = agreement.signed
        if self.since is not None and (signed is None or signed.year < self.since):
            return False
        if self.until is not None and (signed is None or signed.year > self.until):
            return False
        if self.before is not None and (signed is None or signed >= self.before):
            return False
        if self._codes:
            have = set(agreement.parties)
            if not (self._codes <= have if self.all_parties else self._codes & have):
                return False
        return agreement.id not in self.exclude

    def mask(self, agreements: Sequence[Agreement]) -> npt.NDArray[np.bool_]:
        """:meth:`admits` for each of ``agreements``, as a bool array."""
        import numpy as np

        return np.fromiter((self.admits(a) for a in agreements), dtype=bool, count=len(agreements))

    def chapter_matches(self, number: str | None, title: str | None) -> bool:
        """Whether a chapter numbered ``number`` and titled ``title`` is the one asked for (always, if none is)."""
        if self.chapter is None:
            return True
        needle = self.chapter.strip().casefold()
        return (number or "").strip().casefold() == needle or needle in (title or "").casefold()

