"""Find chapter, section and article headings in running treaty text (shared by text, PDF, DOCX, HTML).

Readers turn their format into a flat sequence of :class:`Block` s (one paragraph or heading each,
text as published) and call :func:`segment`, which returns one :class:`ProvisionDraft` per article.

Conventions readers follow so that every format behaves alike:

* a footnote *reference* in running text is written ``[^3]`` (Markdown footnote syntax); a footnote
  *definition* is its own block ``[^3]: text``. :func:`segment` attaches each definition to the nearest
  earlier provision that references it (numbers often restart per chapter, and page-bottom notes can
  follow the next article's heading), else to the provision it appears in;
* ``heading_level`` is set only when the source itself marks a heading (Markdown ``#``, DOCX heading
  style, HTML ``h1``-``h6``, bold heading lines in a PDF);
* ``in_table`` marks text from a table cell or row: such text is never taken as a heading (nor as a
  heading's title) unless the source marks it as one, so that a table listing articles ("Article 19.1:
  Scope | tpp:14.2") never starts provisions;
* page furniture (page numbers, running headers) is removed by the reader before segmenting.

Recognised headings (English, Spanish, French; upper, title or sentence case): ``CHAPTER 12``,
``Chapter 12: Title``, ``Chapter 12 Title``, ``SECTION A``, ``Section A: Title``, ``SUBSECTION 1``,
``Article 12.3: Title``, ``Article 12.3 Title``, ``ARTICLE 5``, ``Art. 5.2 — Title``, ``Article 5 bis``,
``Artículo 5``, ``Capítulo IV``, ``Article premier`` (stored as ``1``), ``ANNEX 3A``, ``PREAMBLE``; a
heading holding only the number takes its title from the following line. Paragraph numbers (``1.``,
``(a)``, ``12.3 Text``) are never headings: an article heading needs the word ("Article", "Art.", ...).

Chapter and section headings are only *confirmed* by a following article heading: a run of them with
no article in between (a table of contents, the Harmonized System chapters inside a rules-of-origin
annex) stays ordinary text of the surrounding provision. A table of contents after a "CONTENTS" line is
skipped (with a warning).

What the drafts carry besides number/title/chapter/section (``section`` is ``"A: TITLE"`` or ``"A"``):
flags ``annex`` (an annex's own text, number None, title ``"Annex 4A: TITLE"``, or an article inside
an annex), ``front-matter`` (text before an explicit PREAMBLE heading, e.g. a cover note),
``chapter-text`` (text between a chapter heading and its first article), ``no-structure``; source keys
``annex``, ``annex_title``, ``subsection`` plus whatever the blocks carry (the first block's, e.g. page).
Annex articles keep their printed numbers, which can repeat ("Article 1" in two annexes): a warning names
the annexes that number their articles again (references reach them as ``AGREEMENT:annex-8A:1``, see
:mod:`ftadraft.index.refs`), another lists numbers repeated outside annexes.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from ..model import Footnote, ProvisionDraft
from ..normalize import clean_heading

__all__ = ["FOOTNOTE_DEF", "FOOTNOTE_REF", "Block", "Heading", "looks_like_heading", "parse_heading", "segment"]


@dataclass(frozen=True)
class Block:
    """One paragraph or heading of a source document, in reading order."""

    text: str
    heading_level: int | None = None  # 1..6 when the source marks it as a heading
    source: Mapping[str, str] = field(default_factory=dict)  # e.g. {"page": "123"}; merged into the provision's source
    in_table: bool = False  # text of a table cell or row: a heading only when marked (heading_level)


@dataclass(frozen=True)
class Heading:
    """A recognised structural heading: kind is article, chapter, section, subsection, annex or preamble."""

    kind: str
    number: str | None
    title: str | None
    refs: tuple[str, ...] = ()  # footnote references printed in the heading
    separated: bool = False  # the title followed a separator (":", ".", dash) or the heading was number-only


#: A footnote reference in running text, ``[^3]``.
FOOTNOTE_REF = re.compile(r"\[\^([^\]\s]{1,12})\]")
#: A footnote definition block, ``[^3]: text``.
FOOTNOTE_DEF = re.compile(r"^\s*\[\^([^\]\s]{1,12})\]:\s*(.*)$", re.DOTALL)

_SUFFIX = r"(?:[ \u00a0]?(?:bis|ter|quater|quinquies|sexies|septies|octies|nonies|decies)\b)"
_ROMAN = r"(?:[IVXLC]+)"
_ART_NUM = (
    rf"(?:\d+(?:\.\d+)*(?:{_SUFFIX}|[A-Z]\b|[oº°ª](?!\w)|[ \u00a0][º°ª])?|{_ROMAN}\b{_SUFFIX}?"
    r"|premier\b|PREMIER\b|Premier\b|1er\b|primero\b|PRIMERO\b|[uú]nico\b|[UÚ]NICO\b)"
)
_WORDNUM = (
    r"(?i:(?:twenty|thirty|forty)(?:[- ](?:one|two|three|four|five|six|seven|eight|nine))?|one|two|three|four|five"
    r"|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen)\b"
)
_CHAP_NUM = rf"(?:\d+[A-Z]?\b|{_ROMAN}\b|{_WORDNUM})"
_SEC_NUM = rf"(?:\d+(?:\.\d+)?[A-Z]?\b|{_ROMAN}\b|[A-Z]{{1,2}}\b)"
_ANNEX_NUM = rf"(?:\d+(?:[.\-]\d+)*[A-Z]?\b|{_ROMAN}(?:-[A-Z0-9]+)?\b|[A-Z](?:-?\d+)?\b)"

# Keyword alternatives: plain text accepts only Capitalised or UPPER forms; marked headings any case.
_WORDS = {
    "article": ["Article", "Artículo", "Articulo", "Artigo", "Art."],
    "chapter": ["Chapter", "Capítulo", "Capitulo", "Chapitre"],
    "subsection": ["Subsection", "Sub-section", "Sub-Section", "Subsección", "Subseccion", "Sous-section"],
    "section": ["Section", "Sección", "Seccion", "Secção"],
    "annex": ["Annex", "Anexo", "Annexe", "Appendix", "Apéndice", "Apendice"],
}
_NUMS = {"article": _ART_NUM, "chapter": _CHAP_NUM, "section": _SEC_NUM, "subsection": _SEC_NUM, "annex": _ANNEX_NUM}
_PREAMBLE_WORDS = ["Preamble", "Preámbulo", "Preambulo", "Préambule", "Preambule", "Preâmbulo"]


def _alts(words: list[str], plain: bool) -> str:
    forms: list[str] = []
    for w in words:
        forms.append(re.escape(w))
        if plain:
            forms.append(re.escape(w.upper()))
    return "(?:" + "|".join(sorted(set(forms), key=len, reverse=True)) + ")"


def _compile(plain: bool) -> list[tuple[str, re.Pattern[str]]]:
    flags = 0 if plain else re.IGNORECASE
    pats = []
    for kind in ("article", "chapter", "subsection", "section", "annex"):
        word = _alts(_WORDS[kind], plain)
        num = _NUMS[kind]
        opt = "?" if kind == "annex" else ""
        sep = r"[ \u00a0]*" if kind == "article" else r"[ \u00a0]+"  # "Art.5" has no space
        # numbers stay case-sensitive even in marked headings ("Section on ..." is not section "on")
        pats.append((kind, re.compile(rf"^{word}(?:{sep}(?P<num>(?-i:{num}))){opt}(?P<rest>.*)$", flags | re.DOTALL)))
    pats.append(("preamble", re.compile(rf"^{_alts(_PREAMBLE_WORDS, plain)}[ \u00a0]*:?$", flags)))
    return pats


_PATTERNS = {True: _compile(plain=True), False: _compile(plain=False)}

_SEPARATOR = re.compile(r"^[ \u00a0]*(?::|\.|–|—|-|\|)[ \u00a0]*(?P<title>.*)$", re.DOTALL)
_MODAL = re.compile(r"\b(?:shall|may|must|should|will|is|are|has|have|deberá|podrá|doit|peut)\b")
_SMALL_WORDS = {"and", "or", "of", "the", "for", "to", "in", "on", "by", "with", "a", "an", "at", "from", "as",
                "de", "del", "la", "las", "los", "el", "y", "et", "des", "du", "le", "les", "en", "à", "e"}
# Debris that clings to headings in converted text: dot leaders (with a page number), "- 3 -" page numbers.
_HEAD_DEBRIS = re.compile(r"(?:[ \u00a0]*[.…·]{3,}[ \u00a0]*\d*|[ \u00a0]+-[ \u00a0]*\d{1,4}[ \u00a0]*-)[ \u00a0]*$")
_EMPHASIS = re.compile(r"\*\*|__|(?<!\w)[*_](?=\S)|(?<=\S)[*_](?!\w)")
_TOC = re.compile(
    r"^(?:table of contents|contents|índice|indice|table des matières|table des matieres|sommaire)$", re.IGNORECASE
)
_TERMINAL = re.compile(r"[.;:!?,]$")


def _strip_heading(text: str) -> str:
    t = " ".join(text.split())
    if len(t) > 400:  # not a heading; and keeps the debris patterns away from long hostile lines
        return t
    t = _EMPHASIS.sub("", t).strip()
    prev = None
    while prev != t:
        prev = t
        t = _HEAD_DEBRIS.sub("", t).strip()
    return t


def _title_case_ratio(text: str) -> float:
    words = [w for w in re.findall(r"[^\W\d_][\w'’\-]*", text) if w.lower() not in _SMALL_WORDS]
    if not words:
        return 0.0
    return sum(1 for w in words if w[0].isupper()) / len(words)


def _is_upper(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters)


def _title_like(text: str, strong: bool, need_case: bool = False) -> bool:
    """Could ``text`` be a heading title (short, not a sentence)?"""
    t = text.strip()
    if not t or len(t) > 200 or len(t.split()) > 30:
        return False
    if strong:
        return True
    if not (t[0].isupper() or t[0].isdigit() or t[0] in "\"'“‘«"):
        return False
    if t[-1] in ",;" or _MODAL.search(t):
        return False
    if need_case:
        if not (_is_upper(t) or _title_case_ratio(t) >= 0.6):
            return False
        if t.split()[-1].lower() in _SMALL_WORDS:  # "Article 4.13 Measures for" is a wrapped table cell
            return False
    return True


def parse_heading(text: str, *, strong: bool = False) -> Heading | None:
    """Recognise a chapter/section/article/annex/preamble heading; ``strong`` when the source marks it.

    Plain lines are held to stricter rules (keyword capitalised, title not a sentence, no
    ``Article 5 (Title)`` cross-reference form) because wrapped running text can start with "Article".
    """
    if len(text) > 400:
        return None
    t = _strip_heading(text)
    if not t or len(t) > 300:
        return None
    refs = tuple(FOOTNOTE_REF.findall(t))
    t = FOOTNOTE_REF.sub("", t).strip()
    for kind, pat in _PATTERNS[not strong]:
        m = pat.match(t)
        if not m:
            continue
        if kind == "preamble":
            return Heading("preamble", None, None, refs, True)
        num = m.group("num")
        rest = m.group("rest") or ""
        if num is None and kind == "annex" and rest.strip() and not strong:
            # "ANNEX" alone or "ANNEX: Title"; never "Annex to this Agreement..." running text
            sm = _SEPARATOR.match(rest)
            if not (sm and sm.group("title") and _title_like(sm.group("title"), False)):
                return None
        if num is not None and rest[:1].isalnum() and not rest[:1].isspace():
            continue  # "Article 12abc": not a number boundary
        ok, title, separated = _split_rest(rest, kind, strong)
        if not ok:
            if num and kind == "article" and not strong:
                return None
            continue
        number = _clean_number(num) if num else None
        return Heading(kind, number, clean_heading(title) if title else None, refs, separated)
    return None


def _split_rest(rest: str, kind: str, strong: bool) -> tuple[bool, str | None, bool]:
    r = rest.strip()
    if not r:
        return True, None, True
    m = _SEPARATOR.match(r)
    if m and rest[:1] in " \u00a0:.–—-|" and (r[0] != "." or len(r) == 1 or r[1] in " \u00a0"):
        title = m.group("title").strip()
        if not title:
            return True, None, True
        return _title_like(title, strong), title, True
    if r.startswith("("):
        inner = r[1:-1].strip() if r.endswith(")") and r.count("(") == 1 else None
        if inner and (strong or kind == "annex") and _title_like(inner, strong):
            return True, inner, kind != "article"  # "Article 5 (Title)" must also fit the numbering
        return False, None, False
    if rest[:1] not in " \u00a0":
        return False, None, False
    return _title_like(r, strong, need_case=True), r, False


def _clean_number(num: str) -> str:
    n = " ".join(num.replace("\u00a0", " ").split())
    low = n.lower()
    if low in {"premier", "1er", "primero"}:
        return "1"
    n = re.sub(r"^(\d+) ?[oº°ª]$", r"\1", n)
    n = re.sub(r"^(\d+(?:\.\d+)*)(bis|ter|quater|quinquies|sexies|septies|octies|nonies|decies)$", r"\1 \2", n)
    return n


def looks_like_heading(text: str) -> bool:
    """True when a plain line would be read as a structural heading (readers use it to break paragraphs)."""
    if len(text) > 400:
        return False
    return parse_heading(text) is not None or bool(_TOC.match(_strip_heading(text)))


_ROMAN_VALUES = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100}


def _number_key(number: str | None) -> tuple[float, ...] | None:
    if not number:
        return None
    m = re.match(r"^(\d+(?:\.\d+)*)([A-Z])?(?: (bis|ter|quater|quinquies|sexies))?$", number)
    if m:
        parts = [float(p) for p in m.group(1).split(".")]
        if m.group(2):
            parts[-1] += (ord(m.group(2)) - 64) / 30
        if m.group(3):
            parts[-1] += 0.5
        return tuple(parts)
    if re.fullmatch(r"[IVXLC]+", number):
        total, prev = 0, 0
        for ch in reversed(number):
            v = _ROMAN_VALUES[ch]
            total = total - v if v < prev else total + v
            prev = max(prev, v)
        return (float(total),)
    return None


@dataclass
class _Prov:
    kind: str  # article, annex, preamble, front, chapter-text
    number: str | None = None
    title: str | None = None
    chapter_number: str | None = None
    chapter_title: str | None = None
    section: str | None = None
    paras: list[str] = field(default_factory=list)
    footnotes: list[Footnote] = field(default_factory=list)
    refs: set[str] = field(default_factory=set)
    flags: list[str] = field(default_factory=list)
    source: dict[str, str] = field(default_factory=dict)
    raw_title: str | None = None  # title as found (an annex's full title adds "Annex 4A: ")

    def add(self, text: str) -> None:
        self.paras.append(text)
        self.refs.update(FOOTNOTE_REF.findall(text))

    @property
    def empty(self) -> bool:
        return not any(p.strip() for p in self.paras)


@dataclass
class _Pending:
    heading: Heading
    raw: list[str]  # the heading block text and any blocks after it, as published
    source: Mapping[str, str]
    n_head: int = 1  # how many of ``raw`` are the heading and its title lines


_RANK = {"chapter": 1, "section": 2, "subsection": 3}
_TITLE_KEYWORDS = re.compile(
    r"\b(?:agreement|treaty|accord|acuerdo|tratado|convention|convenio|protocol|protocolo|protocole|partnership)\b",
    re.IGNORECASE,
)


class _Segmenter:
    """State machine over blocks; see :func:`segment`."""

    def __init__(self, marked_only: bool, reject_weak: bool = False) -> None:
        self.marked_only = marked_only
        self.reject_weak = reject_weak
        self.provs: list[_Prov] = []
        self.front = _Prov("front")
        self.current: _Prov | None = None
        self.pending: list[_Pending] = []
        self.pending_refs: set[str] = set()
        self.pending_notes: list[Footnote] = []
        self.chapter: tuple[str | None, str | None] = (None, None)
        self.section: str | None = None
        self.subsection: str | None = None
        self.annex: str | None = None
        self.annex_prov: _Prov | None = None
        self.title: str | None = None
        self.first_h1: str | None = None
        self.explicit_preamble = False
        self.structure_started = False
        self.articles = 0
        self.toc: set[tuple[str, str | None]] | None = None
        self.toc_skipped = 0
        self.all_text: list[str] = []
        self.all_notes: list[Footnote] = []
        self.title_target: _Prov | _Pending | None = None  # awaiting a title on the next block
        self.title_upper = False
        self.title_blocks = 0
        self.unreferenced = 0
        self.weak_rejected = 0
        self.last_key: tuple[float, ...] | None = None

    # -- helpers -------------------------------------------------------------------------------
    def _target(self) -> _Prov:
        return self.current if self.current is not None else self.front

    def _flush(self) -> None:
        if self.current is not None:
            self.provs.append(self.current)
            self.current = None

    def _demote_pending(self) -> None:
        """Unconfirmed chapter/section headings become ordinary text of the current provision."""
        target = self._target()
        for p in self.pending:
            for raw in p.raw:
                target.add(raw)
        for note in self.pending_notes:
            target.footnotes.append(note)
        self.pending = []
        self.pending_refs = set()
        self.pending_notes = []
        if isinstance(self.title_target, _Pending):
            self.title_target = None

    def _start(self, prov: _Prov, source: Mapping[str, str]) -> None:
        self._flush()
        prov.source = dict(source)
        self.current = prov
        self.structure_started = True

    # -- footnotes -----------------------------------------------------------------------------
    def _footnote(self, marker: str, text: str) -> None:
        note = Footnote(marker, " ".join(text.split()))
        self.all_notes.append(note)
        recent = itertools.islice(reversed(self.provs), 60)  # page-bottom notes trail their reference a little
        for prov in itertools.chain([self.current] if self.current is not None else [], recent):
            if marker in prov.refs and all(f.marker != marker for f in prov.footnotes):
                prov.footnotes.append(note)
                return
        if marker in self.pending_refs:
            self.pending_notes.append(note)
            return
        if self.current is None and marker in self.front.refs:
            self.front.footnotes.append(note)
            return
        self._target().footnotes.append(note)
        self.unreferenced += 1

    # -- main ----------------------------------------------------------------------------------
    def feed(self, block: Block) -> None:
        text = block.text.strip()
        if not text:
            return
        fm = FOOTNOTE_DEF.match(text)
        if fm:
            self._footnote(fm.group(1), fm.group(2))
            return
        self.all_text.append(text)
        strong = block.heading_level is not None
        cell = block.in_table and not strong  # unmarked table text: never a heading or a heading's title
        head = None if cell else parse_heading(text, strong=strong)
        if self.toc is not None:
            if self._in_toc(text, head):
                return
        elif _TOC.match(_strip_heading(text)) and not self.articles:
            self.toc = set()
            self.toc_skipped += 1
            return

        if self.marked_only and not strong and head is not None and head.kind != "preamble":
            head = None  # headings are marked in this source: an unmarked line is text
        if head is None and self.title_target is not None and not cell and self._take_title(text, strong):
            return
        self.title_target = None

        if head is not None and head.kind == "article" and not self._plausible_article(head, strong):
            head = None
        if head is None:
            self._body(text, block)
            return
        getattr(self, f"_on_{head.kind}")(head, text, block)

    def _in_toc(self, text: str, head: Heading | None) -> bool:
        assert self.toc is not None
        if head is not None:
            key = (head.kind, (head.number or "").upper() or None)
            if key in self.toc:
                self.toc = None  # a heading seen twice: the table of contents is over
                return False
            self.toc.add(key)
            self.toc_skipped += 1
            return True
        t = _strip_heading(text)
        if len(t) <= 150 and not _TERMINAL.search(t):
            self.toc_skipped += 1
            return True
        self.toc = None
        return False

    def _take_title(self, text: str, strong: bool) -> bool:
        """Use a block as the title of the number-only heading just seen (titles on the next line)."""
        target = self.title_target
        t = _strip_heading(text)
        refs = FOOTNOTE_REF.findall(t)
        t = FOOTNOTE_REF.sub("", t).strip()
        if isinstance(target, _Pending):
            current_title = target.heading.title
        else:
            assert target is not None
            current_title = target.raw_title
        if current_title is None:
            if not _title_like(t, strong, need_case=not strong) or (not strong and _TERMINAL.search(t)):
                return False
            new_title = t
            self.title_upper = _is_upper(t)
        else:
            # wrapped upper-case titles continue on the next line(s)
            if not (self.title_upper and _is_upper(t) and self.title_blocks < 3 and _title_like(t, strong)):
                return False
            new_title = f"{current_title} {t}"
        self.title_blocks += 1
        new_title = clean_heading(new_title) or new_title
        if isinstance(target, _Pending):
            h = target.heading
            target.heading = Heading(h.kind, h.number, new_title, h.refs + tuple(refs), True)
            target.raw.append(text)
            target.n_head += 1
            self.pending_refs.update(refs)
        else:
            assert target is not None
            target.raw_title = new_title
            target.title = _annex_title(self.annex, new_title) if target.kind == "annex" else new_title
            target.refs.update(refs)
        return True

    def _plausible_article(self, head: Heading, strong: bool) -> bool:
        """Weak headings ("Article 4.13 Some Words", no separator) must move the numbering forward; in a
        document whose headings print a separator they must be the very next article. Otherwise they are
        table cells (an annex listing articles) or wrapped cross-references, and stay text."""
        if head.separated and head.title is not None or strong and head.separated:
            return True
        key = _number_key(head.number)
        if self.reject_weak and head.title is not None:
            ok = key is not None and _successor(self.last_key, key)
        else:
            ok = key is None or self.last_key is None or _forward(self.last_key, key)
        if not ok:
            self.weak_rejected += 1
        return ok

    def _body(self, text: str, block: Block) -> None:
        if not self.structure_started and block.heading_level == 1 and self.first_h1 is None:
            self.first_h1 = clean_heading(FOOTNOTE_REF.sub("", _strip_heading(text)))
        if not self.structure_started and self.title is None and self._is_title(text, block):
            self.title = clean_heading(FOOTNOTE_REF.sub("", _strip_heading(text)))
            return
        if self.pending:
            self.pending[-1].raw.append(text)
            self.pending_refs.update(FOOTNOTE_REF.findall(text))
            return
        self._target().add(text)

    def _is_title(self, text: str, block: Block) -> bool:
        t = _strip_heading(text)
        if len(t) > 200 or not _TITLE_KEYWORDS.search(t):
            return False
        return block.heading_level is not None or _is_upper(t)

    def _on_article(self, head: Heading, text: str, block: Block) -> None:
        source = dict(block.source)
        # confirm pending chapter / section headings
        chapter_text: list[str] = []
        for p in self.pending:
            h = p.heading
            if h.kind == "chapter":
                self.chapter = (h.number, h.title)
                self.section = self.subsection = None
                self.annex = None
            elif h.kind == "section":
                self.section = f"{h.number}: {h.title}" if h.title else h.number
                self.subsection = None
            elif h.kind == "subsection":
                self.subsection = f"{h.number}: {h.title}" if h.title else h.number
            chapter_text.extend(p.raw[p.n_head:])
        refs = set(head.refs) | self.pending_refs
        notes = self.pending_notes
        self.pending, self.pending_refs, self.pending_notes = [], set(), []
        if chapter_text:
            # text between a chapter/section heading and its first article: keep it, unnumbered
            heading = self.chapter[1] or (f"Chapter {self.chapter[0]}" if self.chapter[0] else None)
            extra = _Prov("chapter-text", None, heading, self.chapter[0], self.chapter[1], self.section,
                          flags=["chapter-text"])
            self._start(extra, source)
            for t in chapter_text:
                extra.add(t)
        prov = _Prov("article", head.number, head.title, self.chapter[0], self.chapter[1], self.section,
                     raw_title=head.title)
        if self.annex:
            prov.flags.append("annex")
        self._start(prov, source)
        if self.subsection:
            prov.source["subsection"] = self.subsection
        if self.annex:
            prov.source["annex"] = self.annex
            if self.annex_prov is not None and self.annex_prov.title:
                prov.source["annex_title"] = self.annex_prov.title
        prov.refs.update(refs)
        prov.footnotes.extend(notes)
        self.articles += 1
        self.last_key = _number_key(head.number)
        if head.title is None and head.separated:
            self.title_target, self.title_blocks = prov, 0

    def _on_structural(self, head: Heading, text: str, block: Block) -> None:
        if self.pending and _RANK[head.kind] <= _RANK[self.pending[-1].heading.kind]:
            self._demote_pending()
        p = _Pending(head, [text], block.source)
        self.pending.append(p)
        self.pending_refs.update(head.refs)
        if head.title is None:
            self.title_target, self.title_blocks = p, 0

    _on_chapter = _on_section = _on_subsection = _on_structural

    def _on_annex(self, head: Heading, text: str, block: Block) -> None:
        self._demote_pending()
        self.annex = head.number or "annex"
        self.section = self.subsection = None
        prov = _Prov("annex", None, _annex_title(head.number, head.title), self.chapter[0], self.chapter[1],
                     None, flags=["annex"], raw_title=head.title)
        self._start(prov, block.source)
        self.annex_prov = prov
        prov.source["annex"] = self.annex
        prov.refs.update(head.refs)
        if head.title is None:
            self.title_target, self.title_blocks = prov, 0

    def _on_preamble(self, head: Heading, text: str, block: Block) -> None:
        self._demote_pending()
        self.chapter, self.section, self.subsection, self.annex = (None, None), None, None, None
        self.explicit_preamble = True
        prov = _Prov("preamble", None, "Preamble")
        self._start(prov, block.source)
        prov.refs.update(head.refs)

    def finish(self) -> tuple[tuple[ProvisionDraft, ...], str | None, tuple[str, ...]]:
        self._demote_pending()
        self._flush()
        if self.title is None:
            self.title = self.first_h1
        warnings: list[str] = []
        if self.toc_skipped:
            warnings.append(f"skipped a table of contents ({self.toc_skipped} lines)")
        if not self.articles:
            warnings.append("no article headings found: kept the whole text as one provision (flagged no-structure)")
            text = "\n".join(self.all_text)
            draft = ProvisionDraft(text=text, title=self.title, footnotes=tuple(self.all_notes),
                                   flags=("no-structure",))
            return (draft,) if text.strip() or self.all_notes else (), self.title, tuple(warnings)
        out: list[_Prov] = []
        if not self.front.empty or self.front.footnotes:
            if self.explicit_preamble:
                self.front.title, self.front.flags = "Front matter", ["front-matter"]
            else:
                self.front.kind, self.front.title = "preamble", "Preamble"
            out.append(self.front)
        # an annex or preamble heading directly followed by articles holds no text of its own
        out.extend(p for p in self.provs if not (p.kind in ("preamble", "annex") and p.empty and not p.footnotes))
        if self.unreferenced:
            warnings.append(f"{self.unreferenced} footnote(s) with no reference in the text: kept where they appear")
        if self.weak_rejected:
            warnings.append(f"{self.weak_rejected} heading-like line(s) out of numbering order were kept as text")
        seen: dict[str, int] = {}  # number -> how many articles print it
        outside: dict[str, int] = {}  # number -> how many articles outside annexes print it
        in_annex: dict[str, list[str]] = {}  # annex -> its article numbers
        for p in out:
            if p.kind == "article" and p.number:
                seen[p.number] = seen.get(p.number, 0) + 1
                if "annex" in p.source:
                    in_annex.setdefault(p.source["annex"], []).append(p.number)
                else:
                    outside[p.number] = outside.get(p.number, 0) + 1
        again = {a: len(ns) for a, ns in in_annex.items() if any(seen[n] > 1 for n in ns)}
        if again:  # annexes numbering their articles again: the annex tells them apart (AGREEMENT:annex-8A:1)
            listed = ", ".join(f"Annex {a} ({n} articles)" if a != "annex" else f"an annex ({n} articles)"
                               for a, n in again.items())
            first = next(iter(again))
            warnings.append(f"article numbers printed again in {listed}: reference them with their annex, e.g. "
                            f"AGREEMENT:{'annex' if first == 'annex' else 'annex-' + first}:1")
        dups = sorted((k for k, n in outside.items() if n > 1), key=lambda k: _number_key(k) or (0.0,))
        if dups:
            shown = ", ".join(dups[:10]) + (" ..." if len(dups) > 10 else "")
            warnings.append(f"article numbers printed more than once: {shown}")
        drafts = tuple(
            ProvisionDraft(
                text="\n".join(p.paras).strip(),
                number=p.number,
                title=p.title,
                chapter_number=p.chapter_number,
                chapter_title=p.chapter_title,
                section=p.section,
                footnotes=tuple(p.footnotes),
                flags=tuple(p.flags),
                source=p.source,
            )
            for p in out
        )
        return drafts, self.title, tuple(warnings)


def _forward(last: tuple[float, ...], key: tuple[float, ...]) -> bool:
    if key[:-1] == last[:-1] and key[-1] > last[-1]:
        return True
    return key[:-1] > last[:-1] if len(key) > 1 else key > last


def _successor(last: tuple[float, ...] | None, key: tuple[float, ...]) -> bool:
    """Is ``key`` the next article number after ``last`` (allowing one lost heading in between)?"""
    if last is None:
        return key[-1] == 1
    if len(key) == len(last) and key[:-1] == last[:-1] and 0 < key[-1] - last[-1] <= 2:
        return True
    return (len(key) >= 2 and len(key) == len(last) and key[:-2] == last[:-2] and key[-2] == last[-2] + 1
            and key[-1] == 1)


def _annex_title(number: str | None, title: str | None) -> str:
    base = "Annex" if not number or number == "annex" else f"Annex {number}"
    return f"{base}: {title}" if title else base


def segment(
    blocks: Iterable[Block], *, marked_only: bool = False
) -> tuple[tuple[ProvisionDraft, ...], str | None, tuple[str, ...]]:
    """Return (provisions, document title if found, warnings) for a document's blocks.

    Text before the first article becomes a "Preamble" provision (or, when the document has an explicit
    PREAMBLE heading, the text before that heading becomes "Front matter"); annexes become unnumbered
    provisions flagged ``annex``. With no article heading at all, the whole text is kept as one provision
    flagged ``no-structure`` and a warning says so. ``marked_only`` restricts headings to blocks with a
    ``heading_level`` (for sources whose headings are reliably marked, e.g. bold headings in a PDF).
    """
    blocks = list(blocks)
    seg = _Segmenter(marked_only, reject_weak=_separator_style(blocks, marked_only))
    for block in blocks:
        seg.feed(block)
    return seg.finish()


def _separator_style(blocks: list[Block], marked_only: bool) -> bool:
    """True when article headings print a separator ("Article 4.1: Title") far more often than not."""
    separated = weak = 0
    for b in blocks:
        if (marked_only or b.in_table) and b.heading_level is None:
            continue
        text = b.text.lstrip()
        if text[:3].lower() != "art":
            continue
        h = parse_heading(text, strong=b.heading_level is not None)
        if h is None or h.kind != "article" or h.title is None:
            continue
        if h.separated:
            separated += 1
        else:
            weak += 1
    return separated >= 5 and separated >= 3 * weak
