"""Topic tagging: the shipped taxonomy of customs, IP-enforcement and digital-trade topics, and a fast
tagger over lemma strings.

The taxonomy (``taxonomy.toml``, package data) defines each topic in our own words, with typical
article titles and matching rules: weighted lemma phrases, required co-occurrences and negative
phrases. The rules are lemmatised once, exactly as the index lemmatises text, and compiled into a
phrase table keyed by one word of each phrase; tagging a provision is then a set intersection plus a
few substring counts over its lemma string, which keeps whole-corpus tagging at index time within
seconds. The text decides: many articles (and most drafts) have no title, so the title only adds a
bounded bonus to topics the text already supports, and the chapter title only serves as context.
Phrase tables exist for English, Spanish and French (each lemmatised with that language's
lookup table); texts in other languages get no topics.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, fields
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

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


#: Languages with their own phrase tables: English rules are the topic's top-level keys, the others sit
#: in a ``[topic.es]`` / ``[topic.fr]`` table (and ``[areas.X.es]`` for area rules).
LANGUAGES = ("en", "es", "fr")


@dataclass(frozen=True)
class Rules:
    """A topic's matching rules in one language (area rules merged in)."""

    titles: tuple[str, ...] = ()
    context_titles: tuple[str, ...] = ()
    context_chapters: tuple[str, ...] = ()
    context_chapters_except: tuple[str, ...] = ()
    phrases: tuple[tuple[str, float], ...] = ()
    requires: tuple[tuple[str, ...], ...] = ()
    negative: tuple[tuple[str, float], ...] = ()
    #: chapter words under which the text never decides the topic (only a title naming it does)
    exclude_chapters: tuple[str, ...] = ()
    #: article-title words likewise ("Committee", "Scope": institutional or framing articles)
    exclude_titles: tuple[str, ...] = ()


@dataclass(frozen=True)
class Topic:
    """One taxonomy topic: what it is, and its matching rules per language (area rules merged in; see
    :meth:`rules`). Every topic has English rules; Spanish and French ones where the taxonomy gives them."""

    id: str
    area: str
    name: str
    definition: str
    #: (language, rules) pairs, English first
    languages: tuple[tuple[str, Rules], ...]
    #: topics whose articles may also carry this one (e.g. enquiry points inside a "Publication" article);
    #: an article whose title names another topic gets this one only if that topic is listed here
    alongside: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.languages or self.languages[0][0] != "en":
            raise ValueError(f"topic {self.id}: English rules must come first")

    def rules(self, lang: str = "en") -> Rules | None:
        """The matching rules for texts in ``lang`` (None: the topic has none in that language)."""
        return next((r for code, r in self.languages if code == lang), None)

    @property
    def titles(self) -> tuple[str, ...]:
        """The English article titles that name the topic anywhere (shown as its typical titles)."""
        return self.languages[0][1].titles


@dataclass(frozen=True)
class TopicScore:
    """A topic assigned to a text, with a score in [0, 1] (higher: more clearly about the topic)."""

    id: str
    score: float


# -- taxonomy ------------------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def _load_toml() -> dict[str, Any]:
    import tomllib

    return tomllib.loads(resources.files("ftadraft.tags").joinpath("taxonomy.toml").read_text(encoding="utf-8"))


def _weights(table: Mapping[str, Any], where: str) -> tuple[tuple[str, float], ...]:
    out = []
    for phrase, w in table.items():
        if not isinstance(w, (int, float)) or isinstance(w, bool) or w <= 0:
            raise FtadraftError(f"taxonomy.toml: {where}: weight of {phrase!r} must be a positive number")
        out.append((phrase, float(w)))
    return tuple(out)


def _rules(raw: Mapping[str, Any], area: Mapping[str, Any], where: str) -> Rules:
    """One language's rules of a topic (``raw``) with its area's (``area``) merged in."""
    if bool(raw.get("context_titles")) != bool(raw.get("context_chapters")):
        raise FtadraftError(f"taxonomy.toml: {where}: context_titles need context_chapters and vice versa")
    if raw.get("context_chapters_except") and not raw.get("context_chapters"):
        raise FtadraftError(f"taxonomy.toml: {where}: context_chapters_except needs context_chapters")
    requires = raw["requires"] if "requires" in raw else area.get("requires", [])
    exclude = raw["exclude_chapters"] if "exclude_chapters" in raw else area.get("exclude_chapters", [])
    exclude_titles = raw["exclude_titles"] if "exclude_titles" in raw else area.get("exclude_titles", [])
    return Rules(
        titles=tuple(raw.get("titles", ())),
        context_titles=tuple(raw.get("context_titles", ())),
        context_chapters=tuple(raw.get("context_chapters", ())),
        context_chapters_except=tuple(raw.get("context_chapters_except", ())),
        phrases=_weights(raw.get("phrases", {}), where),
        requires=tuple(tuple(group) for group in requires),
        negative=_weights({**area.get("negative", {}), **raw.get("negative", {})}, where),
        exclude_chapters=tuple(exclude),
        exclude_titles=tuple(exclude_titles),
    )


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
        seen.add(tid)
        area = areas[raw["area"]]
        languages = (("en", _rules(raw, area, where)),
                     *((lang, _rules(raw[lang], area.get(lang, {}), f"{where} [{lang}]"))
                       for lang in LANGUAGES[1:] if lang in raw))
        topics.append(
            Topic(
                id=tid,
                area=raw["area"],
                name=raw["name"],
                definition=" ".join(raw["definition"].split()),
                languages=languages,
                alongside=tuple(raw.get("alongside", ())),
            )
        )
    for t in topics:
        unknown = [a for a in t.alongside if a not in seen]
        if unknown:
            raise FtadraftError(f"taxonomy.toml: topic {t.id}: alongside names unknown topics {', '.join(unknown)}")
    return tuple(topics)


