"""What a visitor sends, read and bounded: query strings become :class:`SearchState` (the whole state of a
search, so that a URL can be shared), pasted texts and uploaded specs are size-checked, file names made safe.

Every refusal is a :class:`~ftadraft.errors.InputError` with one sentence for the error page.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from functools import lru_cache
from typing import Any
from urllib.parse import quote_plus

from ..errors import InputError
from ..tags.labels import LABELS

MAX_QUERY = 500          # characters of a search query
MAX_FIELD = 200          # characters of a short field (agreement, chapter, reference)
MAX_PASTE = 20_000       # characters of a pasted clause
MAX_SPEC = 64 * 1024     # bytes of a draft spec (the spec reader's own limit)
MAX_BODY = 256 * 1024    # bytes of any form sent to the server
MAX_FILTER_VALUES = 10   # topics or parties in one search
PAGE_SIZES = (10, 20, 50)
FACET_DEPTH = 100        # hits a search page fetches: pages and facet counts come from these
LANGS = ("en", "es", "fr")
_quote = lru_cache(maxsize=4096)(quote_plus)
_PARTY = re.compile(r"^[A-Za-z]{2,3}$")
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def text_field(params: Mapping[str, Any], name: str, limit: int = MAX_FIELD) -> str:
    """A text field, stripped; longer than ``limit`` → one-line refusal."""
    value = params.get(name) or ""
    if not isinstance(value, str):
        raise InputError(name, "expected text")
    if len(value) > limit:
        raise InputError(name, f"too long ({len(value):,} characters; the limit is {limit:,})")
    if "\x00" in value:
        raise InputError(name, "contains a NUL character")
    return value.strip()


def int_field(params: Mapping[str, Any], name: str, low: int, high: int) -> int | None:
    raw = text_field(params, name, 12)
    if not raw:
        return None
    try:
        value = int(raw)
    except ValueError:
        raise InputError(name, f"{raw!r} is not a whole number") from None
    if not low <= value <= high:
        raise InputError(name, f"{value} is out of range ({low}-{high})")
    return value


def many(values: Sequence[str], name: str, limit: int = MAX_FILTER_VALUES) -> tuple[str, ...]:
    out = [v.strip() for raw in values for v in raw.split(",") if v.strip()]
    if len(out) > limit:
        raise InputError(name, f"at most {limit} values")
    if any(len(v) > MAX_FIELD for v in out):
        raise InputError(name, "a value is too long")
    return tuple(dict.fromkeys(out))


@dataclass(frozen=True)
class SearchState:
    """Everything a search page shows, as the query string holds it."""

    q: str = ""
    topics: tuple[str, ...] = ()
    parties: tuple[str, ...] = ()
    all_parties: bool = False
    agreement: str = ""
    chapter: str = ""
    since: int | None = None
    until: int | None = None
    obligation: str = ""
    lang: str = ""
    group: bool = False
    page: int = 1
    size: int = 10

    @classmethod
    def from_query(cls, params: Any) -> SearchState:
        """Read ``params`` (a multi-dict: ``getlist``), refusing anything out of bounds in one line."""
        obligation = text_field(params, "obligation", 20)
        if obligation and obligation not in LABELS:
            raise InputError("obligation", f"{obligation!r}: use one of {', '.join(LABELS)}")
        lang = text_field(params, "lang", 5)
        if lang and lang not in LANGS:
            raise InputError("lang", f"{lang!r}: use one of {', '.join(LANGS)}")
        parties = tuple(p.upper() for p in many(params.getlist("party"), "party"))
        bad = [p for p in parties if not _PARTY.match(p)]
        if bad:
            raise InputError("party", f"{bad[0]!r} is not a party code (ISO3, e.g. USA, or EU)")
        size = int_field(params, "size", 1, 1000) or 10
        if size not in PAGE_SIZES:
            raise InputError("size", f"use one of {', '.join(map(str, PAGE_SIZES))} hits per page")
        page = int_field(params, "page", 1, FACET_DEPTH) or 1
        return cls(q=text_field(params, "q", MAX_QUERY), topics=many(params.getlist("topic"), "topic"),
                   parties=parties, all_parties=bool(text_field(params, "all_parties", 5)),
                   agreement=text_field(params, "agreement"), chapter=text_field(params, "chapter"),
                   since=int_field(params, "since", 1000, 2999), until=int_field(params, "until", 1000, 2999),
                   obligation=obligation, lang=lang, group=bool(text_field(params, "group", 5)),
                   page=page, size=size)

    @property
    def empty(self) -> bool:
        return not (self.q or self.topics or self.parties or self.agreement or self.chapter or self.since
                    or self.until or self.obligation or self.lang)

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.size

    def filters(self) -> Any:
        from ..search.engine import Filters

        return Filters(topics=self.topics, parties=self.parties, all_parties=self.all_parties,
                       agreement=self.agreement or None, chapter=self.chapter or None, since=self.since,
                       until=self.until, obligation=self.obligation or None, lang=self.lang or None)

    def cache_key(self) -> tuple[Any, ...]:
        """What decides the hits fetched (not the page shown)."""
        return (self.q, self.topics, self.parties, self.all_parties, self.agreement, self.chapter, self.since,
                self.until, self.obligation, self.lang, self.group)

    def query_string(self, **changes: Any) -> str:
        """This state's URL query (with ``changes``); defaults are left out, so URLs stay short. (What
        ``urlencode`` makes of the same pairs; values quoted once per server, as a page links to hundreds.)"""
        unknown = changes.keys() - _STATE_FIELDS
        if unknown:
            raise TypeError(f"no such search state field: {', '.join(sorted(unknown))}")

        def get(name: str) -> Any:
            return changes[name] if name in changes else getattr(self, name)

        parts: list[str] = []
        if q := get("q"):
            parts.append("q=" + _quote(q))
        parts += ["topic=" + _quote(t) for t in get("topics")]
        parts += ["party=" + _quote(p) for p in get("parties")]
        for name in ("agreement", "chapter", "since", "until", "obligation", "lang"):
            value = get(name)
            if value not in ("", None):
                parts.append(f"{name}={_quote(str(value))}")
        if get("all_parties"):
            parts.append("all_parties=1")
        if get("group"):
            parts.append("group=1")
        if (size := get("size")) != 10:
            parts.append(f"size={size}")
        if (page := get("page")) != 1:
            parts.append(f"page={page}")
        return "&".join(parts)

    def with_topic(self, topic: str) -> str:
        return _link(self, "topic", topic)

    def with_party(self, party: str) -> str:
        return _link(self, "party", party)

    def with_decade(self, decade: int) -> str:
        return _link(self, "decade", decade)

    def without(self, name: str, value: Any = None) -> str:
        """The query without one filter (one value of a repeatable one)."""
        if name == "topics":
            return self.query_string(topics=tuple(t for t in self.topics if t != value), page=1)
        if name == "parties":
            return self.query_string(parties=tuple(p for p in self.parties if p != value), page=1)
        default = False if name in ("group", "all_parties") else None if name in ("since", "until") else ""
        return self.query_string(**{name: default, "page": 1})

    def to_dict(self) -> dict[str, Any]:
        return {"q": self.q, "topic": list(self.topics), "party": list(self.parties), "all_parties": self.all_parties,
                "agreement": self.agreement, "chapter": self.chapter, "since": self.since, "until": self.until,
                "obligation": self.obligation, "lang": self.lang, "group": self.group, "page": self.page,
                "size": self.size}


_STATE_FIELDS = frozenset(f.name for f in fields(SearchState))


@lru_cache(maxsize=8192)
def _link(state: SearchState, kind: str, value: Any) -> str:
    """The query of ``state`` narrowed by one facet value, from its first page (a results page links the same
    topics from many hits and its facet panel)."""
    if kind == "topic":
        return state.query_string(topics=tuple(dict.fromkeys((*state.topics, value))), page=1)
    if kind == "party":
        return state.query_string(parties=tuple(dict.fromkeys((*state.parties, value))), page=1)
    return state.query_string(since=value, until=value + 9, page=1)


def pasted(params: Mapping[str, Any], name: str, *, required: bool = True) -> str:
    """A pasted text: at most :data:`MAX_PASTE` characters, not empty when ``required``."""
    text = text_field(params, name, MAX_PASTE)
    if required and not text:
        raise InputError(name, "empty text: paste a clause")
    return text


def safe_filename(stem: str, suffix: str) -> str:
    """A download name made of letters, digits, dots, dashes and underscores only ("draft-USA-GBR.docx")."""
    clean = _SAFE_NAME.sub("-", stem).strip("-.")[:80] or "ftadraft"
    return f"{clean}{suffix}"
