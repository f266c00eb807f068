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
    """One taxonomy topic with its effective matching rules (area rules merged in); the top-level rule
    fields are the English ones, ``translations`` holds the others (see :meth:`rules`)."""

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
    exclude_chapters: tuple[str, ...] = ()
    exclude_titles: tuple[str, ...] = ()
    #: topics whose articles may also carry this one (e.g. enquiry points inside a "Publication" article);
    #: an article whose title names another topic gets this one only if that topic is listed here
    alongside: tuple[str, ...] = ()
    translations: tuple[tuple[str, Rules], ...] = ()

    def rules(self, lang: str = "en") -> Rules | None:
        """The matching rules for texts in ``lang`` (None: the topic has none in that language)."""
        if lang == "en":
            return Rules(self.titles, self.context_titles, self.context_chapters, self.context_chapters_except,
                         self.phrases, self.requires, self.negative, self.exclude_chapters, self.exclude_titles)
        return dict(self.translations).get(lang)


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
        en = _rules(raw, area, where)
        translations = tuple((lang, _rules(raw[lang], area.get(lang, {}), f"{where} [{lang}]"))
                             for lang in LANGUAGES[1:] if lang in raw)
        topics.append(
            Topic(
                id=tid,
                area=raw["area"],
                name=raw["name"],
                definition=" ".join(raw["definition"].split()),
                titles=en.titles,
                context_titles=en.context_titles,
                context_chapters=en.context_chapters,
                context_chapters_except=en.context_chapters_except,
                phrases=en.phrases,
                requires=en.requires,
                negative=en.negative,
                exclude_chapters=en.exclude_chapters,
                exclude_titles=en.exclude_titles,
                alongside=tuple(raw.get("alongside", ())),
                translations=translations,
            )
        )
    for t in topics:
        unknown = [a for a in t.alongside if a not in seen]
        if unknown:
            raise FtadraftError(f"taxonomy.toml: topic {t.id}: alongside names unknown topics {', '.join(unknown)}")
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


def _accent_variants(text: str, lang: str) -> set[str]:
    """A Spanish or French lemma string as printed and with grave accents for acute ones ("informaciòn": the
    Spanish TPP text in ToTA prints ò for ó), whole or only for ó; English is returned as is."""
    if lang == "en" or not any(ch in text for ch in "áéíóú"):
        return {text}
    return {text, text.translate(_GRAVE), text.replace("ó", "ò")}


