"""Compare two clause texts: similarity, a word-level diff, and the changes a drafter must see first.

``compare_texts(a, b)`` returns a :class:`Comparison`; the substantive changes it calls out are read
off the diff: a change of obligation strength (``shall`` → ``shall endeavour to``/``may``/``should``),
of a number or threshold (``48 hours`` → ``72 hours``, ``USD 200`` → ``USD 100``), of a party or country
name, or of a cross-reference (``Article 14.3`` → ``Article 19.3``). Each is found by recognising such
expressions in both texts and checking whether the ones touching a change differ between A and B, so
an unchanged ``shall`` beside an edited word is not reported. Heuristics: they flag, a lawyer decides.

Renderers: :func:`render_terminal` (ANSI colours or plain ``+[..]``/``-[..]`` markers) and
:func:`render_html` (one standalone page, inline CSS, inline and side-by-side views).
"""

from __future__ import annotations

import html
import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import click

from .diff import Op, diff_texts
from .similarity import Similarity, similarity

ChangeKind = Literal["rewritten", "obligation", "coverage", "threshold", "number", "party-name", "cross-reference"]
_PRIORITY: dict[str, int] = {"rewritten": -1, "obligation": 0, "coverage": 1, "threshold": 2, "number": 3,
                             "party-name": 4, "cross-reference": 5}


@dataclass(frozen=True)
class SubstantiveChange:
    """A change that alters what the clause means; offsets are where it starts in A and in B."""

    kind: ChangeKind
    before: str
    after: str
    message: str
    a_start: int
    b_start: int

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "before": self.before, "after": self.after, "message": self.message,
                "a_start": self.a_start, "b_start": self.b_start}


