"""pandas views of ftadraft results for notebooks: ``ftadraft.to_frame(hits)``.

pandas is an optional extra (``pip install ftadraft[notebook]``); it is imported only here.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from ..errors import FtadraftError
from ..model import Agreement, Provision
from ..optional import require_pandas

if TYPE_CHECKING:
    import pandas as pd

    from ..provenance.precedents import Precedent
    from ..search.engine import Hit

    #: What :func:`to_frame` makes rows of.
    Framable = Hit | Precedent | Provision | Agreement


def _row(obj: Framable) -> dict[str, Any]:
    from ..provenance.precedents import Precedent
    from ..search.engine import Hit

    if isinstance(obj, Hit):
        p, a = obj.provision, obj.agreement
        return {
            "rank": obj.rank, "score": obj.score, "agreement_id": a.id, "agreement": a.name, "year": a.year,
            "parties": ",".join(a.parties), "chapter": p.chapter_title, "number": p.number, "title": p.title,
            "topics": list(p.topics), "obligation": p.obligation, "snippet": obj.snippet, "provision_id": p.id,
            "also_in": len(obj.others),
        }
    if isinstance(obj, Precedent):
        p, a = obj.provision, obj.agreement
        return {
            "rank": obj.rank, "similarity": obj.similarity, "mutual": obj.mutual, "literal": obj.literal,
            "verbatim": obj.verbatim,
            "agreement_id": a.id, "agreement": a.name, "year": a.year, "signed": a.signed,
            "parties": ",".join(a.parties), "chapter": p.chapter_title, "number": p.number, "title": p.title,
            "provision_id": p.id,
        }
    if isinstance(obj, Provision):
        return {
            "provision_id": obj.id, "agreement_id": obj.agreement_id, "order": obj.order,
            "chapter_number": obj.chapter_number, "chapter": obj.chapter_title, "section": obj.section,
            "number": obj.number, "title": obj.title, "words": len(obj.normalized.split()),
            "topics": list(obj.topics), "obligation": obj.obligation, "flags": list(obj.flags), "text": obj.text,
        }
    if isinstance(obj, Agreement):
        return {
            "agreement_id": obj.id, "name": obj.name, "year": obj.year, "signed": obj.signed, "in_force": obj.in_force,
            "parties": ",".join(obj.parties), "n_parties": len(obj.parties), "type": obj.type, "status": obj.status,
            "language": obj.language, "aliases": list(obj.aliases),
        }
    raise FtadraftError(f"to_frame: cannot make a row of {type(obj).__name__}")


def to_frame(items: Iterable[Framable]) -> pd.DataFrame:
    """A pandas DataFrame with one row per search hit, precedent, provision or agreement (columns depend on
    the type); e.g. ``to_frame(lineage(c, text).precedents)`` for a clause's history."""
    pd = require_pandas()
    rows = [_row(x) for x in items]
    return pd.DataFrame(rows)