def get(topic_id: str) -> Topic:
    """The topic with this id; an unknown id raises an error that lists the closest ids."""
    for t in _topics():
        if t.id == topic_id:
            return t
    raise ReferenceNotFound(topic_id, "unknown topic", suggest(topic_id))


def suggest(topic_id: str, limit: int = 3) -> list[str]:
    """Topic ids close to ``topic_id`` (same last segment first, then by fuzzy similarity)."""
    from ..suggest import close_matches

    ids = [t.id for t in _topics()]
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


def _inflections_romance(phrase: str) -> list[str]:
    """Spanish and French phrases in the other number: every word of four letters or more switched between
    singular and plural together ("datos personales" / "dato personal"), and each word alone; the lookup
    lemma tables map many, but not all, plural forms to their singular."""
    words = phrase.split(" ")
    long_words = [i for i, w in enumerate(words) if len(w) >= 4 and w.isalpha()]
    if not long_words:
        return []

    def other(w: str) -> str:
        if w.endswith("es") and len(w) > 5:
            return w[:-2]
        if w.endswith(("s", "x")):
            return w[:-1]
        return w + ("es" if w[-1] not in "aeiouéè" else "s")

    out = [" ".join(other(w) if i in long_words else w for i, w in enumerate(words))]
    if len(long_words) > 1:
        out += [" ".join(other(w) if i == j else w for i, w in enumerate(words)) for j in long_words]
    return out


#: Text that may hold cross-references ("Article 14.11 (Cross-Border Transfer of Information by Electronic
#: Means)" -> "article 14.11 cross-border transfer ..."): a numbered provision ("14.11", "5.07") or an article
#: or chapter word followed by its number.
_XREF_GATES = (".", " article", " chapter ", " artículo", " capítulo ", " chapitre ")
_XREF_NUMBER = re.compile(r"\d+(?:[.\-]\d+)+[a-z]?")
_XREF_WORDS = frozenset({"article", "articles", "chapter", "artículo", "artículos", "capítulo", "chapitre"})
#: A phrase up to this many words after a reference is still its title ("14.13 location of computing facility").
XREF_TITLE_WORDS = 3
_XREF_CLAUSE = frozenset({"shall", "may", "must", "will", "party", "parties", "each", "the", "a", "an", "this", "that",
                          "deberá", "podrá", "cada", "parte", "doit", "peut", "chaque"})
#: Phrases of at least this weight (they name a topic, as article titles do) are checked for cross-references.
XREF_MIN_WEIGHT = 2.0


def _cross_references(padded: str, key: str) -> int:
    """Occurrences of ``key`` in ``padded`` right after a numbered reference ("14.11", "Article 5"): the title
    of a cross-referenced article or chapter names another provision, not this one."""
    n, pos = 0, padded.find(key)
    while pos >= 0:
        before = padded[max(0, pos - 60):pos].split()[-XREF_TITLE_WORDS - 1:]
        for i in range(len(before) - 1, -1, -1):
            if before[i] in _XREF_CLAUSE:  # "Article 5, each Party shall ...": a sentence, not a title
                break
            if _XREF_NUMBER.fullmatch(before[i]) or (i and before[i - 1] in _XREF_WORDS and before[i][:1].isdigit()):
                n += 1
                break
        pos = padded.find(key, pos + 1)
    return n


_GRAVE = str.maketrans("áéíóú", "àèìòù")
_PLAIN = str.maketrans("áéíóúàèìòù", "aeiouaeiou")


def _accent_variants(text: str, lang: str) -> tuple[str, ...]:
    """A Spanish or French lemma string as printed and with grave accents for acute ones ("informaciòn": the
    Spanish TPP text in ToTA prints ò for ó), whole or only for ó; English is returned as is. Distinct and in
    a fixed order (the text first): compiled tables must not depend on ``PYTHONHASHSEED`` (the fuzzy title
    match takes the first of equally close titles)."""
    if lang == "en" or not any(ch in text for ch in "áéíóú"):
        return (text,)
    return tuple(dict.fromkeys((text, text.translate(_GRAVE), text.replace("ó", "ò"))))


