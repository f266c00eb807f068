"""Obligation strength of one provision: binding, soft, mixed or none.

The hard/soft legalisation scheme used in trade-law research (Abbott & Snidal's "obligation"
dimension, read off the operative verbs). Each sentence of a provision is scanned once for modal
cues; a provision is ``binding`` when it has only binding sentences, ``soft`` when it has only
soft ones, ``mixed`` when it has both and ``none`` when it creates no commitment at all.

Decisions on the debatable cases (keep README/bench in step when changing them):

* binding: shall, shall not, must, "is/are required to", "undertake(s) to", "agree(s) to" +
  verb, "commit(s) to" + verb, "No Party may" / "Parties may not"; passive and deeming rules
  ("duties shall be eliminated", "a good shall be considered originating") and institutional
  duties ("the Committee shall meet", "shall have the following functions"); "will" only when a
  Party is its subject ("the Parties will refrain"), since older translated agreements use it
  for "shall"; Spanish deberá, future-tense verbs after a Party (otorgará), se comprometen a,
  Ninguna Parte podrá; French doit/doivent/devra, s'engage(nt) à.
* soft: shall endeavour / seek to / strive / aim / try / make every effort / use best endeavours;
  should (except "Should a Party ..." = "if"); recognise / acknowledge (finite forms); encourage;
  "stress the importance"; cooperation commitments ("shall cooperate", "agree to cooperate",
  "shall strengthen cooperation", a clause whose subject is cooperation): they prescribe no
  determinate conduct, so like most coders we treat them as soft; "shall promote" and
  "shall consider" / "give sympathetic consideration" / "examine the possibility" for the same
  reason; hortatory "may" (may consider, may cooperate, may explore, may promote); a modal
  softened by "where appropriate", "as appropriate", "to the extent possible/practicable",
  "as far as possible", "where possible" placed before it in its sentence or right after it.
  A qualifier placed later in the sentence only narrows an object ("publish its laws and, where
  possible, agreements") and does not soften the obligation. Spanish procurará, se esforzará,
  cooperarán, promoverán; French s'efforce(nt).
* none: permissions ("A Party may adopt", "shall have the right to", "shall be entitled to",
  podrá, peut); definitions ("means", "shall mean", a quoted term defined); interpretation and
  carve-outs ("Nothing in this Chapter shall ...", "shall not be construed", "shall not
  preclude/prevent/affect", "shall not be required to", "shall be without prejudice"); scope
  clauses ("This Chapter shall apply to", "shall not apply", "shall be governed by"; but
  "Each Party shall apply" is binding); procedural status clauses about the treaty itself
  ("shall enter into force", "shall terminate", "shall take effect", "shall remain in force",
  "shall prevail", "shall form an integral part", "shall be equally authentic"), which bind no
  one to any conduct; objectives ("The objectives of this Chapter shall be to ...") and
  preamble recitals (a title "Preamble", or anything before "have agreed as follows").
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

__all__ = ["LABELS", "Obligation", "classify", "classify_many", "split_sentences"]

#: The four labels, strongest first.
LABELS = ("binding", "soft", "mixed", "none")

_B, _S, _N = "binding", "soft", "none"


@dataclass(frozen=True)
class Obligation:
    """The label of one provision and the sentences (as they appear in its text) behind it."""

    label: str  # "binding" | "soft" | "mixed" | "none"
    binding: tuple[str, ...] = ()
    soft: tuple[str, ...] = ()


_NONE = Obligation("none")

# ---------------------------------------------------------------------------------------------
# Sentence splitting (used when the caller has no offsets from text analysis)
# ---------------------------------------------------------------------------------------------

_BOUNDARY = re.compile(r"[.!?][\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9\u00c0-\u00de\u00bf\u00a1])")
# The word before a period that does not end a sentence: "e.g.", "Art.", "No.", "U.S.".
_ABBREV = re.compile(
    r"(?:\b(?:[A-Za-z]\.)+[A-Za-z]|\b(?:Art|Arts|art|No|Nos|no|para|paras|subpara|Para|Sec|sec|Ch|Chap|ch|"
    r"Mr|Ms|Mrs|Dr|St|Co|Corp|Inc|Ltd|etc|cf|viz|vol|Vol|pp?|Rev|Doc|Ref|approx|incl|Jan|Feb|Mar|Apr|"
    r"Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|Nr|nr|núm|Núm|pág|inc|lit|Sr|Sra|Dir|Reg|Fig|op|ibid|Ibid))$"
)


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Cheap sentence offsets: break after . ! ? followed by a capital, digit or bracket, except
    after abbreviations ("e.g.", "Art.", "No."). A paragraph number ("2.") becomes its own
    fragment, which carries no cue and so never shows up in a result."""
    out: list[tuple[int, int]] = []
    start = 0
    for m in _BOUNDARY.finditer(text):
        i = m.start()
        if _ABBREV.search(text, max(0, i - 12), i):
            continue
        end = m.end()
        seg = text[start:end].rstrip()
        if seg:
            out.append((start, start + len(seg)))
        start = end
    if text[start:].strip():
        out.append((start, len(text.rstrip())))
    return out


