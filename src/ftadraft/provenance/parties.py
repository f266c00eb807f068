"""Who signed an agreement, with the blocs that sign as one (the EU, EFTA) named as such.

ToTA lists an agreement's *current* parties (the EU's 28 states for EU–Switzerland of 1972, none for an
agreement no longer in force), with the signatories in ``extra["parties_original"]`` when they differ, and a
bloc's member states rather than the bloc. Template families and template flows want the signatories, and
want "EU" for an agreement the EU signed: :func:`signers` folds the states that were members of a bloc when
the agreement was signed (or joined within the year: acceding states sign beside it) into the bloc when
the agreement was signed as that bloc (it names the bloc, or at least 60 % of those states sign it), so that
EEC–Greece (1961) is signed by the EU and Greece, and EU–Korea (2010) by the EU and Korea.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from datetime import date, timedelta

from ..model import Agreement

# Membership periods (joined, left) of the blocs that sign trade agreements as one.
_EU_JOINS = {
    date(1958, 1, 1): "BEL DEU FRA ITA LUX NLD", date(1973, 1, 1): "DNK GBR IRL", date(1981, 1, 1): "GRC",
    date(1986, 1, 1): "ESP PRT", date(1995, 1, 1): "AUT FIN SWE",
    date(2004, 5, 1): "CYP CZE EST HUN LTU LVA MLT POL SVK SVN", date(2007, 1, 1): "BGR ROU", date(2013, 7, 1): "HRV",
}
_EFTA = {"AUT": (date(1960, 5, 3), date(1995, 1, 1)), "CHE": (date(1960, 5, 3), None),
         "DNK": (date(1960, 5, 3), date(1973, 1, 1)), "GBR": (date(1960, 5, 3), date(1973, 1, 1)),
         "NOR": (date(1960, 5, 3), None), "PRT": (date(1960, 5, 3), date(1986, 1, 1)),
         "SWE": (date(1960, 5, 3), date(1995, 1, 1)), "ISL": (date(1970, 3, 1), None),
         "FIN": (date(1986, 1, 1), date(1995, 1, 1)), "LIE": (date(1991, 9, 1), None)}
_EU = {code: (joined, date(2020, 2, 1) if code == "GBR" else None)
       for joined, codes in _EU_JOINS.items() for code in codes.split()}
#: Each bloc's member states with the dates they joined and left (None: still a member).
BLOCS: dict[str, dict[str, tuple[date, date | None]]] = {"EU": _EU, "EFTA": _EFTA}
# A name saying who signed: "EC - Lithuania", "EEC - Turkey", "EU - Korea", "EFTA - Singapore".
_NAMED = {"EU": re.compile(r"^(?:EC|EEC|EU)\b|European (?:Union|Communit)"), "EFTA": re.compile(r"\bEFTA\b")}


def signatories(agreement: Agreement) -> tuple[str, ...]:
    """The parties that signed it: the original parties where the dataset has them apart, else the listed ones."""
    original = agreement.extra.get("parties_original") or ()
    return tuple(str(p) for p in original) or agreement.parties


def members(bloc: str, on: date | None) -> frozenset[str]:
    """The states that were members of ``bloc`` on a date or joined within the following year (all that ever
    were, for an undated agreement)."""
    if on is None:
        return frozenset(BLOCS[bloc])
    soon = on + timedelta(days=366)
    return frozenset(code for code, (joined, left) in BLOCS[bloc].items()
                     if joined <= soon and (left is None or on < left))


def signers(agreement: Agreement) -> tuple[str, ...]:
    """Signatories, with the member states of a bloc that signed as one replaced by the bloc (sorted, blocs first)."""
    codes = set(signatories(agreement))
    blocs = []
    for bloc, named in _NAMED.items():
        states = members(bloc, agreement.signed)
        inside = codes & states
        if inside and (named.search(agreement.name) or len(inside) >= 0.6 * len(states)):
            codes -= inside
            blocs.append(bloc)
    return (*sorted(blocs), *sorted(codes))


def shared_party(agreements: Sequence[Agreement]) -> str | None:
    """The party (or bloc) that signed at least half of ``agreements``, if there are two or more."""
    if len(agreements) < 2:
        return None
    counts = Counter(p for a in agreements for p in set(signers(a)))
    if not counts:
        return None
    code, count = max(counts.items(), key=lambda kv: (kv[1], kv[0] in BLOCS, kv[0]))
    return code if count >= len(agreements) / 2 else None