@dataclass(frozen=True, slots=True)
class _LanguageTables:
    """One language's compiled rules (topics by index in the taxonomy, phrases by id in ``_Compiled.keys``)."""

    #: phrase id -> (topic, weight, ids of the topic's longer phrases that contain this one)
    positive: dict[int, tuple[tuple[int, float, tuple[int, ...]], ...]]
    #: phrases of some topic with weight >= XREF_MIN_WEIGHT (checked for cross-references)
    strong: frozenset[int]
    #: per topic: (phrase id, weight) subtracted per occurrence
    negative: tuple[tuple[tuple[int, float], ...], ...]
    #: per topic: groups of phrase ids; text, title or chapter must contain one of each group
    requires: tuple[tuple[frozenset[int], ...], ...]
    #: anchor word -> (phrase id, " phrase ", its other words)
    by_anchor: dict[str, tuple[tuple[int, str, frozenset[str]], ...]]
    anchors: frozenset[str]
    #: canonical title -> (topic, chapter words it needs; empty: anywhere)
    titles: dict[str, list[tuple[int, tuple[str, ...]]]]
    title_keys: list[str]
    #: per topic: chapter words under which its context titles do not name it ("Cooperation" in "Customs Duties")
    chapters_except: tuple[tuple[str, ...], ...]
    #: per topic: chapter words under which its text alone does not decide it
    exclude: tuple[tuple[str, ...], ...]
    #: per topic: article-title words likewise
    exclude_titles: tuple[tuple[str, ...], ...]


_TABLE_FIELDS = frozenset(f.name for f in fields(_LanguageTables))