# ---------------------------------------------------------------------------------------------
# Cue patterns. Every pattern starts with a literal so that the regex engine skips ahead with a
# fast substring search: one pass per cue word is much cheaper than one alternation per position.
# ---------------------------------------------------------------------------------------------

_ADVERBS = (
    r"also|only|further|jointly|promptly|each|both|mutually|duly|therefore|thus|hereby|then|"
    r"accordingly|thereafter|subsequently|immediately|progressively|gradually|regularly|periodically|"
    r"not|forthwith|equally|likewise|individually|collectively|in\s+particular|in\s+principle|"
    r"as\s+appropriate|where\s+appropriate|as\s+far\s+as\s+possible|where\s+possible|"
    r"to\s+the\s+(?:\w+\s+)?extent\s+(?:possible|practicable|feasible)"
)
# After a modal: optional "not", an optional parenthetical (", in accordance with its laws,") or
# adverbs, then up to six words that decide what the modal does.
_TAIL = (
    r"(?P<neg>\s+not\b)?(?P<gap>(?:\s*,[^,.;:]{1,160}?,)?(?:\s+(?:" + _ADVERBS + r")\b)*)"
    r"(?P<tail>(?:\s+[\w'-]+){0,6})"
)


def _modal(word: str) -> re.Pattern[str]:
    return re.compile(word + r"\b" + _TAIL)


_EN_MODALS = {
    "shall": _modal("shall"),
    "must": _modal("must"),
    "should": _modal("should"),
    "may": _modal("may"),
    "will": _modal("will"),
}
_VERB_AFTER = r"(?P<tail>(?:\s+[\w'-]+){1,6})"
_NOT_VERB = r"(?!\s+(?:the|a|an|any|such|this|these|that|those|it|its|their|them|by|which|what|all|each)\b)"
_EN_COMMIT = [
    re.compile(r"undertakes?(?:\s+(?:jointly|themselves|itself))?\s+(?P<neg>not\s+)?to" + _NOT_VERB + _VERB_AFTER),
    re.compile(r"agree(?:s|d)?(?:\s+(?:jointly|further|also))?\s+(?P<neg>not\s+)?to" + _NOT_VERB + _VERB_AFTER),
    re.compile(r"commits?(?:\s+(?:themselves|itself))?\s+to" + _NOT_VERB + _VERB_AFTER),
    re.compile(r"required\s+to" + _NOT_VERB + _VERB_AFTER),
    re.compile(r"oblig(?:ed|ated)\s+to" + _NOT_VERB + _VERB_AFTER),
]
_EN_SOFT = [
    re.compile(r"recogni[sz]es?\b"),
    re.compile(r"acknowledges?\b"),
    re.compile(r"encourage[sd]?\b"),
    re.compile(r"endeavou?rs?\s+to\b"),
    re.compile(r"importance\b"),  # kept only after stress/underline/emphasise/note/highlight
    re.compile(r"readiness\b"),  # "declare their readiness to"
]
_EN_QUAL = [re.compile(r"appropriate\b"), re.compile(r"(?:possible|practicable|feasible)\b")]
_EN_EXCEPT = [re.compile(r"Nothing\s+(?:in|contained|herein|under|of|set|done)\b"), re.compile(r"nothing\s+in\b")]