@dataclass(frozen=True)
class Comparison:
    """Text A compared with text B: similarity scores, diff ops and substantive changes (most important first)."""

    label_a: str
    label_b: str
    similarity: Similarity
    ops: tuple[Op, ...]
    changes: tuple[SubstantiveChange, ...]
    identical: bool

    @property
    def a(self) -> str:
        """Text A, rebuilt from the ops."""
        return "".join(op.a for op in self.ops)

    @property
    def b(self) -> str:
        """Text B, rebuilt from the ops."""
        return "".join(op.b for op in self.ops)

    @property
    def words_deleted(self) -> int:
        return sum(len(_WORDS.findall(op.a)) for op in self.ops if op.kind != "equal")

    @property
    def words_inserted(self) -> int:
        return sum(len(_WORDS.findall(op.b)) for op in self.ops if op.kind != "equal")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form; the ops are lossless (join the ``a``s for A, the ``b``s for B)."""
        return {
            "label_a": self.label_a,
            "label_b": self.label_b,
            "identical": self.identical,
            "similarity": self.similarity.to_dict(),
            "words_deleted": self.words_deleted,
            "words_inserted": self.words_inserted,
            "changes": [c.to_dict() for c in self.changes],
            "ops": [op.to_dict() for op in self.ops],
        }


def compare_texts(a: str, b: str, *, label_a: str = "A", label_b: str = "B") -> Comparison:
    """Compare text ``a`` (e.g. the earlier draft) with text ``b`` (the later one)."""
    ops = tuple(diff_texts(a, b))
    return Comparison(
        label_a=label_a,
        label_b=label_b,
        similarity=similarity(a, b),
        ops=ops,
        changes=tuple(substantive_changes(a, b, ops)),
        identical=a == b,
    )


# --- recognising the expressions that matter ---------------------------------------------------------

_WORDS = re.compile(r"\d+(?:[.,]\d+)+|\w+")  # "14.3" is one word

# Obligation strength: 4 binding (obligation or prohibition), 3 binding but qualified, 2 best efforts,
# 1 hortatory, 0 permissive. Longest match wins where patterns overlap ("shall not" over "shall").
_MODALS: tuple[tuple[str, int, str], ...] = (
    # "Nothing in paragraph 1 shall prevent a Party from …" and "paragraph 1 shall not preclude a Party from …"
    # say the same thing: a carve-out (what the rule leaves a Party free to do), not an obligation.
    ("carve-out", 0, (r"\bnothing\s+in\s+[^.;:]{0,120}?\bshall\s+(?:be\s+(?:construed|interpreted)\s+(?:to|as)\b"
                      r"|(?:prevent|preclude|prohibit|restrict|require|affect|limit|apply)\b)")),
    ("carve-out", 0, (r"\b(?:shall|does|do|will)\s+not\s+(?:be\s+(?:construed|interpreted)\s+to\s+)?"
                      r"(?:prevent|preclude|prohibit|restrict|affect|limit)\b")),
    # "A Party shall not prevent …" binds a Party: a prohibition, not a carve-out (longer match than the above)
    ("prohibition", 4, (r"\b(?:a|each|either|any|the|that)\s+(?:party|parties|member|contracting\s+party)\s+"
                        r"(?:shall|must|may)\s+not\s+(?:prevent|preclude|prohibit|restrict|affect|limit)\b")),
    ("prohibition", 4, r"\b(?:no|neither)\s+(?:party|parties|member|contracting\s+party)\s+(?:shall|must|may)\b"),
    ("prohibition", 4, r"\b(?:shall|must|may)\s+not\b"),
    ("hortatory", 1, r"\b(?:no|neither)\s+(?:party|parties|member|contracting\s+party)\s+should\b"),
    ("qualified obligation", 3,
     (r"\bshall\s*,?\s*(?:(?:where|when|if|as)\s+(?:appropriate|possible|practicable|feasible|necessary)"
      r"|to\s+the\s+(?:extent|degree)\s+(?:possible|practicable|feasible|appropriate)"
      r"|as\s+far\s+as\s+(?:possible|practicable))")),
    ("best efforts", 2, r"\b(?:(?:shall|must|will)\s+)?(?:endeavou?r|strive)s?\b(?:\s+to\b)?"),
    ("best efforts", 2, r"\bshall\s+(?:seek|try|aim)\s+to\b"),
    ("best efforts", 2, (r"\b(?:(?:shall|must|will)\s+)?(?:make|use)s?\s+(?:(?:every|all|its|their|best|"
                         r"reasonable|appropriate|possible)\s+)*(?:efforts?|endeavou?rs)\b(?:\s+to\b)?")),
    ("hortatory", 1, r"\b(?:should|may)\s+(?:endeavou?r|strive|seek|try|aim|make\s+(?:\w+\s+)?efforts?)\b(?:\s+to\b)?"),
    ("hortatory", 1, r"\bshould(?:\s+not)?\b"),
    ("hortatory", 1, r"\b(?:is|are)\s+encouraged\s+to\b"),
    ("obligation", 4, r"\bshall\b"),
    ("obligation", 4, r"\bmust\b"),
    ("obligation", 4, r"\b(?:agree|agrees|undertake|undertakes|commit|commits)\s+to\b"),
    ("obligation", 4, r"\b(?:is|are)\s+required\s+to\b"),
    ("permission", 0, r"\bmay\b"),
)
_MODAL_RES = tuple((cls, strength, re.compile(p, re.IGNORECASE)) for cls, strength, p in _MODALS)

_REF_WORD = (r"(?i:articles?|art\.|chapters?|annex(?:es)?|appendi(?:x|ces)|sections?|parts?|schedules?"
             r"|paragraphs?|subparagraphs?|sub-paragraphs?|footnotes?)")
_REF_ID = (r"(?:\d+[A-Za-z]?(?:[.\-]\w+)*(?:\s*\([a-z0-9]+\))*|[IVXL]+\b(?:\s*\([a-z0-9]+\))*"
           r"|\([a-z0-9]+\)(?:\s*\([a-z0-9]+\))*|[A-Z]\b(?:[.\-]\d+)*)")
_REF = re.compile(rf"\b{_REF_WORD}\s+{_REF_ID}(?:\s*(?:,|\band\b|\bor\b|\bthrough\b|\bto\b)\s*{_REF_ID})*")

_NUMBER_WORDS = ("one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|"
                 "sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|"
                 "hundred|thousand|million|billion|half")
_CURRENCY = r"(?:USD|US\$|EUR|SDR|SDRs|GBP|JPY|AUD|CAD|NZD|SGD|KRW|CHF|CNY|\$|€|£|¥)"
# Written-out currencies after the amount: "200 U.S. dollars", "100 Australian dollars", "50 euros".
_CURRENCY_NAME = (r"(?:(?:U\.\s?S\.|US|United\s+States|Australian|New\s+Zealand|Canadian|Singapore|Hong\s+Kong)"
                  r"\s+dollars?|special\s+drawing\s+rights)")
_UNIT = (rf"(?:{_CURRENCY_NAME}|per\s*cent|percent|%|percentage\s+points?|(?:working|business|calendar)\s+days?"
         r"|hours?|days?|weeks?"
         r"|months?|years?|kilograms?|kg|tonnes?|tons?|litres?|liters?|dollars?|euros?|yen|won|units?)")
_QUANTITY = re.compile(
    rf"(?:{_CURRENCY}\s?)?(?:\b\d+(?:[.,]\d+)*\b|\b(?i:(?:{_NUMBER_WORDS})(?:[\s-]+(?:and\s+)?(?:{_NUMBER_WORDS}))*)\b"
    rf"(?:\s*\(\d+(?:[.,]\d+)*\))?)(?:\s*{_UNIT}\b|\s*%)?")
# A paragraph or list number at the start of a line ("2.", "(b)", "3)") is layout, not a quantity.
# So is a number opening a line before a space (a footnote's own text: "6 For greater certainty, ...") and
# a digit glued to the word or punctuation before it (a footnote mark: "electronic means;6", "law.7").
_LIST_MARKER = re.compile(r"(?m)^[ \t]*(?:\(?\d+(?:\.\d+)*[.)]|\(\w{1,4}\)|\d+(?=[ \t]))"
                          r"|(?:(?<=[^\W\d_])|(?<=[;:,.)\]])(?<!\d[.,]))\d+\b")

_NAME = re.compile(r"\b[A-Z][\w'\u2019\-]*(?:\s+(?:of\s+(?:the\s+)?)?[A-Z][\w'\u2019\-]*)*")
# Capitalised words that start sentences or are treaty terms, not names of parties.
_NOT_NAMES = frozenset("""
a an the each any every no neither nor nothing for if in where whereas when with without this that these those
such notwithstanding subject upon unless except further furthermore both all either on at by within to of as
it its their other another or and but however accordingly pursuant provided following after before during from
under until only not recognising recognizing having desiring noting affirming acknowledging reaffirming
building considering seeking resolving believing committed determined mindful conscious aware party parties
agreement agreements article articles chapter chapters annex annexes appendix appendices section sections part
parts schedule schedules protocol protocols paragraph paragraphs subparagraph subparagraphs committee
commission council joint secretariat member members state states government governments contracting treaty
convention organization organisation world trade tariff tariffs customs valuation harmonized harmonised system
systems union wto gatt gats trips tbt sps usd eur sdr hs isbn electronic commerce digital products services
goods origin rules rule procedures procedure definitions definition general scope objectives cooperation
transparency dispute settlement final provisions exceptions investment intellectual property january february
march april may june july august september october november december monday tuesday wednesday thursday friday
saturday sunday
""".split())  # noqa: SIM905


@dataclass(frozen=True)
class _Feature:
    start: int
    end: int
    text: str
    key: str  # what must be equal on both sides for the feature to count as unchanged
    strength: int = -1
    label: str = ""


def _non_overlapping(found: list[_Feature]) -> list[_Feature]:
    """Keep the longest of overlapping matches (leftmost first); result sorted by start."""
    found.sort(key=lambda f: (f.start, -(f.end - f.start)))
    out: list[_Feature] = []
    for f in found:
        if out and f.start < out[-1].end:
            continue
        out.append(f)
    return out


def _fold(s: str) -> str:
    return " ".join(s.split())


def _modals(text: str, pos: int, end: int) -> list[_Feature]:
    found = [_Feature(m.start(), m.end(), m.group(), cls, strength, cls)
             for cls, strength, rx in _MODAL_RES for m in rx.finditer(text, pos, end)]
    return _non_overlapping(found)


def _refs(text: str, pos: int, end: int) -> list[_Feature]:
    return _non_overlapping([_Feature(m.start(), m.end(), m.group(), _fold(m.group()).lower())
                             for m in _REF.finditer(text, pos, end)])


def _quantities(text: str, pos: int, end: int, refs: Sequence[_Feature]) -> list[_Feature]:
    blocked = [(r.start, r.end) for r in refs] + [(m.start(), m.end())
                                                  for m in _LIST_MARKER.finditer(text, pos, end)]
    out = []
    for m in _QUANTITY.finditer(text, pos, end):
        if not m.group().strip() or any(s < m.end() and m.start() < e for s, e in blocked):
            continue
        out.append(_Feature(m.start(), m.end(), m.group(), _fold(m.group()).lower()))
    return _non_overlapping(out)


def _plain(word: str) -> str:
    """Lower case without a possessive ending: "Party's" -> "party"."""
    w = word.lower()
    return w[:-2] if w.endswith(("'s", "\u2019s")) else w


def _names(text: str, pos: int, end: int) -> list[_Feature]:
    out = []
    for m in _NAME.finditer(text, pos, end):
        words = list(re.finditer(r"[\w'\u2019\-]+", m.group()))
        while words and _plain(words[0].group()) in _NOT_NAMES:
            words.pop(0)
        if not words or all(_plain(w.group()) in _NOT_NAMES or not w.group()[:1].isupper() for w in words):
            continue
        if len(words) == 1 and len(words[0].group()) < 2:
            continue  # a lone capital letter: a list item or a variable, not a party
        start = m.start() + words[0].start()
        end = m.start() + words[-1].end()
        out.append(_Feature(start, end, text[start:end], _fold(text[start:end])))
    return out


# Expressions are looked for this far around a change (far longer than any expression recognised), so
# that the cost follows the number of changes, not the length of the texts.
_MARGIN = 300


def _features(text: str, start: int, end: int) -> dict[str, list[_Feature]]:
    """The expressions of each kind overlapping or adjacent to text[start:end], in order."""
    pos, stop = max(0, start - _MARGIN), min(len(text), end + _MARGIN)
    refs = _refs(text, pos, stop)
    found = {"modal": _modals(text, pos, stop), "number": _quantities(text, pos, stop, refs),
             "name": _names(text, pos, stop), "ref": refs}
    return {kind: [f for f in fs if f.start <= end and f.end >= start] for kind, fs in found.items()}


def _widen(text: str, start: int, end: int) -> tuple[int, int]:
    """Grow a changed span over the whitespace around it, so that a word beside the change touches it."""
    while start > 0 and text[start - 1] in " \t":
        start -= 1
    while end < len(text) and text[end] in " \t":
        end += 1
    return start, end


# A threshold: an amount of money, a share or a time limit. Even inside rewritten text, one that only
# one side states is worth a callout (a de minimis value introduced, a deadline dropped).
_THRESHOLD = re.compile(rf"{_CURRENCY}|{_CURRENCY_NAME}|per\s*cent|percent|%|(?:working|business|calendar)\s+days?"
                        r"|\bhours?\b|\bdays?\b|\bweeks?\b|\bmonths?\b|\byears?\b", re.IGNORECASE)
# What a rule covers, spelt out: "including …", "such as …", "in particular …" up to the next comma or stop.
_COVERAGE = re.compile(r"\b(?:including|inclusive\s+of|such\s+as|in\s+particular)\b[^,;.:\n]{3,160}", re.IGNORECASE)


def _thresholds(text: str, start: int, end: int) -> list[_Feature]:
    refs = _refs(text, start, end)
    return [f for f in _quantities(text, start, end, refs) if _THRESHOLD.search(f.text)]


def _coverage(text: str, start: int, end: int) -> list[_Feature]:
    found = _COVERAGE.finditer(text, start, end)
    return [_Feature(m.start(), m.end(), m.group(), _fold(m.group()).lower()) for m in found]


def _one_sided(a: str, b: str, ops: Sequence[Op]) -> list[SubstantiveChange]:
    """Thresholds and spelt-out coverage that one text states and the other does not state anywhere."""
    # kind, finder, whether a rewritten passage counts, what the other text must hold, messages (gone, new)
    checks: tuple[tuple[ChangeKind, Any, bool, tuple[Any, Any], tuple[str, str]], ...] = (
        ("threshold", _thresholds, True, ({f.key for f in _thresholds(b, 0, len(b))},
                                          {f.key for f in _thresholds(a, 0, len(a))}),
         ('threshold removed: "{}"', 'threshold added: "{}"')),
        ("coverage", _coverage, False, (_fold(b).lower(), _fold(a).lower()),
         ('coverage narrowed: no longer "{}"', 'coverage widened: now "{}"')),
    )
    out: list[SubstantiveChange] = []
    pa = pb = 0
    for op in ops:
        ea, eb = pa + len(op.a), pb + len(op.b)
        if op.kind != "equal":
            for kind, find, rewritten_too, (in_b, in_a), (gone, new) in checks:
                if not (rewritten_too or _local(op)):  # a rewritten passage has new coverage, not changed coverage
                    continue
                for f in find(a, pa, ea):
                    if f.key not in in_b:
                        out.append(SubstantiveChange(kind, _fold(f.text), "", gone.format(_fold(f.text)), f.start, pb))
                for f in find(b, pb, eb):
                    if f.key not in in_a:
                        out.append(SubstantiveChange(kind, "", _fold(f.text), new.format(_fold(f.text)), pa, f.start))
        pa, pb = ea, eb
    return out


def substantive_changes(a: str, b: str, ops: Sequence[Op]) -> list[SubstantiveChange]:
    """The obligation, number, party-name and cross-reference changes in a diff of ``a`` into ``b``."""
    kinds: tuple[tuple[ChangeKind, str], ...] = (
        ("obligation", "modal"), ("number", "number"), ("party-name", "name"), ("cross-reference", "ref"))
    seen: set[tuple[object, ...]] = set()
    out: list[SubstantiveChange] = []
    pa = pb = 0
    for op in ops:
        ea, eb = pa + len(op.a), pb + len(op.b)
        if op.kind != "equal" and _local(op):
            fa = _features(a, *_widen(a, pa, ea))
            fb = _features(b, *_widen(b, pb, eb))
            for kind, attr in kinds:
                ta, tb = fa[attr], fb[attr]
                change = _judge(kind, ta, tb)
                if change is None:
                    continue
                key = (kind, tuple((f.start, f.end) for f in ta), tuple((f.start, f.end) for f in tb))
                if key in seen:
                    continue
                seen.add(key)
                before = " … ".join(f.text for f in ta)
                after = " … ".join(f.text for f in tb)
                a_at = ta[0].start if ta else pa
                b_at = tb[0].start if tb else pb
                out.append(SubstantiveChange(kind, _fold(before), _fold(after), change, a_at, b_at))
        pa, pb = ea, eb
    claimed = {c.before for c in out if c.kind == "number"} | {c.after for c in out if c.kind == "number"}
    out += [c for c in _one_sided(a, b, ops) if (c.before or c.after) not in claimed]
    rewritten = _rewritten(a, b, ops)
    if rewritten is not None:
        out.append(rewritten)
    out.sort(key=lambda c: (_PRIORITY[c.kind], c.a_start, c.b_start))
    return out


# Wholesale change: when at least this share of one text's wording is not kept in the other, the diff is a new
# text rather than an edit, and the per-expression callouts above cannot be complete. Calibrated on real ToTA
# pairs: near-copies within a template family (US-Peru against TPP customs: 21-52 % of A's words not kept;
# TPP 14.3 against tota-160 15.4: 33 %/13 %) stay below it; articles on another subject (CAFTA 14.3 Digital
# Products against TPP 14.3 Customs Duties: 100 %/100 %) and cross-family rewrites (EU-Korea against TPP
# customs: 84-100 %) are above. Numbers, list labels ("(b)", "ii") and footnote markers are not wording.
REWRITTEN_SHARE = 0.6
#: One side alone must pass this to be called out ("most of B's wording is new"): a reworded article keeps
#: less than half of its words more often than not (TPP 5.7 against KORUS 7.7: 62 %/47 %).
ONE_SIDED_SHARE = 0.75
_WORDING = re.compile(r"[^\W\d_]{2,}")
_ROMAN_LABEL = re.compile(r"(?i)^[ivxl]+$")
_NOT_SUBJECT = frozenset("""
shall party parties other such with that this which each under from their have been into upon those these where
whether between agreement chapter article paragraph subparagraph including include provide provided accordance
respect relation manner order apply applies applied measures measure non may any all its the and for not
""".split())  # noqa: SIM905


def _wording(text: str) -> list[str]:
    """The words of a text that carry its wording: no numbers, list labels or footnote markers."""
    return [w for w in _WORDING.findall(text) if not _ROMAN_LABEL.match(w)]


def _subjects(text: str, other: str, limit: int = 3) -> list[tuple[str, int]]:
    """Word pairs (no function words) that ``text`` uses at least twice and ``other`` never: what only it is about."""
    def pairs(t: str) -> list[str]:
        out = []
        for piece in re.split(r"[,;:.()\[\]\n]", t):  # a pair never spans punctuation ("taxes, fees")
            words = [w.lower() for w in _WORDING.findall(piece)]
            out += [f"{x} {y}" for x, y in itertools.pairwise(words)
                    if len(x) > 3 and len(y) > 3 and x not in _NOT_SUBJECT and y not in _NOT_SUBJECT]
        return out
    theirs = {_plain_pair(p) for p in pairs(other)}
    counts: dict[str, int] = {}
    for p in pairs(text):
        if _plain_pair(p) not in theirs:
            counts[p] = counts.get(p, 0) + 1
    chosen: list[tuple[str, int]] = []
    for p, k in sorted(counts.items(), key=lambda x: -x[1]):
        if k >= 2 and len(chosen) < limit and not any(set(p.split()) & set(q.split()) for q, _ in chosen):
            chosen.append((p, k))  # no two pairs sharing a word ("digital products", "products transmitted")
    return chosen


def _plain_pair(pair: str) -> str:
    return " ".join(_plain(w) for w in pair.split())


def _rewritten(a: str, b: str, ops: Sequence[Op]) -> SubstantiveChange | None:
    """A callout when most of A's or of B's wording is not kept in the other (see :data:`REWRITTEN_SHARE`), with
    the share of each and the subjects only one side speaks of."""
    kept_a = sum(len(_wording(op.a)) for op in ops if op.kind == "equal")
    kept_b = sum(len(_wording(op.b)) for op in ops if op.kind == "equal")
    total_a, total_b = len(_wording(a)), len(_wording(b))
    if not total_a or not total_b:
        return None
    gone, new = 1 - kept_a / total_a, 1 - kept_b / total_b
    if min(gone, new) < REWRITTEN_SHARE and max(gone, new) < ONE_SIDED_SHARE:
        return None
    head = ("content largely rewritten" if min(gone, new) >= REWRITTEN_SHARE
            else "most of B's wording is new" if new >= ONE_SIDED_SHARE else "most of A's wording is gone")
    message = f"{head}: {gone:.0%} of A's wording is not in B, {new:.0%} of B's is not in A"
    only_a, only_b = _subjects(a, b), _subjects(b, a)
    if only_a:
        message += "; only A speaks of " + ", ".join(f'"{p}" ({k}×)' for p, k in only_a)
    if only_b:
        message += "; only B speaks of " + ", ".join(f'"{p}" ({k}×)' for p, k in only_b)
    return SubstantiveChange("rewritten", f"{gone:.0%}", f"{new:.0%}", message, 0, 0)


# A change of more words than this on either side, or across a paragraph break, is rewritten text: its
# obligations, numbers and names are new, not changed, and listing them would bury the real alarms.
MAX_CHANGE_WORDS = 20


def _local(op: Op) -> bool:
    return ("\n" not in op.a and "\n" not in op.b
            and len(_WORDS.findall(op.a)) <= MAX_CHANGE_WORDS and len(_WORDS.findall(op.b)) <= MAX_CHANGE_WORDS)


def _judge(kind: ChangeKind, ta: list[_Feature], tb: list[_Feature]) -> str | None:
    """The message for a change of this kind between the features touching the change, or None."""
    if not ta or not tb:
        return None  # an expression added or removed with its sentence: a new text, not a changed one
    if kind == "obligation":
        if [f.key for f in ta] == [f.key for f in tb]:
            return None
        sa, sb = max(f.strength for f in ta), max(f.strength for f in tb)
        verb = "weakened" if sb < sa else "strengthened" if sb > sa else "changed"
        labels_a = ", ".join(dict.fromkeys(f.label for f in ta))
        labels_b = ", ".join(dict.fromkeys(f.label for f in tb))
        return (f'obligation {verb}: "{_fold(" … ".join(f.text for f in ta))}" → '
                f'"{_fold(" … ".join(f.text for f in tb))}" ({labels_a} → {labels_b})')
    if [f.key for f in ta] == [f.key for f in tb]:
        return None
    if kind == "party-name":
        gone = {f.key for f in ta} - {f.key for f in tb}
        came = {f.key for f in tb} - {f.key for f in ta}
        if not gone or not came:
            return None  # a name added or dropped beside others is not a renaming
    before = _fold(" … ".join(f.text for f in ta))
    after = _fold(" … ".join(f.text for f in tb))
    if kind == "number":
        return f'number changed: "{before}" → "{after}"'
    if kind == "party-name":
        return f'name changed: "{before}" → "{after}"'
    return f'cross-reference changed: "{before}" → "{after}"'


# --- rendering ------------------------------------------------------------------------------------------

def _layout_only(op: Op) -> bool:
    """A change of spacing alone (same number of line breaks): shown as B reads, not marked up."""
    return (op.kind == "replace" and op.a.isspace() and op.b.isspace()
            and op.a.count("\n") == op.b.count("\n"))


def _styled(text: str, color: bool, **style: Any) -> str:
    """Style each line apart, so that line breaks stay outside the escape codes (pagers, wrapping)."""
    if not color:
        return text
    return "\n".join(click.style(line, **style) if line else line for line in text.split("\n"))


def render_terminal(comparison: Comparison, color: bool) -> str:
    """The comparison for a terminal: summary, substantive changes, then the text with changes marked.

    With ``color``, deletions are red and struck through, insertions green and underlined (ANSI, as
    ``click.style`` writes them); without, deletions read ``-[old]`` and insertions ``+[new]``.
    """
    c = comparison
    s = c.similarity
    lines = [
        _styled(f"A: {c.label_a}", color, bold=True),
        _styled(f"B: {c.label_b}", color, bold=True),
    ]
    if c.identical:
        lines.append("identical")
        return "\n".join(lines) + "\n"
    lines.append(f"similarity: edit {s.edit:.2f} · token set {s.token_set:.2f} · word 5-gram Jaccard "
                 f"{s.jaccard5:.2f} · char 5-gram Jaccard {s.jaccard5_chars:.2f} · "
                 f"{c.words_deleted} words deleted, {c.words_inserted} inserted")
    if c.changes:
        lines.append(_styled(f"Substantive changes ({len(c.changes)}):", color, bold=True))
        for ch in c.changes:
            lines.append("  ! " + ch.message)
    lines.append("")
    body = []
    for op in c.ops:
        if op.kind == "equal" or _layout_only(op):
            body.append(op.b)
            continue
        if op.a:
            body.append(_styled(op.a, True, fg="red", strikethrough=True) if color else f"-[{op.a}]")
        if op.b:
            body.append(_styled(op.b, True, fg="green", underline=True) if color else f"+[{op.b}]")
    lines.append("".join(body))
    return "\n".join(lines) + "\n"


_CSS = (
    "\nbody{font-family:Georgia,'Times New Roman',serif;margin:2em auto;max-width:72em;padding:0 1em;color:#222;"
    "line-height:1.45}"
    """