class _Compiled:
    """The taxonomy as lookup tables, per language: a phrase table keyed by anchor word, per-topic rules
    and titles. Phrase ids are shared by all languages (``keys``/``words``), each language has its own."""

    def __init__(self, topics: Sequence[Topic]) -> None:
        self.topics = tuple(topics)
        self.ids = tuple(t.id for t in self.topics)
        self.keys: list[str] = []  # " phrase lemmas " per phrase id
        self.words: list[frozenset[str]] = []
        index = {t.id: i for i, t in enumerate(self.topics)}
        #: per topic: the topics named by a title under which it may still be tagged
        self.alongside = tuple(frozenset(index[a] for a in t.alongside) for t in self.topics)
        langs: dict[str, _LanguageTables] = {}
        for lang in LANGUAGES:
            rules = [t.rules(lang) for t in self.topics]
            if any(r is not None for r in rules):
                langs[lang] = self._tables(lang, rules)
        self.langs: Mapping[str, _LanguageTables] = langs
        self._seen_titles: dict[str, list[tuple[int, tuple[str, ...]]]] = {}
        self._seen_chapters: dict[str, frozenset[int]] = {}

    def __getattr__(self, name: str) -> Any:
        # Loaded from the cache, the tables come without what tagging does not need, made when asked for.
        if name == "topics":
            self.topics = _topics()
            return self.topics
        if name == "words":
            self.words = [frozenset(k.split()) for k in self.keys]
            return self.words
        raise AttributeError(name)

    def _tables(self, lang: str, rules: Sequence[Rules | None]) -> _LanguageTables:
        from ..index import analysis

        phrases: set[str] = set()
        texts: set[str] = set()
        for r in rules:
            if r is None:
                continue
            phrases.update(p for p, _ in r.phrases)
            phrases.update(p for p, _ in r.negative)
            phrases.update(p for group in r.requires for p in group)
            texts.update(r.titles + r.context_titles + r.context_chapters + r.context_chapters_except
                         + r.exclude_chapters + r.exclude_titles)
        inflect = _inflections if lang == "en" else _inflections_romance
        inflected = {p: inflect(p) for p in phrases}
        for p, fs in inflected.items():  # accent variants before lemmatising too: an unknown "informaciòn" stays as is
            fs.extend(v for f in (p, *fs) for v in _accent_variants(f, lang) if v != f)
        distinct = sorted(texts | phrases | {f for fs in inflected.values() for f in fs})
        lemmas = dict(zip(distinct, (a.lemmas for a in analysis.analyze(distinct, lang, workers=1)), strict=True))
        forms = {p: {v for f in (p, *inflected[p]) for v in _accent_variants(lemmas[f], lang)} for p in phrases}
        ids: dict[str, int] = {}  # this language's phrase lemmas -> phrase id
        first = len(self.keys)

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
        negative: list[tuple[tuple[int, float], ...]] = []
        requires: list[tuple[frozenset[int], ...]] = []
        for ti, r in enumerate(rules):
            if r is None:
                negative.append(())
                requires.append(())
                continue
            best: dict[int, float] = {}  # phrases that lemmatise alike count once, at the higher weight
            for phrase, w in r.phrases:
                for pid in phrase_ids(phrase):
                    best[pid] = max(w, best.get(pid, 0.0))
            own = list(best.items())
            for pid, w in own:
                supers = tuple(q for q, wq in own if q != pid and wq >= w and self.keys[pid] in self.keys[q])
                positive.setdefault(pid, []).append((ti, w, supers))
            worst: dict[int, float] = {}
            for phrase, w in r.negative:
                for pid in phrase_ids(phrase):
                    worst[pid] = max(w, worst.get(pid, 0.0))
            negative.append(tuple(worst.items()))
            requires.append(tuple(frozenset(pid for p in group for pid in phrase_ids(p)) for group in r.requires))
        # Anchor each phrase on its longest word (longer words are rarer): a text is only checked for
        # the phrases whose anchor it contains, and a phrase is only counted when its other words occur.
        by_anchor: dict[str, list[tuple[int, str, frozenset[str]]]] = {}
        for pid in range(first, len(self.keys)):
            words = self.words[pid]
            anchor = max(sorted(words), key=len)
            by_anchor.setdefault(anchor, []).append((pid, self.keys[pid], words - {anchor}))

        titles: dict[str, list[tuple[int, tuple[str, ...]]]] = {}  # canonical title -> (topic, chapters)
        for ti, r in enumerate(rules):
            if r is None:
                continue
            chapters = tuple(_canonical_title(lemmas[c]) for c in r.context_chapters)
            for title in r.titles:
                for form in _accent_variants(_canonical_title(lemmas[title]), lang):
                    titles.setdefault(form, []).append((ti, ()))
            for title in r.context_titles:
                for form in _accent_variants(_canonical_title(lemmas[title]), lang):
                    titles.setdefault(form, []).append((ti, chapters))

        def words_of(texts: Sequence[str]) -> tuple[str, ...]:
            """Chapter or title words as lemmas, and (Spanish, French) also without accents: ToTA prints some
            chapter titles without them ("Medidas Relativas a la Normalizacion")."""
            out = (_canonical_title(lemmas[c]) for c in texts)
            return tuple(dict.fromkeys(v for c in out for v in (c, c.translate(_PLAIN) if lang != "en" else c)))

        return _LanguageTables(
            positive={pid: tuple(v) for pid, v in positive.items()},
            strong=frozenset(pid for pid, v in positive.items() if max(w for _, w, _ in v) >= XREF_MIN_WEIGHT),
            negative=tuple(negative),
            requires=tuple(requires),
            by_anchor={a: tuple(v) for a, v in by_anchor.items()},
            anchors=frozenset(by_anchor),
            titles=titles,
            title_keys=list(titles),
            chapters_except=tuple(words_of(r.context_chapters_except) if r else () for r in rules),
            exclude=tuple(words_of(r.exclude_chapters) if r else () for r in rules),
            exclude_titles=tuple(words_of(r.exclude_titles) if r else () for r in rules),
        )

    def counts(self, lemmas: str, lang: str = "en") -> dict[int, int]:
        """Phrase id -> number of occurrences in a lemma string (phrases of ``lang``)."""
        tables = self.langs.get(lang)
        if not lemmas or tables is None:
            return {}
        toks = set(lemmas.split())
        padded = f" {lemmas} "
        # a strong phrase right after a cross-reference ("Article 14.11 (Cross-Border Transfer of Information
        # ...)") is another provision's title, not evidence about this one
        refs: bool | None = None  # does the text hold references at all (looked at once, when needed)
        strong = tables.strong
        out: dict[int, int] = {}
        by_anchor = tables.by_anchor
        for anchor in tables.anchors.intersection(toks):
            for pid, key, rest in by_anchor[anchor]:
                if rest <= toks:
                    n = padded.count(key)
                    if n and pid in strong:
                        if refs is None:
                            refs = any(g in padded for g in _XREF_GATES)
                        if refs:
                            n -= _cross_references(padded, key)
                    if n:
                        out[pid] = n
        return out

    def context(self, chapter_lemmas: str, lang: str = "en") -> frozenset[int]:
        """Phrase ids present in a chapter title (cached: a chapter title repeats for all its articles)."""
        cache_key = f"{lang}\x1f{chapter_lemmas}"
        found = self._seen_chapters.get(cache_key)
        if found is None:
            found = frozenset(self.counts(chapter_lemmas, lang))
            if len(self._seen_chapters) < 200_000:
                self._seen_chapters[cache_key] = found
        return found

    def title_matches(self, title_lemmas: str, lang: str = "en") -> list[tuple[int, tuple[str, ...]]]:
        """Topics a title names, each with the chapter words it needs (empty: names it anywhere)."""
        tables = self.langs.get(lang)
        if not title_lemmas or tables is None:
            return []
        cache_key = f"{lang}\x1f{title_lemmas}"
        found = self._seen_titles.get(cache_key)
        if found is None:
            canonical = _canonical_title(title_lemmas)
            found = tables.titles.get(canonical)
            if found is None:
                found = []
                if len(canonical) >= 8:
                    from rapidfuzz import fuzz, process

                    best = process.extractOne(canonical, tables.title_keys, scorer=fuzz.ratio, score_cutoff=92)
                    found = tables.titles[best[0]] if best else []
            if len(self._seen_titles) < 200_000:  # bounded memory for endless streams of titles
                self._seen_titles[cache_key] = found
        return found

    def excluded(self, chapter_lemmas: str, lang: str = "en",
                 table: Literal["exclude", "exclude_titles"] = "exclude") -> frozenset[int]:
        """Topics whose ``exclude_chapters`` words this chapter title contains (``table="exclude_titles"``: whose
        ``exclude_titles`` words this article title contains); cached per title."""
        cache_key = f"{table}{lang}\x1f{chapter_lemmas}"
        found = self._seen_chapters.get(cache_key)
        if found is None:
            tables = self.langs.get(lang)
            chapter = f" {_canonical_title(chapter_lemmas)} "
            if lang != "en":  # accents printed or not, acute or grave: compare both ways
                chapter += chapter.translate(_PLAIN)
            per_topic = () if tables is None else tables.exclude if table == "exclude" else tables.exclude_titles
            found = frozenset(ti for ti, words in enumerate(per_topic)
                              if any(f" {w} " in chapter for w in words))
            if len(self._seen_chapters) < 200_000:
                self._seen_chapters[cache_key] = found
        return found

    def named(self, title_lemmas: str, chapter_lemmas: str, lang: str = "en") -> list[int]:
        """The topics a title names where it stands: its ``titles`` anywhere, its ``context_titles`` only in
        a chapter with one of the topic's chapter words and none of its excepted ones."""
        tables = self.langs.get(lang)
        if not title_lemmas or tables is None:
            return []
        chapter = f" {_canonical_title(chapter_lemmas)} " if chapter_lemmas else None
        out: list[int] = []
        for ti, chapters in self.title_matches(title_lemmas, lang):
            applies = not chapters or (chapter is not None and any(f" {w} " in chapter for w in chapters)
                                       and not any(f" {w} " in chapter for w in tables.chapters_except[ti]))
            if applies and ti not in out:
                out.append(ti)
        return out