# -- tails (lower-cased, leading space stripped) --------------------------------------------------
_SOFT_VERBS = (
    r"endeavou?rs?|seek|strive|try|aim|cooperate|co-operate|collaborate|promote|encourage|"
    r"consider|explore|foster|make\s+(?:every|all|its|their|best|reasonable|the\s+utmost|utmost)|"
    r"use\s+(?:its|their|all)\s+(?:best|reasonable)|do\s+(?:its|their)\s+(?:best|utmost)|"
    r"give\s+(?:sympathetic|due|positive|favourable|favorable|full|careful|special)\s+consideration|"
    r"accord\s+sympathetic|afford\s+sympathetic|work\s+(?:together|towards?|jointly|closely|to)|"
    r"be\s+urged|be\s+encouraged|keep\s+under\s+review\s+the\s+possibility|"
    r"(?:examine|study|explore|discuss|look\s+into|review)\s+(?:\w+\s+){0,2}(?:possibilit|feasibilit|ways|means)"
)
_SOFT_TAIL = re.compile(r"(?:" + _SOFT_VERBS + r")")
_MAY_SOFT_TAIL = re.compile(
    r"(?:also\s+|further\s+|jointly\s+|mutually\s+)?(?:consider|cooperate|co-operate|collaborate|explore|"
    r"encourage|promote|endeavou?r|seek|strive|work\s+(?:together|towards?|jointly)|develop\s+(?:\w+\s+)?co-?operation|"
    r"strengthen|enhance\s+(?:\w+\s+)?co-?operation)"
)
_NONE_TAIL = re.compile(
    r"(?:not\s+)?(?:be\s+)?(?:construed|interpreted|understood|deemed\s+to\s+(?:include|mean|refer)|"
    r"mean|means|refer\s+to|have\s+the\s+(?:same\s+)?meaning|"
    r"enter\s+into\s+force|remain\s+in\s+(?:force|effect)|continue\s+(?:in\s+force|to\s+(?:be\s+in\s+(?:force|effect)|have\s+effect|apply))|"
    r"take\s+effect|cease\s+to|terminate|expire|be\s+terminated|"
    r"prevail|form\s+(?:an\s+|part)|be\s+(?:an\s+)?integral|constitute\s+(?:an\s+)?integral|be\s+equally\s+authentic|"
    r"be\s+authentic|be\s+open\s+for\s+(?:accession|signature)|"
    r"have\s+the\s+(?:right|power|discretion|option|possibility|authority|competence)|be\s+(?:entitled|free|at\s+liberty)\b|"
    r"be\s+without\s+prejudice|be\s+governed\s+by|preclude|prevent|affect|prejudice|derogate|"
    r"be\s+(?:required|obliged|obligated|compelled)|require|oblige|"
    r"consist|be\s+composed|comprise)"
)
_NEG_NONE_TAIL = re.compile(r"not\s+(?:apply|be\s+applicable|constitute|be\s+used\s+as\s+a\s+means)")
_APPLY_TAIL = re.compile(r"(?:also\s+|likewise\s+|only\s+|equally\s+)?(?:apply|be\s+applicable)\b")
_INCLUDE_TAIL = re.compile(r"(?:include|be\s+defined)")
_COOP = re.compile(r"co-?operat|collaborat", re.IGNORECASE)
_PARTY_BEFORE = re.compile(
    r"(?:Part(?:y|ies)|Sides?|States?|Members?|Governments?|[Tt]hey|[Ii]t|[Ss]ignator(?:y|ies)|"
    r"authorit(?:y|ies)|Commission|Committee|Council)\s*(?:,[^,]{0,80},)?\s*$"
)
_NO_BEFORE = re.compile(r"\b(?:No|Neither|neither|Nor|nor|no)\s+(?:[\w-]+\s+){0,5}$")
_QUAL_BEFORE = {
    "appropriate": re.compile(r"\b(?:as|where|if|when|wherever|whenever)\s+(?:it\s+is\s+|deemed\s+)?$", re.IGNORECASE),
    "possible": re.compile(
        r"\b(?:extent|as\s+far\s+as|so\s+far\s+as|where|wherever|if|when|whenever|insofar\s+as|in\s+so\s+far\s+as)\s+"
        r"(?:(?:is|it\s+is|as\s+is|reasonably|technically|administratively)\s+)?$",
        re.IGNORECASE,
    ),
}
_IMPORTANCE_BEFORE = re.compile(
    r"\b(?:stress|underline|emphasi[sz]e|note|highlight|affirm|reaffirm|recall|reiterate)s?\s+(?:the\s+)?(?:great\s+)?$"
)
_READINESS_BEFORE = re.compile(r"\b(?:declare|express|confirm|state|affirm)s?\s+(?:their|its)\s+$")
_DEFINITION = re.compile(
    r"[\"'](?:\s*,[^,]{0,80},)?\s+(?:means|mean|shall\s+mean|includes|shall\s+include|refers\s+to|shall\s+refer\s+to|"
    r"has\s+the\s+meaning|significa|significan|se\s+entender|incluye|désigne|s'entend)\b"
    r"|\bterm\s+[\"']?[^.;:]{1,60}?[\"']?\s+(?:means|shall\s+mean)\b|\bse\s+entender[áa]n?\s+por\b|\bon\s+entend\s+par\b"
)
_OBJECTIVE = re.compile(
    r"\s*(?:\(?\w{1,4}[.)]\s*)?(?:The|These|Its|Los|Las|El|Les|Le)\s+(?:main\s+|overall\s+|general\s+|specific\s+|principal\s+)?"
    r"(?:objectives?|aims?|purposes?|goals?|objetivos?|objectifs?|finalidad|fines)\s+(?:of|del?|de\s+la|des?|du)\b"
)
_PREAMBLE = re.compile(
    r"agreed\s+as\s+follows|agree\s+as\s+follows|acordado\s+lo\s+siguiente|convenido\s+(?:en\s+)?lo\s+siguiente|"
    r"convienen\s+(?:en\s+)?lo\s+siguiente|convenu\s+(?:de\s+)?ce\s+qui\s+suit|decided\s+as\s+follows",
    re.IGNORECASE,
)
_PREAMBLE_TITLE = re.compile(r"^\s*(?:preamble|pre[aá]mbulo|pr[ée]ambule)\b", re.IGNORECASE)