class _Compiled:
    """The taxonomy as lookup tables, per language: a phrase table keyed by anchor word, per-topic rules
    and titles. Phrase ids are shared by all languages (``keys``/``words``), each language has its own."""

    def __init__(self, topics: Sequence[Topic]) -> None:
        self.topics = tuple(topics)
        self.keys: list[str] = []  # " phrase lemmas " per phrase id
        self.words: list[frozenset[str]] = []
        index = {t.id: i for i, t in enumerate(self.topics)}
        #: per topic: the topics named by a title under which it may still be tagged
        self.alongside = tuple(frozenset(index[a] for a in t.alongside) for t in self.topics)
        self.langs: dict[str, dict[str, Any]] = {}
        for lang in LANGUAGES:
            rules = [t.rules(lang) for t in self.topics]
            if any(r is not None for r in rules):
                self.langs[lang] = self._tables(lang, rules)
        self._seen_titles: dict[str, list[tuple[int, tuple[str, ...]]]] = {}
        self._seen_chapters: dict[str, frozenset[int]] = {}

    def _tables(self, lang: str, rules: Sequence[Rules | None]) -> dict[str, Any]:
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

        return {
            "positive": {pid: tuple(v) for pid, v in positive.items()},
            "strong": frozenset(pid for pid, v in positive.items() if max(w for _, w, _ in v) >= XREF_MIN_WEIGHT),
            "negative": tuple(negative),
            "requires": tuple(requires),
            "by_anchor": {a: tuple(v) for a, v in by_anchor.items()},
            "anchors": frozenset(by_anchor),
            "titles": titles,
            "title_keys": list(titles),
            # per topic: chapter words under which its context titles do not name it ("Cooperation" in
            # "Customs Duties"), and chapter words under which its text alone does not decide it
            "chapters_except": tuple(words_of(r.context_chapters_except) if r else () for r in rules),
            "exclude": tuple(words_of(r.exclude_chapters) if r else () for r in rules),
            "exclude_titles": tuple(words_of(r.exclude_titles) if r else () for r in rules),
        }

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
        strong = tables["strong"]
        out: dict[int, int] = {}
        by_anchor = tables["by_anchor"]
        for anchor in tables["anchors"].intersection(toks):
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
            found = tables["titles"].get(canonical)
            if found is None:
                found = []
                if len(canonical) >= 8:
                    from rapidfuzz import fuzz, process

                    best = process.extractOne(canonical, tables["title_keys"], scorer=fuzz.ratio, score_cutoff=92)
                    found = tables["titles"][best[0]] if best else []
            if len(self._seen_titles) < 200_000:  # bounded memory for endless streams of titles
                self._seen_titles[cache_key] = found
        return found

    def excluded(self, chapter_lemmas: str, lang: str = "en", table: str = "exclude") -> frozenset[int]:
        """Topics whose ``exclude_chapters`` words this chapter title contains (``table="exclude_titles"``: whose
        ``exclude_titles`` words this article title contains); cached per title."""
        cache_key = f"{table}{lang}\x1f{chapter_lemmas}"
        found = self._seen_chapters.get(cache_key)
        if found is None:
            tables = self.langs.get(lang)
            chapter = f" {_canonical_title(chapter_lemmas)} "
            if lang != "en":  # accents printed or not, acute or grave: compare both ways
                chapter += chapter.translate(_PLAIN)
            found = frozenset(ti for ti, words in enumerate(tables[table] if tables else ())
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
                                       and not any(f" {w} " in chapter for w in tables["chapters_except"][ti]))
            if applies and ti not in out:
                out.append(ti)
        return out


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
    new key, so a stale cache is never loaded."""
    import hashlib

    h = hashlib.sha256()
    for src in sources:
        h.update(len(src).to_bytes(8, "big") + src)
    h.update(versions.encode())
    return h.hexdigest()[:16]


@lru_cache(maxsize=1)
def _compiled() -> _Compiled:
    """The compiled tables, from a per-user cache when possible: compiling needs spaCy's lemmatiser
    (about a second cold), which a one-shot search should not pay. The cache is data only (JSON, see
    :func:`_load_cache`): a damaged, foreign or planted file is ignored and compiled again."""
    from importlib import metadata

    def version(dist: str) -> str:
        try:
            return metadata.version(dist)
        except metadata.PackageNotFoundError:
            return "?"

    key = _cache_key(_key_sources(), "|".join(version(d) for d in ("spacy", "spacy-lookups-data")))
    try:
        from platformdirs import user_cache_dir

        path = Path(user_cache_dir("ftadraft", appauthor=False)) / f"topics-{key}.json"
    except Exception:  # noqa: BLE001  # pragma: no cover - no usable cache folder: compile without caching
        return _Compiled(taxonomy())
    cached = _load_cache(path, key)
    if cached is not None:
        return cached
    compiled = _Compiled(taxonomy())
    _save_cache(path, key, compiled)
    return compiled


_CACHE_FORMAT = 1


def _save_cache(path: Path, key: str, compiled: _Compiled) -> None:
    """Store the compiled tables as JSON (tagged tuples, sets and dicts); the taxonomy itself is not stored."""
    import json

    from ..atomic import write_text

    try:
        state = {name: _encode(value) for name, value in vars(compiled).items() if name != "topics"}
        text = json.dumps({"format": _CACHE_FORMAT, "key": key, "state": state}, separators=(",", ":"))
        path.parent.mkdir(parents=True, exist_ok=True)
        write_text(path, text)
    except (OSError, TypeError, ValueError):
        pass  # a read-only home or a value JSON cannot hold: compile each time


def _load_cache(path: Path, key: str) -> _Compiled | None:
    """The compiled tables of a cache file written by :func:`_save_cache` for ``key``, or None when the
    file is missing, damaged, from another key or holds anything but the plain data it should."""
    import json

    try:
        doc = json.loads(path.read_bytes(), object_hook=_decode_tagged)
        if not (isinstance(doc, dict) and doc.get("format") == _CACHE_FORMAT and doc.get("key") == key
                and isinstance(doc.get("state"), dict)):
            return None
        state: dict[str, object] = doc["state"]
    except (OSError, ValueError, TypeError, RecursionError):
        return None
    if not all(isinstance(n, str) and n.isidentifier() and not n.startswith("__") for n in state):
        return None
    keys, words = state.get("keys"), state.get("words")
    if not (isinstance(keys, list) and isinstance(words, list) and len(keys) == len(words)
            and all(isinstance(k, str) for k in keys) and all(isinstance(w, frozenset) for w in words)):
        return None
    compiled = _Compiled.__new__(_Compiled)
    compiled.__dict__.update(state)
    compiled.topics = taxonomy()
    return compiled


def _encode(value: object) -> object:
    """JSON for the tables' plain values: tuples, frozensets and dicts (of any hashable keys) tagged."""
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
    ``state`` stay dicts, and an object of any other shape is a ValueError: no other type is ever built."""
    if len(obj) == 1:
        (tag, items), = obj.items()
        if isinstance(items, list):
            if tag == "t":
                return tuple(items)
            if tag == "f":
                return frozenset(items)
            if tag == "d" and all(isinstance(kv, list) and len(kv) == 2 for kv in items):
                return {k: v for k, v in items}
    if "format" in obj or "keys" in obj:  # the document itself, and the tables' attributes
        return obj
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
    positive = tables["positive"]
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
        if any(not (group & present) for group in tables["requires"][ti]):
            continue
        for pid, w in tables["negative"][ti]:
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
    return [TopicScore(c.topics[ti].id, round(s, 4)) for s, ti in scored if s >= floor]


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
    return tuple(c.topics[ti].id for ti in c.named(title_lemmas, chapter_lemmas or "", lang))


def areas() -> dict[str, str]:
    """Area slug -> display name, in taxonomy order."""
    return {slug: str(a.get("name", slug)) for slug, a in _load_toml().get("areas", {}).items()}


def ids(area: str | None = None) -> list[str]:
    """All topic ids, or those of one area."""
    return [t.id for t in taxonomy() if area is None or t.area == area]
