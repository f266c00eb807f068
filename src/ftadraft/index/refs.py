"""References users type: ``AGREEMENT[:ARTICLE]`` -> agreements and provisions.

``AGREEMENT`` is an id (``tota-449``) or an alias (``tpp``); ``ARTICLE`` is the article number as
printed (``14.3``, ``Article 14.3``, ``9-9``, ``5 bis``), a chapter-qualified number where articles
are numbered per chapter (``3.2`` = chapter 3, article 2), an annex article (``annex-8A:12`` = Article 12
of Annex 8A; also ``annex 8A:12``, ``8A:12``, ``Annex 8A, Article 12``), an annex's own text
(``annex-3A``), ``preamble``, or a provision key. A full provision id (``tota-449/40210``) works too.
Unknown or ambiguous references raise :class:`~ftadraft.errors.ReferenceNotFound` listing close
matches; every match listed is a reference that opens exactly the article it names (:func:`reference`).
"""

from __future__ import annotations

import re

from ..errors import ReferenceNotFound
from ..model import Agreement, Provision
from ..suggest import close_matches
from .store import Index, number_key

_ARTICLE_WORD = re.compile(r"^\s*(?:article|art\.?|art[ií]culo)\s*", re.IGNORECASE)
_ANNEX_WORD = re.compile(r"^\s*(?:annex|annexe|anexo|appendix|ap[eé]ndice)\b[\s\-]*", re.IGNORECASE)
# "annex-8A:12", "8A:12", "Annex 8A, Article 12": the annex before the first ":" or ",", the article after it
_ANNEX_ARTICLE = re.compile(r"^(?P<annex>[^:,]*)[:,](?P<article>.*)$")
_LEADING_NUMBER = re.compile(r"^\s*(\d+(?:[.\-]\d+)*)(?=[\s,;:(]|$)")
_UNNUMBERED = "annex"  # what the readers store as source["annex"] for an annex printed without a number


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


def annex_of(p: Provision) -> str | None:
    """The annex a provision of a file belongs to, as printed (``'8A'``; ``'annex'`` for an unnumbered
    annex), or None (chapter articles; ToTA provisions carry no annex)."""
    return p.source.get("annex") or None


def annex_heading(p: Provision) -> str | None:
    """The heading of the annex ``p`` belongs to, as the reader found it (``'Annex 8A: FINANCIAL
    SERVICES'``), or None outside annexes."""
    annex = annex_of(p)
    if annex is None:
        return None
    if p.number is None and "annex" in p.flags and p.title:  # the annex's own text: its title is the heading
        return p.title
    return p.source.get("annex_title") or ("Annex" if annex == _UNNUMBERED else f"Annex {annex}")


def reference(index: Index, p: Provision) -> str:
    """The shortest reference a user can type that opens exactly ``p``: the printed number where it is
    unique, ``annex-8A:12`` for an annex article, ``3.2`` (chapter 3, article 2) where articles are numbered
    per chapter, else the provision id (always unique)."""
    agreement = index.agreement(p.agreement_id)
    assert agreement is not None, p.agreement_id
    for typed in _typings(p):
        found = _opens(index, agreement, typed)
        if found is not None and found.id == p.id:
            return f"{agreement.id}:{typed}"
    return p.id


def _typings(p: Provision) -> list[str]:
    """Ways to type ``p``, most natural first (each still to be checked against the index)."""
    annex = annex_of(p)
    if annex is not None:
        label = "annex" if annex == _UNNUMBERED else f"annex-{annex}"
        return [f"{label}:{p.number}"] if p.number else [label]
    out = [p.number] if p.number else []
    if p.chapter_number and p.number and number_key(p.chapter_number) and "." not in (number_key(p.number) or ""):
        out.append(f"{p.chapter_number}.{p.number}")
    if not p.number and (p.title or "").lower() in {"preamble", "conclusion"}:
        out.append((p.title or "").lower())
    return out


def _annex_key(label: str) -> str:
    """'Annex 8-A', 'annex-8a', '8A' -> '8a'; an unnumbered annex ('annex', '') -> 'annex'."""
    key = re.sub(r"[\s\-._]", "", _ANNEX_WORD.sub("", label)).lower()
    return key or _UNNUMBERED


def _split_annex(article: str) -> tuple[str, str | None] | None:
    """``'annex-8A:12'`` -> ``('8a', '12')``; ``'Annex 3A'`` -> ``('3a', None)``; None when ``article`` names no
    annex."""
    m = _ANNEX_ARTICLE.match(article)
    head = m.group("annex") if m else ""
    # "annex-8A:12", "Annex 8A, Article 12", "8A:12" -- not "Article 14.3: Customs Duties" nor "14.3, para 2"
    if m and (_ANNEX_WORD.match(head) or (":" in article and not _ARTICLE_WORD.match(head) and "," not in head)):
        number = _ARTICLE_WORD.sub("", m.group("article")).strip()
        return _annex_key(head), number or None
    if _ANNEX_WORD.match(article):
        return _annex_key(article), None
    return None