# -- Spanish ----------------------------------------------------------------------------------
# Future tense ("otorgará", "podrán") is the Spanish "shall"; the stem decides what it does.
_ES_FUTURE = re.compile(r"rán?\b")
_ES_WORD_BEFORE = re.compile(r"(?:\b(?P<se>se|no|no\s+se|se\s+les?|les?)\s+)?(?P<stem>[a-záéíóúñ]{2,})$")
_ES_SOFT = {
    "procurar", "esforzar", "cooperar", "colaborar", "promover", "fomentar", "alentar", "incentivar",
    "estimular", "explorar", "impulsar", "propiciar", "considerar", "intentar", "buscar", "fortalecer",
}
_ES_NONE = {
    "entender", "interpretar", "entrar", "permanecer", "terminar", "expirar", "prevalecer", "constituir",
    "afectar", "impedir", "tener", "poder", "significar", "incluir", "denunciar", "regir", "aplicar",
    "ser", "haber",
}
_ES_OTHER = [
    (re.compile(r"deber(?:á|án|ía|ían)?\b|deben?\b"), "deber"),
    (re.compile(r"comprometen?\s+a\b"), "comprometer"),
    (re.compile(r"reconocen?\b"), "reconocer"),
]
_ES_EXCEPT = [re.compile(r"Nada\s+de\s+lo\b|Ninguna\s+disposici"), re.compile(r"nada\s+de\s+lo\b")]
_ES_QUAL = [re.compile(r"proceda\b|corresponda\b|posible\b|apropiado\b|factible\b|pertinente\b")]
_ES_QUAL_BEFORE = re.compile(
    r"(?:cuando|según|en\s+la\s+medida\s+de\s+lo|en\s+lo|de\s+ser|si\s+fuera|cuando\s+sea|siempre\s+que\s+sea|lo\s+más)\s+$",
    re.IGNORECASE,
)
# -- French -----------------------------------------------------------------------------------
_FR = [
    (re.compile(r"doi(?:t|vent)\b|devr(?:a|ont)\b"), _B),
    (re.compile(r"s'engagen?t?\s+à\b"), _B),
    (re.compile(r"s'efforcen?t?\b|s'efforcer(?:a|ont)\b"), _S),
    (re.compile(r"reconnaissen?t\b|encouragen?t?\b|coopèrent\b|coopéreront\b"), _S),
    (re.compile(r"peu(?:t|vent)\b|pourr(?:a|ont)\b"), "may"),
]
_FR_MAY_SOFT = re.compile(r"\s+(?:coopérer|envisager|examiner|promouvoir|encourager|explorer)\b")
_FR_EXCEPT = [re.compile(r"Aucune\s+disposition|Rien\s+dans")]
_FR_QUAL = [re.compile(r"cas\s+échéant|mesure\s+du\s+possible")]

