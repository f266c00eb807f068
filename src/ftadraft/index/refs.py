"""References users type: ``AGREEMENT[:ARTICLE]`` -> agreements and provisions.

``AGREEMENT`` is an id (``tota-449``) or an alias (``tpp``); ``ARTICLE`` is the article number as
printed (``14.3``, ``Article 14.3``, ``9-9``, ``5 bis``), a chapter-qualified number where articles
are numbered per chapter (``3.2`` = chapter 3, article 2), ``preamble``, or a provision key.
A full provision id (``tota-449/40210``) works too. Unknown or ambiguous references raise
:class:`~ftadraft.errors.ReferenceNotFound` listing close matches.
"""

from __future__ import annotations

import re

from ..errors import ReferenceNotFound
from ..model import Agreement, Provision
from ..suggest import close_matches
from .store import Index, number_key

_ARTICLE_WORD = re.compile(r"^\s*(?:article|art\.?|art[ií]culo)\s*", re.IGNORECASE)


def split_ref(ref: str) -> tuple[str, str | None]:
    """``'tpp:14.3'`` -> ``('tpp', '14.3')``; ``'tota-449'`` -> ``('tota-449', None)``."""
    ref = ref.strip()
    if not ref:
        raise ReferenceNotFound(repr(ref), "empty reference")
    agreement, sep, article = ref.partition(":")
    if not sep:
        agreement, sep, article = ref.partition("/")
        if sep:
            return agreement.strip(), "/" + article.strip()
        return agreement.strip(), None
    return agreement.strip(), article.strip() or None


def resolve_agreement(index: Index, ref: str) -> Agreement:
    """The agreement named by an id or alias (case-insensitive)."""
    name = ref.strip()
    found = index.agreement(name) or index.agreement(name.lower())
    if found:
        return found
    targets = index.alias_targets(name)
    if len(targets) == 1:
        return index.agreement(targets[0])  # type: ignore[return-value]
    if len(targets) > 1:
        options = [f"{a.id} ({a.name}, {a.year or 'n.d.'})" for a in (index.agreement(t) for t in targets) if a]
        raise ReferenceNotFound(ref, f"ambiguous alias: {len(targets)} agreements", options[:10])
    raise ReferenceNotFound(ref, "no such agreement in the index", _suggest_agreements(index, name))


def _suggest_agreements(index: Index, text: str, limit: int = 5) -> list[str]:
    shown: dict[str, list[str]] = {}  # an id, name or alias -> how each agreement it names is offered
    for aid, name, aliases in index.names():
        shown.setdefault(aid, []).append(aid)
        shown.setdefault(name, []).append(f"{aid} ({name})")
        for alias in aliases:
            shown.setdefault(alias, []).append(f"{alias} -> {aid}")
    return [label for match in close_matches(text, shown, limit=limit) for label in shown[match]][:limit]


def resolve_provision(index: Index, ref: str) -> Provision:
    """The single provision named by ``AGREEMENT:ARTICLE`` (or a provision id)."""
    agreement_ref, article = split_ref(ref)
    agreement = resolve_agreement(index, agreement_ref)  # an unknown agreement is said first, with close matches
    if article is None:
        raise ReferenceNotFound(ref, "names an agreement, not an article; add :ARTICLE (e.g. tota-449:14.3)")
    return _find_article(index, agreement, article, ref)


def resolve(index: Index, ref: str) -> Agreement | Provision:
    """An agreement (``tota-449``) or a provision (``tota-449:14.3``), whichever the reference names."""
    agreement_ref, article = split_ref(ref)
    agreement = resolve_agreement(index, agreement_ref)
    if article is None:
        return agreement
    return _find_article(index, agreement, article, ref)


def _candidates(index: Index, agreement: Agreement, article: str) -> tuple[str, list[Provision]]:
    """(the article as typed, without "Article"; the provisions it may name) — no error, no suggestion."""
    if article.startswith("/"):
        found = index.provision(f"{agreement.id}{article}")
        if found:
            return article, [found]
        article = article[1:]
    bare = _ARTICLE_WORD.sub("", article)
    key = number_key(bare)
    candidates = index.provisions_numbered(agreement.id, key) if key else []
    if not candidates and key and "." in key:
        chapter, _, number = key.rpartition(".")
        candidates = [
            p for p in index.provisions_numbered(agreement.id, number)
            if number_key(p.chapter_number) == chapter
        ]
    if not candidates:
        direct = index.provision(f"{agreement.id}/{bare}")
        if direct:
            return bare, [direct]
        if bare.lower() in {"preamble", "conclusion"}:
            candidates = [p for p in index.provisions(agreement.id) if (p.title or "").lower() == bare.lower()]
    return bare, candidates


def _find_article(index: Index, agreement: Agreement, article: str, ref: str) -> Provision:
    bare, candidates = _candidates(index, agreement, article)
    if len(candidates) == 1:
        return candidates[0]
    if len(candidates) > 1:
        options = [_qualified(index, agreement, p) for p in candidates]
        raise ReferenceNotFound(ref, f"ambiguous: {len(candidates)} articles numbered {bare!r}", options[:10])
    numbers = sorted({p.number for p in index.provisions(agreement.id) if p.number})
    close: list[str] = []
    for n in close_matches(bare, numbers, limit=5, cutoff=50):
        opens = _opens(index, agreement, n)
        if opens is not None:
            close.append(f"{agreement.id}:{n}")
        else:  # several articles carry this number: name each so that it opens
            close += [_qualified(index, agreement, p) for p in _candidates(index, agreement, n)[1]]
    raise ReferenceNotFound(ref, f"no article {bare!r} in {agreement.id} ({agreement.name})", close[:8])


def _opens(index: Index, agreement: Agreement, article: str) -> Provision | None:
    """The provision ``AGREEMENT:article`` opens, or None if it opens none or several."""
    found = _candidates(index, agreement, article)[1]
    return found[0] if len(found) == 1 else None


def _qualified(index: Index, agreement: Agreement, p: Provision) -> str:
    """The shortest way to type ``p`` that opens exactly ``p``: chapter-qualified number where that is
    unambiguous, else its provision id (always unique)."""
    title = f" ({p.title})" if p.title else ""
    if p.chapter_number and p.number and number_key(p.chapter_number) and "." not in (number_key(p.number) or ""):
        typed = f"{p.chapter_number}.{p.number}"
        found = _opens(index, agreement, typed)
        if found is not None and found.id == p.id:
            return f"{agreement.id}:{typed}{title}"
    return f"{p.id}{title}"