def _key_sources() -> list[bytes]:
    """Everything the compiled tables depend on: the taxonomy, this module (table layout and
    compilation) and the lemmatiser that turned the phrases into lemmas (``analysis.py``: its
    overrides and tokenizer). Read as files: importing the lemmatiser is not needed to name the cache."""
    here = Path(__file__)
    try:  # next to this module in any ordinary install (no resource reader to load)
        taxonomy_bytes = here.with_name("taxonomy.toml").read_bytes()
    except OSError:  # pragma: no cover - a zipped package
        taxonomy_bytes = resources.files("ftadraft.tags").joinpath("taxonomy.toml").read_bytes()
    return [taxonomy_bytes, here.read_bytes(), (here.parent.parent / "index" / "analysis.py").read_bytes()]


def _cache_key(sources: Sequence[bytes], versions: str) -> str:
    """Content hash of the sources and the spaCy / lookup-table versions: editing any of them makes a
    new key, so a stale cache is never loaded."""
    import hashlib

    h = hashlib.sha256()
    for src in sources:
        h.update(len(src).to_bytes(8, "big") + src)
    h.update(versions.encode())
    return h.hexdigest()[:16]


@lru_cache(maxsize=1)
def _cache_file() -> tuple[Path | None, str]:
    """Where the compiled tables of this taxonomy, code, lemmatiser and spaCy version are cached (None: no
    usable cache folder), and their key."""
    key = _cache_key(_key_sources(), "|".join(_dist_version(d) for d in ("spacy", "spacy-lookups-data")))
    try:
        from platformdirs import user_cache_dir

        return Path(user_cache_dir("ftadraft", appauthor=False)) / f"topics-{key}.json", key
    except Exception:  # noqa: BLE001  # pragma: no cover - no usable cache folder: compile without caching
        return None, key


def _dist_version(dist: str) -> str:
    """The installed version of ``dist`` as its first ``*.dist-info`` (or ``.egg-info``) folder on
    ``sys.path`` names it (what ``importlib.metadata.version`` finds, without importing it); "?" if none."""
    import os
    import sys

    prefix = dist.replace("-", "_").lower() + "-"
    for entry in sys.path:
        try:
            names = sorted(n for n in os.listdir(entry or ".") if n.lower().startswith(prefix))
        except OSError:
            continue
        for n in names:
            for suffix in (".dist-info", ".egg-info"):
                if n.endswith(suffix):
                    return n[len(prefix):-len(suffix)]
    return "?"


@lru_cache(maxsize=1)
def _cache_doc() -> dict[str, Any] | None:
    """The checked top level of the cache file (see :func:`_load_cache`), or None."""
    path, key = _cache_file()
    return None if path is None else _load_doc(path, key)


@lru_cache(maxsize=1)
def _topics() -> tuple[Topic, ...]:
    """:func:`taxonomy`, from a fresh topics cache when there is one (the same topics: the cache is keyed by
    the taxonomy's bytes and this module's code), so a one-shot command does not parse ``taxonomy.toml``."""
    doc = _cache_doc()
    if doc is not None:
        try:
            return _topics_of_flat(doc["topics"])
        except (ValueError, TypeError, KeyError, IndexError, RecursionError):
            pass
    return taxonomy()