_EN_MARK = (" the ", " shall ", " of the ")
_ES_MARK = (" el ", " los ", " del ", " las ")
_FR_MARK = (" les ", " des ", " du ", " une ")


def _lang(text: str) -> str:
    if any(m in text for m in _EN_MARK):
        return "en"
    if any(m in text for m in _ES_MARK):
        return "es"
    if any(m in text for m in _FR_MARK):
        return "fr"
    return "en"


# A cue is (start, end, kind): kind is "binding", "soft", "none" (a neutralised modal that still
# occupies its span), "qual" (softening qualifier) or "except" ("Nothing in ...").
Cue = tuple[int, int, str]


def _tail_strength(tail: str, neg: bool) -> str | None:
    """What a modal does given the words after it: "soft", "none" or None (= default)."""
    if neg:
        t = "not " + tail
        if _NEG_NONE_TAIL.match(t) or _NONE_TAIL.match(t):
            return _N
        return None
    if _SOFT_TAIL.match(tail):
        return _S
    if _NONE_TAIL.match(tail):
        return _N
    if "operat" in tail and _COOP.search(tail):
        return _S
    return None


def _en_cues(text: str) -> list[Cue]:
    cues: list[Cue] = []
    add = cues.append
    for word, pat in _EN_MODALS.items():
        if word not in text:
            continue
        for m in pat.finditer(text):
            s = m.start()
            if s and (text[s - 1].isalnum() or text[s - 1] == "-"):
                continue
            tail = m.group("tail").lstrip().lower()
            neg = bool(m.group("neg")) or m.group("gap").endswith(" not")
            end = m.start("tail") + min(len(m.group("tail")), 20) if tail else m.end()
            window = text[max(0, s - 90) : s]
            if word == "may":
                if neg and _PARTY_BEFORE.search(window):
                    add((s, end, _B))
                elif _NO_BEFORE.search(window[-60:]) and not _NONE_TAIL.match(tail):
                    add((s, end, _B))
                elif _MAY_SOFT_TAIL.match(tail):
                    add((s, end, _S))
                else:
                    add((s, end, _N))
                continue
            if word == "will" and not _PARTY_BEFORE.search(window[-40:]):
                continue
            strength = _tail_strength(tail, neg)
            if strength is None:
                if not neg and _APPLY_TAIL.match(tail):
                    strength = _B if _PARTY_BEFORE.search(window[-60:]) else _N
                elif not neg and _INCLUDE_TAIL.match(tail) and ('"' in window[-80:] or "'" in window[-80:]):
                    strength = _N
                else:
                    strength = _S if word == "should" else _B
            elif word == "should" and strength == _B:
                strength = _S
            add((s, end, strength))
    for pat in _EN_COMMIT:
        for m in pat.finditer(text):
            s = m.start()
            if s and text[s - 1].isalnum():
                continue
            before = text[max(0, s - 20) : s]
            first = text[s]
            if first == "a" and (before.endswith(("as ", "be ", "been ", "otherwise ", "is ", "are ", "was ", "were "))):
                continue  # "as agreed to by", passive "agreed to"
            if first == "r" or first == "o":  # required / obliged: need "is/are" or a modal before
                if before.endswith(("not ", "not be ", "never be ")):
                    add((s, m.end(), _N))
                    continue
                if not before.endswith(("is ", "are ", "be ", "was ", "were ", "remain ", "remains ")):
                    continue
            tail = m.group("tail").lstrip().lower()
            strength = _S if (_SOFT_TAIL.match(tail) or (_COOP.search(tail) and "operat" in tail[:40])) else _B
            add((s, m.end(), strength))
    for pat in _EN_SOFT:
        for m in pat.finditer(text):
            s = m.start()
            if s and text[s - 1].isalnum():
                continue
            c = text[s]
            if c == "i" and not _IMPORTANCE_BEFORE.search(text, max(0, s - 40), s):
                continue
            if c == "r" and text[s + 2] == "a" and not _READINESS_BEFORE.search(text, max(0, s - 40), s):
                continue
            add((s, m.end(), _S))
    for pat in _EN_QUAL:
        for m in pat.finditer(text):
            s = m.start()
            key = "appropriate" if text[s] == "a" else "possible"
            if _QUAL_BEFORE[key].search(text, max(0, s - 40), s):
                add((s, m.end(), "qual"))
    for pat in _EN_EXCEPT:
        for m in pat.finditer(text):
            add((m.start(), m.end(), "except"))
    return cues