h1{font-size:1.3em}h2{font-size:1.1em;margin-top:2em;border-bottom:1px solid #ccc}
.meta td{padding:.1em 1em .1em 0}.changes li{margin:.2em 0}
.text{white-space:pre-wrap;font-size:1em}
del{color:#a40000;background:#fde2e2;text-decoration:line-through}
ins{color:#0b6b0b;background:#e1f5e1;text-decoration:underline}
table.sbs{border-collapse:collapse;width:100%;table-layout:fixed}
table.sbs th{text-align:left;border-bottom:2px solid #999;padding:.3em}
table.sbs td{vertical-align:top;white-space:pre-wrap;padding:.3em;border-bottom:1px solid #eee;width:50%}
.kind{font-family:sans-serif;font-size:.8em;background:#eee;border-radius:3px;padding:0 .3em}
"""
)


def _side_by_side_rows(ops: Sequence[Op]) -> list[tuple[str, str]]:
    """Rows of (A html, B html), cut wherever both texts break a line at the same point."""
    rows: list[tuple[str, str]] = []
    left: list[str] = []
    right: list[str] = []
    for op in ops:
        if op.kind == "equal":
            pieces = re.split(r"(?<=\n)", op.a)
            for piece in pieces:
                if not piece:
                    continue
                left.append(html.escape(piece))
                right.append(html.escape(piece))
                if piece.endswith("\n"):
                    rows.append(("".join(left), "".join(right)))
                    left, right = [], []
        else:
            if op.a:
                left.append(f"<del>{html.escape(op.a)}</del>")
            if op.b:
                right.append(f"<ins>{html.escape(op.b)}</ins>")
    if left or right:
        rows.append(("".join(left), "".join(right)))
    return rows


def render_html(comparison: Comparison) -> str:
    """The comparison as one standalone HTML page (inline CSS, no scripts): inline and side-by-side views."""
    c = comparison
    e = html.escape
    s = c.similarity
    changes = "".join(f'<li><span class="kind">{e(ch.kind)}</span> {e(ch.message)}</li>' for ch in c.changes)
    rows = "".join(f"<tr><td>{x}</td><td>{y}</td></tr>" for x, y in _side_by_side_rows(c.ops))
    status = "identical" if c.identical else (f"{c.words_deleted} words deleted, {c.words_inserted} inserted")
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e(c.label_a)} → {e(c.label_b)}</title>
<style>{_CSS}</style>
</head>
<body>
<h1>{e(c.label_a)} → {e(c.label_b)}</h1>
<table class="meta">
<tr><td>A</td><td>{e(c.label_a)}</td></tr>
<tr><td>B</td><td>{e(c.label_b)}</td></tr>
<tr><td>Changes</td><td>{e(status)}</td></tr>
<tr><td>Edit similarity</td><td>{s.edit:.2f}</td></tr>
<tr><td>Token-set overlap</td><td>{s.token_set:.2f}</td></tr>
<tr><td>Word 5-gram Jaccard</td><td>{s.jaccard5:.2f}</td></tr>
<tr><td>Character 5-gram Jaccard</td><td>{s.jaccard5_chars:.2f}</td></tr>
</table>
<h2>Substantive changes</h2>
{f'<ul class="changes">{changes}</ul>' if changes else '<p>None found.</p>'}
<h2>Inline</h2>
<div class="text">{_inline_html(c)}</div>
<h2>Side by side</h2>
<table class="sbs"><thead><tr><th>{e(c.label_a)}</th><th>{e(c.label_b)}</th></tr></thead>
<tbody>{rows}</tbody></table>
</body>
</html>
"""


#: One article section of a chapter page: heading, and the comparison of the pair, or the text of an article
#: found on one side only with the side ("a": only in A, shown deleted; "b": only in B, shown inserted).
ChapterSection = tuple[str, Comparison | tuple[Literal["a", "b"], str]]


def _inline_html(c: Comparison) -> str:
    e = html.escape
    out = []
    for op in c.ops:
        if op.kind == "equal" or _layout_only(op):
            out.append(e(op.b))
            continue
        if op.a:
            out.append(f"<del>{e(op.a)}</del>")
        if op.b:
            out.append(f"<ins>{e(op.b)}</ins>")
    return "".join(out)


def render_chapter_html(name_a: str, name_b: str, sections: Sequence[ChapterSection]) -> str:
    """Two aligned chapters as one standalone HTML page (inline CSS, no scripts): per article, its heading,
    the change summary and substantive changes, and the text with deletions and insertions marked; articles
    on one side only are shown wholly deleted (A) or inserted (B)."""
    e = html.escape
    body = []
    for heading, item in sections:
        if isinstance(item, Comparison):
            status = ("identical" if item.identical
                      else f"{item.words_deleted} words deleted, {item.words_inserted} inserted")
            changes = "".join(f'<li><span class="kind">{e(ch.kind)}</span> {e(ch.message)}</li>' for ch in item.changes)
            body.append(f"<h2>{e(heading)}</h2>\n<p>{e(status)}</p>\n"
                        + (f'<ul class="changes">{changes}</ul>\n' if changes else "")
                        + f'<div class="text">{_inline_html(item)}</div>')
        else:
            side, text = item
            tag = "del" if side == "a" else "ins"
            note = "only in A" if side == "a" else "only in B"
            body.append(f"<h2>{e(heading)}</h2>\n<p>{note}</p>\n<div class=\"text\"><{tag}>{e(text)}</{tag}></div>")
    sections_html = "\n".join(body)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e(name_a)} → {e(name_b)}</title>
<style>{_CSS}</style>
</head>
<body>
<h1>{e(name_a)} → {e(name_b)}</h1>
{sections_html}
</body>
</html>
"""