def _annex_candidates(index: Index, agreement: Agreement, annex: str, number: str | None) -> list[Provision]:
    if number is None:  # the annex's own text (its heading and what precedes its first article)
        return [p for p in index.provisions(agreement.id)
                if p.number is None and "annex" in p.flags and _annex_key(annex_of(p) or "") == annex]
    key = number_key(number)
    found = index.provisions_numbered(agreement.id, key) if key else []
    return [p for p in found if annex_of(p) is not None and _annex_key(annex_of(p) or "") == annex]


def _candidates(index: Index, agreement: Agreement, article: str) -> tuple[str, list[Provision]]:
    """(the article as typed, without "Article"; the provisions it may name) — no error, no suggestion."""
    if article.startswith("/"):
        found = index.provision(f"{agreement.id}{article}")
        if found:
            return article, [found]
        article = article[1:]
    annexed = _split_annex(article)
    if annexed is not None:
        return article.strip(), _annex_candidates(index, agreement, *annexed)
    bare = _ARTICLE_WORD.sub("", article)
    key = number_key(bare)
    candidates = index.provisions_numbered(agreement.id, key) if key else []
    if not candidates and key and "." in key:  # chapter-qualified: chapter 3, article 2 (annex articles aside)
        chapter, _, number = key.rpartition(".")
        candidates = [
            p for p in index.provisions_numbered(agreement.id, number)
            if number_key(p.chapter_number) == chapter and annex_of(p) is None
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
        options = [_offer(index, p) for p in candidates]
        raise ReferenceNotFound(ref, f"ambiguous: {len(candidates)} articles numbered {bare!r}", options[:10])
    annexed = _split_annex(article.lstrip("/"))
    if annexed is not None:
        raise _no_annex_article(index, agreement, ref, *annexed)
    numbers = sorted({p.number for p in index.provisions(agreement.id) if p.number})
    close: list[str] = []
    lead = _LEADING_NUMBER.match(bare)  # "14.3, paragraph 2", "14.3(b)": the article 14.3 first
    if lead and lead.group(1) != bare.strip():
        close += [_offer(index, p) for p in _candidates(index, agreement, lead.group(1))[1]]
    for n in close_matches(bare, numbers, limit=5, cutoff=50):
        close += [_offer(index, p) for p in _candidates(index, agreement, n)[1]]
    raise ReferenceNotFound(ref, f"no article {bare!r} in {agreement.id} ({agreement.name})",
                            list(dict.fromkeys(close))[:8])


def _no_annex_article(index: Index, agreement: Agreement, ref: str, annex: str,
                      number: str | None) -> ReferenceNotFound:
    """The error for an annex reference that opens nothing: an unknown annex (the annexes there are), an
    annex without text of its own (its articles), or an article the annex lacks (its close numbers)."""
    annexes: dict[str, list[Provision]] = {}
    for p in index.provisions(agreement.id):
        if annex_of(p) is not None:
            annexes.setdefault(_annex_key(annex_of(p) or ""), []).append(p)
    if annex not in annexes:
        labels = {_annex_key(a): a for a in (annex_of(ps[0]) or "" for ps in annexes.values())}
        offered = [_offer(index, annexes[k][0]) for k in close_matches(annex, labels, limit=5, cutoff=50)]
        known = ", ".join(labels.values()) or "none"
        return ReferenceNotFound(ref, f"no annex {annex.upper()!r} in {agreement.id} (its annexes: {known})", offered)
    members = annexes[annex]
    heading = annex_heading(members[0]) or f"Annex {annex}"
    articles = [p for p in members if p.number]
    if number is None:
        return ReferenceNotFound(ref, f"{heading} has no text of its own; name one of its {len(articles)} articles",
                                 [_offer(index, p) for p in articles[:10]])
    close = close_matches(number, [p.number for p in articles if p.number], limit=5, cutoff=50)
    offered = [_offer(index, p) for n in close for p in articles if p.number == n]
    return ReferenceNotFound(ref, f"no article {number!r} in {heading} ({len(articles)} articles)", offered[:8])


def _opens(index: Index, agreement: Agreement, article: str) -> Provision | None:
    """The provision ``AGREEMENT:article`` opens, or None if it opens none or several."""
    found = _candidates(index, agreement, article)[1]
    return found[0] if len(found) == 1 else None


def _offer(index: Index, p: Provision) -> str:
    """How a suggestion names ``p``: a reference that opens exactly ``p``, with its title."""
    return reference(index, p) + (f" ({p.title})" if p.title else "")