def _es_cues(text: str) -> list[Cue]:
    cues: list[Cue] = []
    add = cues.append
    for m in _ES_FUTURE.finditer(text):
        s = m.start()
        w = _ES_WORD_BEFORE.search(text, max(0, s - 30), s)
        if not w:
            continue
        stem = w.group("stem")
        inf = stem + "r" if stem[-1] in "aei" else stem  # "otorga"+"r"; irregular stems end in "d"/"b"/"h"
        if stem.endswith(("d", "b")) or stem in ("ha", "sab", "cab"):  # podrá, tendrá, habrá, hará
            inf = {"pod": "poder", "tend": "tener", "hab": "haber", "ha": "hacer", "pond": "poner",
                   "sald": "salir", "vend": "venir", "val": "valer", "sab": "saber", "dispond": "disponer",
                   "mantend": "mantener", "obtend": "obtener", "contend": "contener", "establ": "establecer"}.get(stem, stem)
        start = w.start()
        se = (w.group("se") or "").strip()
        tail = text[m.end() : m.end() + 60].lower()
        window = text[max(0, start - 60) : start]
        neg = se.startswith("no")
        if inf == "poder":
            if neg or re.search(r"Ningun[ao]\b[^.;]{0,40}$", window):
                strength = _N if _ES_NONE_TAIL.match(tail) else _B
            elif _ES_MAY_SOFT.match(tail):
                strength = _S
            else:
                strength = _N
        elif inf == "hacer" and re.match(r"\s+(?:lo\s+posible|sus\s+mejores|todo|los\s+esfuerzos|esfuerzos)", tail):
            strength = _S
        elif inf in _ES_SOFT or stem.startswith(("procura", "esforza", "coopera", "promove", "foment", "alenta")):
            strength = _N if (inf == "considerar" and se == "se") else _S
        elif inf == "tener":
            strength = _B if re.match(r"\s+en\s+cuenta", tail) else _N
        elif inf in _ES_NONE or stem.startswith(("entende", "interpreta", "aplica")):
            if inf == "aplicar" and not se and re.search(r"Part(?:e|es)\s*$", window):
                strength = _B
            elif inf == "ser" and not re.match(r"\s+(?:aplicable|interpretad|entendid|considerad[oa]s?\s+como\s+parte)", tail):
                strength = _B
            else:
                strength = _N
        else:
            strength = _B
        if strength == _B and _COOP.search(tail[:40]):
            strength = _S
        add((start, m.end(), strength))
    for pat, kind in _ES_OTHER:
        for m in pat.finditer(text):
            s = m.start()
            if s and text[s - 1].isalpha():
                continue
            tail = text[m.end() : m.end() + 60].lower()
            if kind == "reconocer":
                add((s, m.end(), _S))
            elif _ES_SOFT_TAIL.match(tail):
                add((s, m.end(), _S))
            elif _ES_NONE_TAIL.match(tail):
                add((s, m.end(), _N))
            else:
                add((s, m.end(), _B))
    for pat in _ES_EXCEPT:
        for m in pat.finditer(text):
            add((m.start(), m.end(), "except"))
    for pat in _ES_QUAL:
        for m in pat.finditer(text):
            s = m.start()
            if _ES_QUAL_BEFORE.search(text, max(0, s - 40), s):
                add((s, m.end(), "qual"))
    return cues