@lru_cache(maxsize=1)
def _compiled() -> _Compiled:
    """The compiled tables, from a per-user cache when possible: compiling needs spaCy's lemmatiser
    (about a second cold), which a one-shot search should not pay. A fresh cache holds everything
    tagging needs (topic ids, phrase tables, the topics themselves), so neither ``taxonomy.toml`` is parsed
    nor a language's tables decoded before they are used. The cache is data only (JSON, see
    :func:`_load_cache`): a damaged, foreign or planted file is ignored and compiled again."""
    path, key = _cache_file()
    if path is None:  # pragma: no cover - no usable cache folder
        return _Compiled(taxonomy())
    doc = _cache_doc()
    if doc is not None:
        return _compiled_of_doc(doc)
    compiled = _Compiled(taxonomy())
    _save_cache(path, key, compiled)
    return compiled


_CACHE_FORMAT = 3


def _save_cache(path: Path, key: str, compiled: _Compiled) -> None:
    """Store the compiled tables as one JSON document: topic ids, phrase keys and ``alongside`` (tagged
    tuples and sets), per language its tables as an embedded JSON text of plain lists (decoded only when
    that language is first tagged), and the topics likewise; each embedded text with its SHA-256."""
    import hashlib
    import json

    from ..atomic import write_text

    try:
        langs = {lang: json.dumps(_flat_tables(t), separators=(",", ":")) for lang, t in compiled.langs.items()}
        topics_text = json.dumps([_flat_topic(t) for t in compiled.topics], separators=(",", ":"))
        texts = {**langs, "topics": topics_text}
        sha = {name: hashlib.sha256(text.encode()).hexdigest() for name, text in texts.items()}
        doc = {"format": _CACHE_FORMAT, "key": key, "ids": _encode(compiled.ids), "keys": compiled.keys,
               "alongside": _encode(compiled.alongside), "langs": langs, "topics": topics_text, "sha256": sha}
        path.parent.mkdir(parents=True, exist_ok=True)
        write_text(path, json.dumps(doc, separators=(",", ":")))
    except (OSError, TypeError, ValueError):
        pass  # a read-only home or a value JSON cannot hold: compile each time


def _load_cache(path: Path, key: str) -> _Compiled | None:
    """The compiled tables of a cache file written by :func:`_save_cache` for ``key``, or None when the
    file is missing, damaged (an embedded text not matching its SHA-256), from another key or holds anything
    but the plain data it should. Language tables are decoded on first use (:class:`_Languages`)."""
    doc = _load_doc(path, key)
    return None if doc is None else _compiled_of_doc(doc)


def _load_doc(path: Path, key: str) -> dict[str, Any] | None:
    """The top level of a cache file for ``key``, its shape and embedded texts checked; None if not that."""
    import hashlib
    import json

    try:
        doc = json.loads(path.read_bytes(), object_hook=_decode_tagged)
        if not (isinstance(doc, dict) and doc.get("format") == _CACHE_FORMAT and doc.get("key") == key):
            return None
        ids, keys, alongside = doc.get("ids"), doc.get("keys"), doc.get("alongside")
        langs, topics_text, sha = doc.get("langs"), doc.get("topics"), doc.get("sha256")
    except (OSError, ValueError, TypeError, RecursionError):
        return None
    if not (isinstance(ids, tuple) and all(isinstance(i, str) for i in ids)
            and isinstance(keys, list) and all(isinstance(k, str) for k in keys)
            and isinstance(alongside, tuple) and len(alongside) == len(ids)
            and all(isinstance(a, frozenset) for a in alongside)
            and isinstance(langs, dict) and set(langs) <= set(LANGUAGES) and isinstance(topics_text, str)
            and isinstance(sha, dict) and set(sha) == {*langs, "topics"}
            and all(isinstance(t, str) and hashlib.sha256(t.encode()).hexdigest() == sha[name]
                    for name, t in {**langs, "topics": topics_text}.items())):
        return None
    return doc


def _compiled_of_doc(doc: dict[str, Any]) -> _Compiled:
    compiled = _Compiled.__new__(_Compiled)
    compiled.ids = doc["ids"]
    compiled.keys = doc["keys"]
    compiled.alongside = doc["alongside"]
    compiled.langs = _Languages(compiled, doc["langs"])
    compiled._seen_titles = {}
    compiled._seen_chapters = {}
    return compiled


def _flat_topic(t: Topic) -> list[object]:
    """A topic as plain JSON lists (field order)."""
    def rules(r: Rules) -> list[object]:
        return [list(r.titles), list(r.context_titles), list(r.context_chapters), list(r.context_chapters_except),
                [list(p) for p in r.phrases], [list(g) for g in r.requires], [list(p) for p in r.negative],
                list(r.exclude_chapters), list(r.exclude_titles)]

    return [t.id, t.area, t.name, t.definition, [[lang, rules(r)] for lang, r in t.languages], list(t.alongside)]


