"""Topic tagging: the shipped taxonomy of customs, IP-enforcement and digital-trade topics, and a fast
tagger over lemma strings.

The taxonomy (``taxonomy.toml``, package data) defines each topic in our own words, with typical
article titles and matching rules: weighted lemma phrases, required co-occurrences and negative
phrases. The rules are lemmatised once, exactly as the index lemmatises text, and compiled into a
phrase table keyed by one word of each phrase; tagging a provision is then a set intersection plus a
few substring counts over its lemma string, which keeps whole-corpus tagging at index time within
seconds. The text decides: many articles (and most drafts) have no title, so the title only adds a
bounded bonus to topics the text already supports, and the chapter title only serves as context.
The phrase tables are English: texts in other languages get no topics.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from ..errors import FtadraftError, ReferenceNotFound

#: Raw evidence -> score in [0, 1]: ``1 - exp(-raw / SCALE)``.
SCALE = 4.0
#: Evidence (text, less negatives, plus any title bonus) a topic needs: one strong phrase or several weaker.
MIN_EVIDENCE = 2.0
#: Topics scoring below this are not reported.
MIN_SCORE = 0.4
#: Topics scoring below this fraction of the best topic are not reported (noise next to a clear winner).
MIN_RELATIVE = 0.3
#: Title bonus (in raw evidence) when the title names the topic, and the cap on any title evidence.
TITLE_BONUS = 2.0
CONTEXT_TITLE_BONUS = 1.0
TITLE_PHRASE_FACTOR = 0.5
#: Articles announce their subject first: phrases in the opening characters count this much extra.
LEAD_CHARS = 150
LEAD_FACTOR = 1.0
LEAD_MIN_WEIGHT = 2.0

#: Spelling variants generated for every phrase (both directions), applied to whole lemma words.
_WORD_VARIANTS = {
    "cooperation": "co operation", "cooperate": "co operate", "cooperative": "co operative",
    "enquiry": "inquiry", "favourable": "favorable", "favour": "favor", "centre": "center",
    "programme": "program", "licence": "license", "labour": "labor", "wilful": "willful",
    "wilfully": "willfully", "judgement": "judgment", "trademark": "trade mark", "e mail": "email",
    "website": "web site", "harbour": "harbor", "takedown": "take down", "transshipment": "transhipment",
    "dataset": "data set", "behaviour": "behavior", "defence": "defense", "offence": "offense",
}
_IZE = re.compile(r"\b(\w{2,})(iz|is)(e|es|ed|ing|ation|ations|er|ers)\b")


@dataclass(frozen=True)
class Topic:
    """One taxonomy topic with its effective matching rules (area rules merged in)."""

    id: str
    area: str
    name: str
    definition: str
    titles: tuple[str, ...]
    context_titles: tuple[str, ...] = ()
    context_chapters: tuple[str, ...] = ()
    context_chapters_except: tuple[str, ...] = ()
    phrases: tuple[tuple[str, float], ...] = ()
    requires: tuple[tuple[str, ...], ...] = ()
    negative: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True)
class TopicScore:
    """A topic assigned to a text, with a score in [0, 1] (higher: more clearly about the topic)."""

    id: str
    score: float


# -- taxonomy ------------------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def _load_toml() -> dict[str, Any]:
    return tomllib.loads(resources.files("ftadraft.tags").joinpath("taxonomy.toml").read_text(encoding="utf-8"))


def _weights(table: Mapping[str, Any], where: str) -> tuple[tuple[str, float], ...]:
    out = []
    for phrase, w in table.items():
        if not isinstance(w, (int, float)) or isinstance(w, bool) or w <= 0:
            raise FtadraftError(f"taxonomy.toml: {where}: weight of {phrase!r} must be a positive number")
        out.append((phrase, float(w)))
    return tuple(out)


@lru_cache(maxsize=1)
def taxonomy() -> tuple[Topic, ...]:
    """All topics, in taxonomy order (loaded once from the package's ``taxonomy.toml``)."""
    data = _load_toml()
    areas: Mapping[str, Any] = data.get("areas", {})
    topics: list[Topic] = []
    seen: set[str] = set()
    for raw in data.get("topic", []):
        tid = raw.get("id", "")
        where = f"topic {tid or '?'}"
        missing = [k for k in ("id", "area", "name", "definition", "titles") if not raw.get(k)]
        if missing:
            raise FtadraftError(f"taxonomy.toml: {where}: missing {', '.join(missing)}")
        if tid in seen:
            raise FtadraftError(f"taxonomy.toml: {where}: duplicate id")
        if tid.split("/", 1)[0] != raw["area"] or raw["area"] not in areas:
            raise FtadraftError(f"taxonomy.toml: {where}: area must be a declared area and the id's prefix")
        if bool(raw.get("context_titles")) != bool(raw.get("context_chapters")):
            raise FtadraftError(f"taxonomy.toml: {where}: context_titles need context_chapters and vice versa")
        if raw.get("context_chapters_except") and not raw.get("context_chapters"):
            raise FtadraftError(f"taxonomy.toml: {where}: context_chapters_except needs context_chapters")
        seen.add(tid)
        area = areas[raw["area"]]
        requires = raw["requires"] if "requires" in raw else area.get("requires", [])
        topics.append(
            Topic(
                id=tid,
                area=raw["area"],
                name=raw["name"],
                definition=" ".join(raw["definition"].split()),
                titles=tuple(raw["titles"]),
                context_titles=tuple(raw.get("context_titles", ())),
                context_chapters=tuple(raw.get("context_chapters", ())),
                context_chapters_except=tuple(raw.get("context_chapters_except", ())),
                phrases=_weights(raw.get("phrases", {}), where),
                requires=tuple(tuple(group) for group in requires),
                negative=_weights({**area.get("negative", {}), **raw.get("negative", {})}, where),
            )
        )
    return tuple(topics)


def get(topic_id: str) -> Topic:
    """The topic with this id; an unknown id raises an error that lists the closest ids."""
    for t in taxonomy():
        if t.id == topic_id:
            return t
    raise ReferenceNotFound(topic_id, "unknown topic", suggest(topic_id))


def suggest(topic_id: str, limit: int = 3) -> list[str]:
    """Topic ids close to ``topic_id`` (same last segment first, then by fuzzy similarity)."""
    from ..suggest import close_matches

    ids = [t.id for t in taxonomy()]
    query = topic_id.strip().lower()
    tail = query.rsplit("/", 1)[-1]
    exact_tail = [i for i in ids if i.rsplit("/", 1)[-1] == tail]
    close = close_matches(query, ids, limit=limit + len(exact_tail))
    return [*exact_tail, *(s for s in close if s not in exact_tail)][:limit]


# -- compilation ---------------------------------------------------------------------------------------
def _variants(phrase: str) -> set[str]:
    """British/American and hyphenation spellings of a lemmatised phrase (the phrase included)."""
    out = {phrase}
    pairs = list(_WORD_VARIANTS.items())
    for _ in range(2):  # variants of variants (e.g. two swapped words in one phrase)
        for p in tuple(out):  # a snapshot: the loop adds to ``out``
            padded = f" {p} "
            for a, b in pairs:
                for x, y in ((a, b), (b, a)):
                    if f" {x} " in padded:
                        out.add(padded.replace(f" {x} ", f" {y} ").strip())
            out.add(_IZE.sub(lambda m: m.group(1) + ("is" if m.group(2) == "iz" else "iz") + m.group(3), p))
    return {v for v in out if v}


def _inflections(phrase: str) -> list[str]:
    """The phrase with one word switched between singular and plural, where the lemma table maps the
    two forms to different lemmas (it has "ruling" -> "rule" but "rulings" -> "ruling")."""
    from ..index import analysis

    words = phrase.split(" ")
    out: list[str] = []
    if len(words) < 2:  # single words are listed deliberately ("rulings" must not become "rule")
        return out
    for i, w in enumerate(words):
        low = w.lower()
        if len(low) < 3 or not low.isalpha():
            continue
        if low.endswith("ies"):
            forms = [low[:-3] + "y"]
        elif low.endswith("s") and not low.endswith("ss"):
            forms = [low[:-1], low[:-2]] if low.endswith("es") else [low[:-1]]
        elif low.endswith(("x", "ch", "sh", "z")):
            forms = [low + "es"]
        elif low.endswith("y") and low[-2] not in "aeiou":
            forms = [low[:-1] + "ies"]
        else:
            forms = [low + "s"]
        base = analysis.lemma(low)
        for f in forms:
            lf = analysis.lemma(f)
            if lf != f and lf != base:  # a known form whose lemma differs
                out.append(" ".join(words[:i] + [f] + words[i + 1 :]))
    return out


def _canonical_title(lemmas: str) -> str:
    """Normal form of a title's lemmas for title look-ups: footnote digits, variants and dashes folded."""
    words = []
    for w in lemmas.split():
        w = w.rstrip("0123456789").strip("-–—'\"‘’“”()[]")
        if w and not w.isdigit():
            words.append(w)
    s = f" {' '.join(words)} "
    for a, b in _WORD_VARIANTS.items():
        s = s.replace(f" {b} ", f" {a} ")
    s = _IZE.sub(lambda m: m.group(1) + "iz" + m.group(3), s)
    return " ".join(s.split())


class _Compiled:
    """The taxonomy as lookup tables: phrase table keyed by anchor word, per-topic rules and titles."""

    def __init__(self, topics: Sequence[Topic]) -> None:
        from ..index import analysis

        phrases: set[str] = set()
        texts: set[str] = set()
        for t in topics:
            phrases.update(p for p, _ in t.phrases)
            phrases.update(p for p, _ in t.negative)
            phrases.update(p for group in t.requires for p in group)
            texts.update(t.titles + t.context_titles + t.context_chapters + t.context_chapters_except)
        inflected = {p: _inflections(p) for p in phrases}
        distinct = sorted(texts | phrases | {f for fs in inflected.values() for f in fs})
        lemmas = dict(zip(distinct, (a.lemmas for a in analysis.analyze(distinct, workers=1)), strict=True))
        forms = {p: {lemmas[p], *(lemmas[f] for f in inflected[p])} for p in phrases}

        self.topics = tuple(topics)
        self.keys: list[str] = []  # " phrase lemmas " per phrase id
        self.words: list[frozenset[str]] = []
        ids: dict[str, int] = {}

        def phrase_ids(phrase: str) -> list[int]:
            out = []
            for v in sorted(set().union(*(_variants(f) for f in forms[phrase]))):
                if v not in ids:
                    ids[v] = len(self.keys)
                    self.keys.append(f" {v} ")
                    self.words.append(frozenset(v.split()))
                out.append(ids[v])
            return out

        # phrase id -> (topic, weight, ids of the topic's longer phrases that contain this one): an
        # occurrence inside a longer phrase of the same topic is evidence only once.
        positive: dict[int, list[tuple[int, float, tuple[int, ...]]]] = {}
        self.negative: list[tuple[tuple[int, float], ...]] = []
        self.requires: list[tuple[frozenset[int], ...]] = []
        for ti, t in enumerate(topics):
            best: dict[int, float] = {}  # phrases that lemmatise alike count once, at the higher weight
            for phrase, w in t.phrases:
                for pid in phrase_ids(phrase):
                    best[pid] = max(w, best.get(pid, 0.0))
            own = list(best.items())
            for pid, w in own:
                supers = tuple(q for q, wq in own if q != pid and wq >= w and self.keys[pid] in self.keys[q])
                positive.setdefault(pid, []).append((ti, w, supers))
            worst: dict[int, float] = {}
            for phrase, w in t.negative:
                for pid in phrase_ids(phrase):
                    worst[pid] = max(w, worst.get(pid, 0.0))
            self.negative.append(tuple(worst.items()))
            self.requires.append(
                tuple(frozenset(pid for p in group for pid in phrase_ids(p)) for group in t.requires)
            )
        self.positive = {pid: tuple(v) for pid, v in positive.items()}
        # Anchor each phrase on its longest word (longer words are rarer): a text is only checked for
        # the phrases whose anchor it contains, and a phrase is only counted when its other words occur.
        by_anchor: dict[str, list[tuple[int, str, frozenset[str]]]] = {}
        for pid, words in enumerate(self.words):
            anchor = max(sorted(words), key=len)
            by_anchor.setdefault(anchor, []).append((pid, self.keys[pid], words - {anchor}))
        self.by_anchor = {a: tuple(v) for a, v in by_anchor.items()}
        self.anchors = frozenset(self.by_anchor)

        self.titles: dict[str, list[tuple[int, tuple[str, ...]]]] = {}  # canonical title -> (topic, chapters)
        for ti, t in enumerate(topics):
            chapters = tuple(_canonical_title(lemmas[c]) for c in t.context_chapters)
            for title in t.titles:
                self.titles.setdefault(_canonical_title(lemmas[title]), []).append((ti, ()))
            for title in t.context_titles:
                self.titles.setdefault(_canonical_title(lemmas[title]), []).append((ti, chapters))
        self.title_keys = list(self.titles)
        #: per topic: chapter words under which its context titles do not name it ("Cooperation" in "Customs Duties")
        self.chapters_except = [tuple(_canonical_title(lemmas[c]) for c in t.context_chapters_except) for t in topics]
        self._seen_titles: dict[str, list[tuple[int, tuple[str, ...]]]] = {}
        self._seen_chapters: dict[str, frozenset[int]] = {}

    def counts(self, lemmas: str) -> dict[int, int]:
        """Phrase id -> number of occurrences in a lemma string."""
        if not lemmas:
            return {}
        toks = set(lemmas.split())
        padded = f" {lemmas} "
        out: dict[int, int] = {}
        by_anchor = self.by_anchor
        for anchor in self.anchors.intersection(toks):
            for pid, key, rest in by_anchor[anchor]:
                if rest <= toks:
                    n = padded.count(key)
                    if n:
                        out[pid] = n
        return out

    def context(self, chapter_lemmas: str) -> frozenset[int]:
        """Phrase ids present in a chapter title (cached: a chapter title repeats for all its articles)."""
        found = self._seen_chapters.get(chapter_lemmas)
        if found is None:
            found = frozenset(self.counts(chapter_lemmas))
            if len(self._seen_chapters) < 200_000:
                self._seen_chapters[chapter_lemmas] = found
        return found

    def title_matches(self, title_lemmas: str) -> list[tuple[int, tuple[str, ...]]]:
        """Topics a title names, each with the chapter words it needs (empty: names it anywhere)."""
        if not title_lemmas:
            return []
        found = self._seen_titles.get(title_lemmas)
        if found is None:
            canonical = _canonical_title(title_lemmas)
            found = self.titles.get(canonical)
            if found is None:
                found = []
                if len(canonical) >= 8:
                    from rapidfuzz import fuzz, process

                    best = process.extractOne(canonical, self.title_keys, scorer=fuzz.ratio, score_cutoff=92)
                    found = self.titles[best[0]] if best else []
            if len(self._seen_titles) < 200_000:  # bounded memory for endless streams of titles
                self._seen_titles[title_lemmas] = found
        return found


def _key_sources() -> list[bytes]:
    """Everything the compiled tables depend on: the taxonomy, this module (table layout and
    compilation) and the lemmatiser that turned the phrases into lemmas (``analysis.py``: its
    overrides and tokenizer)."""
    from ..index import analysis

    here = Path(__file__)
    return [resources.files("ftadraft.tags").joinpath("taxonomy.toml").read_bytes(), here.read_bytes(),
            Path(analysis.__file__).read_bytes()]


def _cache_key(sources: Sequence[bytes], versions: str) -> str:
    """Content hash of the sources and the spaCy / lookup-table versions: editing any of them makes a
    new key, so a stale pickle is never loaded."""
    import hashlib

    h = hashlib.sha256()
    for src in sources:
        h.update(len(src).to_bytes(8, "big") + src)
    h.update(versions.encode())
    return h.hexdigest()[:16]


@lru_cache(maxsize=1)
def _compiled() -> _Compiled:
    """The compiled tables, from a per-user cache when possible: compiling needs spaCy's lemmatiser
    (about a second cold), which a one-shot search should not pay."""
    import pickle
    from importlib import metadata

    def version(dist: str) -> str:
        try:
            return metadata.version(dist)
        except metadata.PackageNotFoundError:
            return "?"

    key = _cache_key(_key_sources(), "|".join(version(d) for d in ("spacy", "spacy-lookups-data")))
    try:
        from platformdirs import user_cache_dir

        path = Path(user_cache_dir("ftadraft", appauthor=False)) / f"topics-{key}.pickle"
    except Exception:  # noqa: BLE001  # pragma: no cover - no usable cache folder: compile without caching
        return _Compiled(taxonomy())
    try:
        with path.open("rb") as fh:
            cached = pickle.load(fh)  # our own file, written below (keyed by content hash)
        if isinstance(cached, _Compiled):
            return cached
    except (OSError, pickle.PickleError, EOFError, AttributeError, ImportError):
        pass
    compiled = _Compiled(taxonomy())
    try:
        from ..atomic import write_bytes

        path.parent.mkdir(parents=True, exist_ok=True)
        write_bytes(path, pickle.dumps(compiled, protocol=pickle.HIGHEST_PROTOCOL), private=True)
    except OSError:
        pass  # a read-only home: compile each time
    return compiled


# -- tagging -------------------------------------------------------------------------------------------
def _damped(n: int) -> float:
    return 1.0 + math.log(n) if n > 1 else 1.0


def tag_lemmas(lemmas: str, title_lemmas: str = "", chapter_lemmas: str = "") -> list[TopicScore]:
    """Topics of a provision from its lemma strings (as the index stores them), best first.

    A topic needs evidence in the text: its phrases (an opening mention counts extra), minus its
    negative phrases, must be positive, and each of its required groups must be present in the text,
    title or chapter title. The chapter title is context only: it can satisfy a requirement ("penalties
    for violations of this Chapter" in a customs chapter) but never adds evidence. A title naming the
    topic, or title phrases, add a bounded bonus. Unrelated texts get an empty list.
    """
    c = _compiled()
    counts = c.counts(lemmas)
    if not counts:
        return []
    keys = c.keys
    lead = f" {lemmas[:LEAD_CHARS].rsplit(' ', 1)[0]} " if len(lemmas) > LEAD_CHARS else f" {lemmas} "
    raw: dict[int, float] = {}  # topic -> evidence in the text
    opening: dict[int, float] = {}  # topic -> extra for strong phrases in the opening
    for pid, n in counts.items():
        hits = c.positive.get(pid)
        if not hits:
            continue
        in_lead = keys[pid] in lead
        for ti, w, supers in hits:
            eff, lead_here = n, in_lead
            if supers:
                eff -= max(counts.get(q, 0) for q in supers)
                if eff <= 0:
                    continue
                lead_here = in_lead and not any(q in counts and keys[q] in lead for q in supers)
            raw[ti] = raw.get(ti, 0.0) + w * _damped(eff)
            if lead_here and w >= LEAD_MIN_WEIGHT:
                opening[ti] = opening.get(ti, 0.0) + LEAD_FACTOR * w
    if not raw:
        return []
    title_counts = c.counts(title_lemmas) if title_lemmas else {}
    named = {ti: bool(ch) for ti, ch in c.title_matches(title_lemmas)} if title_lemmas else {}
    present = counts.keys() | title_counts.keys()
    if chapter_lemmas:
        present |= c.context(chapter_lemmas)
    scored: list[tuple[float, int]] = []
    for ti, r in raw.items():
        if any(not (group & present) for group in c.requires[ti]):
            continue
        for pid, w in c.negative[ti]:
            if pid in counts:
                r -= w * _damped(counts[pid])
        if r <= 0:
            continue
        if title_lemmas:
            bonus = TITLE_PHRASE_FACTOR * sum(
                w for pid in title_counts for t2, w, _ in c.positive.get(pid, ()) if t2 == ti
            )
            if ti in named:
                bonus = max(bonus, CONTEXT_TITLE_BONUS if named[ti] else TITLE_BONUS)
            r += min(bonus, TITLE_BONUS)
        if r < MIN_EVIDENCE:
            continue
        scored.append((1.0 - math.exp(-(r + opening.get(ti, 0.0)) / SCALE), ti))
    if not scored:
        return []
    scored.sort(key=lambda s: (-s[0], s[1]))
    floor = max(MIN_SCORE, MIN_RELATIVE * scored[0][0])
    return [TopicScore(c.topics[ti].id, round(s, 4)) for s, ti in scored if s >= floor]


def tag(
    text: str, title: str | None = None, lemmas: str | None = None, *, chapter: str | None = None
) -> list[TopicScore]:
    """Topics of a text (optional title and chapter title as context), best first; lemmatises unless
    ``lemmas`` is given."""
    from ..index import analysis

    if lemmas is None:
        lemmas = analysis.lemmatize(text) if text.strip() else ""
    title_lemmas = analysis.lemmatize(title) if title and title.strip() else ""
    chapter_lemmas = analysis.lemmatize(chapter) if chapter and chapter.strip() else ""
    return tag_lemmas(lemmas, title_lemmas, chapter_lemmas)


def title_topics(title_lemmas: str, chapter_lemmas: str | None = None) -> tuple[str, ...]:
    """Ids of the topics an article title names (lemma strings, as the index stores them).

    Titles listed under a topic's ``titles`` name it anywhere; ``context_titles`` (e.g.
    "Confidentiality") only when ``chapter_lemmas`` contains one of the topic's chapter words and none of
    its ``context_chapters_except`` words.
    """
    c = _compiled()
    chapter = f" {_canonical_title(chapter_lemmas)} " if chapter_lemmas else None
    out: list[str] = []
    for ti, chapters in c.title_matches(title_lemmas):
        applies = not chapters or (chapter is not None and any(f" {w} " in chapter for w in chapters)
                                   and not any(f" {w} " in chapter for w in c.chapters_except[ti]))
        if applies and c.topics[ti].id not in out:
            out.append(c.topics[ti].id)
    return tuple(out)


def areas() -> dict[str, str]:
    """Area slug -> display name, in taxonomy order."""
    return {slug: str(a.get("name", slug)) for slug, a in _load_toml().get("areas", {}).items()}


def ids(area: str | None = None) -> list[str]:
    """All topic ids, or those of one area."""
    return [t.id for t in taxonomy() if area is None or t.area == area]