_ES_MAY_SOFT = re.compile(r"\s+(?:(?:también|asimismo|conjuntamente)\s+)?(?:cooperar|colaborar|considerar|explorar|promover|fomentar|alentar|examinar\s+la\s+posibilidad)")
_ES_SOFT_TAIL = re.compile(r"\s+(?:a\s+)?(?:procurar|esforzarse|cooperar|colaborar|promover|fomentar|alentar|considerar|explorar|examinar\s+la\s+posibilidad)")
_ES_NONE_TAIL = re.compile(r"\s+(?:interpretarse|entenderse|interpretar|aplicarse|impedir|afectar|significar)")


def _fr_cues(text: str) -> list[Cue]:
    cues: list[Cue] = []
    for pat, kind in _FR:
        for m in pat.finditer(text):
            s, e = m.start(), m.end()
            if kind == "may":
                strength = _S if _FR_MAY_SOFT.match(text, e) else _N
            elif kind == _B and re.match(r"\s+(?:s'appliquer|être\s+interprét|coopérer)", text[e : e + 40]):
                strength = _S if "coop" in text[e : e + 20] else _N
            else:
                strength = kind
            cues.append((s, e, strength))
    for pat in _FR_EXCEPT:
        cues.extend((m.start(), m.end(), "except") for m in pat.finditer(text))
    for pat in _FR_QUAL:
        cues.extend((m.start(), m.end(), "qual") for m in pat.finditer(text))
    return cues


_SCANNERS = {"en": _en_cues, "es": _es_cues, "fr": _fr_cues}
_QUAL_REACH_BEFORE = 150  # a qualifier this close before a modal (same sentence) softens it
_QUAL_REACH_AFTER = 60  # ... or this close after it ("shall publish, where possible, ...")