def _topics_of_flat(text: str) -> tuple[Topic, ...]:
    """:func:`_flat_topic` undone for a list of topics; anything of another shape raises."""
    import json

    def strs(items: list[str]) -> tuple[str, ...]:
        if not all(isinstance(s, str) for s in items):
            raise TypeError("not a list of strings")
        return tuple(items)

    def weights(items: list[list[object]]) -> tuple[tuple[str, float], ...]:
        return tuple((str(p), float(w)) for p, w in items)  # type: ignore[arg-type]

    def rules(raw: list[Any]) -> Rules:
        titles, context_titles, context_chapters, excepted, phrases, requires, negative, exclude, exclude_titles = raw
        return Rules(titles=strs(titles), context_titles=strs(context_titles), context_chapters=strs(context_chapters),
                     context_chapters_except=strs(excepted), phrases=weights(phrases),
                     requires=tuple(strs(g) for g in requires), negative=weights(negative),
                     exclude_chapters=strs(exclude), exclude_titles=strs(exclude_titles))

    out = []
    for tid, area, name, definition, languages, alongside in json.loads(text):
        out.append(Topic(id=str(tid), area=str(area), name=str(name), definition=str(definition),
                         languages=tuple((str(lang), rules(r)) for lang, r in languages), alongside=strs(alongside)))
    return tuple(out)


class _Languages(Mapping[str, _LanguageTables]):
    """The language tables of a cached :class:`_Compiled`, each decoded from its JSON text on first use.
    Tables that do not decode (a file written to look valid) are compiled afresh, for all languages at
    once (phrase ids are shared), before anything of that language is used."""

    def __init__(self, owner: _Compiled, texts: dict[str, str]) -> None:
        self._owner = owner
        self._texts = texts
        self._tables: dict[str, _LanguageTables] = {}

    def __getitem__(self, lang: str) -> _LanguageTables:
        tables = self._tables.get(lang)
        if tables is None:
            text = self._texts[lang]  # KeyError: no tables in that language
            try:
                tables = _tables_of_flat(text)
            except (ValueError, TypeError, KeyError, IndexError, RecursionError):
                fresh = _Compiled(taxonomy())
                vars(self._owner).update(vars(fresh))
                return fresh.langs[lang]
            self._tables[lang] = tables
        return tables

    def __iter__(self) -> Iterator[str]:
        return iter(self._texts)

    def __len__(self) -> int:
        return len(self._texts)


def _flat_tables(t: _LanguageTables) -> list[object]:
    """A language's tables as plain JSON lists, in field order (derived fields left out)."""
    return [[[pid, [[ti, w, list(s)] for ti, w, s in v]] for pid, v in t.positive.items()],
            sorted(t.strong),
            [[[pid, w] for pid, w in per] for per in t.negative],
            [[sorted(g) for g in groups] for groups in t.requires],
            [[a, [[pid, k, sorted(rest)] for pid, k, rest in v]] for a, v in t.by_anchor.items()],
            [[title, [[ti, list(ch)] for ti, ch in v]] for title, v in t.titles.items()],
            [list(w) for w in t.chapters_except], [list(w) for w in t.exclude],
            [list(w) for w in t.exclude_titles]]


def _tables_of_flat(text: str) -> _LanguageTables:
    """:func:`_flat_tables` undone; anything of another shape raises ValueError, TypeError or KeyError."""
    import json

    positive, strong, negative, requires, by_anchor, titles, chapters_except, exclude, exclude_titles = json.loads(text)

    def words(per_topic: list[list[str]]) -> tuple[tuple[str, ...], ...]:
        return tuple(tuple(str(w) for w in ws) for ws in per_topic)

    anchors = {str(a): tuple((int(pid), str(k), frozenset(map(str, rest))) for pid, k, rest in v)
               for a, v in by_anchor}
    title_table = {str(title): [(int(ti), tuple(map(str, ch))) for ti, ch in v] for title, v in titles}
    return _LanguageTables(
        positive={int(pid): tuple((int(ti), float(w), tuple(map(int, s))) for ti, w, s in v) for pid, v in positive},
        strong=frozenset(map(int, strong)),
        negative=tuple(tuple((int(pid), float(w)) for pid, w in per) for per in negative),
        requires=tuple(tuple(frozenset(map(int, g)) for g in groups) for groups in requires),
        by_anchor=anchors,
        anchors=frozenset(anchors),
        titles=title_table,
        title_keys=list(title_table),
        chapters_except=words(chapters_except),
        exclude=words(exclude),
        exclude_titles=words(exclude_titles),
    )


def _encode(value: object) -> object:
    """JSON for plain values: tuples, frozensets and dicts (of any hashable keys) tagged."""
    if value is None or isinstance(value, str | bool | int | float):
        return value
    if isinstance(value, list):
        return [_encode(v) for v in value]
    if isinstance(value, tuple):
        return {"t": [_encode(v) for v in value]}
    if isinstance(value, frozenset):
        return {"f": [_encode(v) for v in value]}
    if isinstance(value, dict):
        return {"d": [[_encode(k), _encode(v)] for k, v in value.items()]}
    raise TypeError(f"cannot cache a {type(value).__name__}")


def _decode_tagged(obj: dict[str, object]) -> object:
    """:func:`_encode` undone, one JSON object at a time (inner values first); the file's top level and
    its ``langs`` and ``sha256`` stay dicts, and an object of any other shape is a ValueError: no type but
    tuples, frozensets and dicts is ever built."""
    if len(obj) == 1:
        (tag, items), = obj.items()
        if isinstance(items, list):
            if tag == "t":
                return tuple(items)
            if tag == "f":
                return frozenset(items)
            if tag == "d" and all(isinstance(kv, list) and len(kv) == 2 for kv in items):
                return {k: v for k, v in items}
    if "format" in obj or all(k in (*LANGUAGES, "topics") and isinstance(v, str) for k, v in obj.items()):
        return obj  # the document itself, its per-language texts and the texts' hashes
    raise ValueError("not a value of the topics cache")