def _judge(
    text: str, spans: Sequence[tuple[int, int]], cues: list[Cue], lang: str
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Assign cues to sentences and return (binding sentences, soft sentences)."""
    cues.sort()
    starts = [s for s, _ in spans]
    groups: dict[int, list[Cue]] = {}
    last_end = -1
    for cue in cues:
        if cue[0] < last_end and cue[2] not in ("qual", "except"):
            continue  # inside the span of a modal already read ("shall endeavour" -> one cue)
        if cue[2] not in ("qual", "except"):
            last_end = cue[1]
        i = bisect_right(starts, cue[0]) - 1
        if i < 0 or cue[0] >= spans[i][1]:
            continue  # between sentences (e.g. trailing whitespace)
        groups.setdefault(i, []).append(cue)
    binding: list[str] = []
    soft: list[str] = []
    for i, group in groups.items():
        kinds = {c[2] for c in group}
        if not (kinds & {_B, _S}):
            continue
        s0, e0 = spans[i]
        sentence = text[s0:e0]
        if _DEFINITION.search(sentence) or _OBJECTIVE.match(sentence):
            continue
        has_b = has_s = False
        excepted = False
        quals = [c[0] for c in group if c[2] == "qual"]
        for pos, end, kind in group:
            if kind == "except":
                excepted = True
                continue
            if kind == "qual" or kind == _N:
                if kind == _N:
                    excepted = False
                continue
            if excepted:  # "Nothing in this Chapter shall ...": the first modal after it is a carve-out
                excepted = False
                continue
            if kind == _B and quals and any(pos - _QUAL_REACH_BEFORE <= q < end + _QUAL_REACH_AFTER for q in quals):
                kind = _S
            if kind == _B and lang == "en" and _COOP.search(sentence, max(s0, pos - 60), pos):
                # the clause is about cooperation ("Co-operation under this Chapter shall be carried out")
                if _COOP_SUBJECT.search(text, max(s0, pos - 60), pos):
                    kind = _S
            if kind == _B:
                has_b = True
            else:
                has_s = True
        sentence = sentence.strip()
        if has_b:
            binding.append(sentence)
        if has_s:
            soft.append(sentence)
    return tuple(binding), tuple(soft)


_COOP_SUBJECT = re.compile(r"(?:^|[.;:]\s|\)\s)\s*(?:[\w-]+\s+){0,3}[Cc]o-?operation\b[^;:]{0,50}$")


def _strip_preamble(text: str, title: str | None) -> int:
    """Offset where operative text starts: after "have agreed as follows" when the recitals are
    in this provision; len(text) when the whole provision is a preamble."""
    if title and _PREAMBLE_TITLE.match(title):
        return len(text)
    if "ollows" in text or "OLLOWS" in text or "iguiente" in text or "IGUIENTE" in text or "suit" in text or "SUIT" in text:
        m = None
        for m in _PREAMBLE.finditer(text):
            pass
        if m is not None:
            return m.end()
    return 0


def classify(text: str, sentences: Sequence[tuple[int, int]] | None = None, title: str | None = None) -> Obligation:
    """Classify one provision's normalised text; ``sentences`` are (start, end) offsets into it
    when known (e.g. from :mod:`ftadraft.analysis`), else it is split with a cheap regex."""
    if not text:
        return _NONE
    lang = _lang(text)
    cues = _SCANNERS[lang](text)
    if not cues:
        return _NONE
    begin = _strip_preamble(text, title)
    if begin:
        cues = [c for c in cues if c[0] >= begin]
        if not cues:
            return _NONE
    spans = sentences if sentences is not None else split_sentences(text)
    binding, soft = _judge(text, spans, cues, lang)
    if binding and soft:
        label = "mixed"
    elif binding:
        label = "binding"
    elif soft:
        label = "soft"
    else:
        return _NONE
    return Obligation(label, binding, soft)


def classify_many(items: Iterable[tuple[str, Sequence[tuple[int, int]] | None, str | None]]) -> list[Obligation]:
    """Classify ``(text, sentences, title)`` triples in order (the tagging stage's batch entry)."""
    return [classify(text, sentences, title) for text, sentences, title in items]