# -- tagging -------------------------------------------------------------------------------------------
def _damped(n: int) -> float:
    return 1.0 + math.log(n) if n > 1 else 1.0


def tag_lemmas(lemmas: str, title_lemmas: str = "", chapter_lemmas: str = "", lang: str = "en") -> list[TopicScore]:
    """Topics of a provision from its lemma strings (as the index stores them), best first.

    A topic needs evidence in the text: its phrases (an opening mention counts extra), minus its
    negative phrases, must be positive, and each of its required groups must be present in the text,
    title or chapter title. The chapter title is context only: it can satisfy a requirement ("penalties
    for violations of this Chapter" in a customs chapter) but never adds evidence. A title naming the
    topic, or title phrases, add a bounded bonus. Context rules keep a topic off articles about something
    else, unless the title names it: a chapter with one of its ``exclude_chapters`` words (telecommunications
    "access and use" is not open government data), a title with one of its ``exclude_titles`` words
    ("Committee", "Scope"), and a title naming another topic that is not in its ``alongside`` list
    ("Automation" articles mention the release of goods). ``lang``
    picks the language's phrase tables (en, es, fr); texts in other languages get an empty list, as do
    unrelated texts.
    """
    c = _compiled()
    tables = c.langs.get(lang)
    if tables is None:
        return []
    counts = c.counts(lemmas, lang)
    if not counts:
        return []
    keys = c.keys
    positive = tables.positive
    lead = f" {lemmas[:LEAD_CHARS].rsplit(' ', 1)[0]} " if len(lemmas) > LEAD_CHARS else f" {lemmas} "
    raw: dict[int, float] = {}  # topic -> evidence in the text
    opening: dict[int, float] = {}  # topic -> extra for strong phrases in the opening
    for pid, n in counts.items():
        hits = positive.get(pid)
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
    title_counts = c.counts(title_lemmas, lang) if title_lemmas else {}
    named = {ti: bool(ch) for ti, ch in c.title_matches(title_lemmas, lang)} if title_lemmas else {}
    named_here = frozenset(c.named(title_lemmas, chapter_lemmas, lang)) if named else frozenset()
    excluded = c.excluded(chapter_lemmas, lang) if chapter_lemmas else frozenset()
    if title_lemmas:
        excluded |= c.excluded(title_lemmas, lang, "exclude_titles")
    present = counts.keys() | title_counts.keys()
    if chapter_lemmas:
        present |= c.context(chapter_lemmas, lang)
    scored: list[tuple[float, int]] = []
    for ti, r in raw.items():
        if ti not in named_here and (ti in excluded or (named_here and not named_here & c.alongside[ti])):
            continue
        if any(not (group & present) for group in tables.requires[ti]):
            continue
        for pid, w in tables.negative[ti]:
            if pid in counts:
                r -= w * _damped(counts[pid])
        if r <= 0:
            continue
        if title_lemmas:
            bonus = TITLE_PHRASE_FACTOR * sum(
                w for pid in title_counts for t2, w, _ in positive.get(pid, ()) if t2 == ti
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
    return [TopicScore(c.ids[ti], round(s, 4)) for s, ti in scored if s >= floor]


def tag(
    text: str, title: str | None = None, lemmas: str | None = None, *, chapter: str | None = None,
    lang: str = "en",
) -> list[TopicScore]:
    """Topics of a text in ``lang`` (optional title and chapter title as context), best first; lemmatises
    unless ``lemmas`` is given."""
    from ..index import analysis

    if lemmas is None:
        lemmas = analysis.lemmatize(text, lang) if text.strip() else ""
    title_lemmas = analysis.lemmatize(title, lang) if title and title.strip() else ""
    chapter_lemmas = analysis.lemmatize(chapter, lang) if chapter and chapter.strip() else ""
    return tag_lemmas(lemmas, title_lemmas, chapter_lemmas, lang)


def title_topics(title_lemmas: str, chapter_lemmas: str | None = None, lang: str = "en") -> tuple[str, ...]:
    """Ids of the topics an article title names (lemma strings, as the index stores them).

    Titles listed under a topic's ``titles`` name it anywhere; ``context_titles`` (e.g.
    "Confidentiality") only when ``chapter_lemmas`` contains one of the topic's chapter words and none of
    its ``context_chapters_except`` words.
    """
    c = _compiled()
    return tuple(c.ids[ti] for ti in c.named(title_lemmas, chapter_lemmas or "", lang))


def areas() -> dict[str, str]:
    """Area slug -> display name, in taxonomy order."""
    return {slug: str(a.get("name", slug)) for slug, a in _load_toml().get("areas", {}).items()}


def ids(area: str | None = None) -> list[str]:
    """All topic ids, or those of one area."""
    return [t.id for t in _topics() if area is None or t.area == area]
