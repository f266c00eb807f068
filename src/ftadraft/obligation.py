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
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

__all__ = ["LABELS", "Obligation", "classify", "classify_many", "split_sentences"]

#: The four labels.
LABELS = ("binding", "soft", "mixed", "none")

_B, _S, _N, _Q, _X = "binding", "soft", "none", "qual", "except"


@dataclass(frozen=True)
class Obligation:
    """The label of one provision and the sentences (as they appear in its text) behind it."""

    label: str  # "binding" | "soft" | "mixed" | "none"
    binding: tuple[str, ...] = ()
    soft: tuple[str, ...] = ()


_NONE = Obligation("none")
# A cue is (start, end, kind): kind is binding/soft/none for a modal-like expression (a "none"
# modal still occupies its span, so "shall have the right" is not read again as "shall"), "qual"
# for a softening qualifier and "except" for "Nothing in ...".
Cue = tuple[int, int, str]

# ---------------------------------------------------------------------------------------------
# Sentences
# ---------------------------------------------------------------------------------------------

# A period (or ! ?), maybe a closing quote/bracket, one space, then a capital, digit or bracket.
_BOUNDARY = re.compile(r"[.!?][\"')\]]?\s+(?=[\"'(\[]?[A-Z0-9\u00c0-\u00de\u00bf\u00a1])")
_ABBREVIATIONS = frozenset(
    "Art Arts art arts No Nos no nos Para Paras para paras subpara Sec sec Ch Chap ch Mr Ms Mrs Dr St Co Corp "
    "Inc Ltd etc cf viz vol Vol p pp Rev Doc Ref approx incl Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec "
    "Nr nr núm Núm pág inc lit Sr Sra Dir Reg Fig op ibid Ibid Messrs S.A e.g i.e E.g I.e U.S U.K E.C E.U "
    "Mt Ave Gov Govt Dept Min".split()
)


def _boundaries(text: str) -> list[int]:
    """Offsets where a new sentence starts (see :func:`split_sentences`)."""
    out: list[int] = []
    for m in _BOUNDARY.finditer(text):
        i = m.start()
        lo = max(0, i - 16)
        j = text.rfind(" ", lo, i)
        word = text[(j if j >= 0 else lo - 1) + 1 : i].lstrip("(\"'")
        if word in _ABBREVIATIONS or (3 <= len(word) <= 5 and word[-2] == "."):
            continue  # "Art. 5", "e.g. X", "U.S. Customs"
        out.append(m.end())
    return out


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Cheap sentence offsets for text without analysis: break after . ! ? followed by a
    capital, digit or bracket, except after abbreviations ("e.g.", "Art.", "No.", "U.S.").
    A paragraph number ("2.") becomes a fragment of its own, which never carries a cue."""
    starts = [0, *_boundaries(text)]
    ends = [*starts[1:], len(text)]
    out = []
    for s, e in zip(starts, ends):
        seg = text[s:e].rstrip()
        if seg:
            out.append((s, s + len(seg)))
    return out


# ---------------------------------------------------------------------------------------------
# English cues. Every pattern starts with a literal, so the regex engine jumps between hits with
# a substring search; one pass per cue word is far cheaper than an alternation tried everywhere.
# ---------------------------------------------------------------------------------------------

_ADVERBS = (
    r"also|only|further|jointly|promptly|each|both|mutually|duly|therefore|thus|hereby|then|accordingly|"
    r"thereafter|subsequently|immediately|progressively|gradually|regularly|periodically|forthwith|equally|"
    r"likewise|individually|collectively|in\s+particular|in\s+principle|as\s+appropriate|where\s+appropriate|"
    r"as\s+far\s+as\s+possible|where\s+possible|to\s+the\s+(?:\w+\s+)?extent\s+(?:possible|practicable|feasible)"
)
# After a modal: optional "not", an optional parenthetical (", in accordance with its laws,") or
# adverbs, then up to six words that decide what the modal does.
_TAIL = (
    r"(?P<neg>\s+not\b)?(?:\s*,[^,.;:]{1,160}?,)?(?:\s+(?:" + _ADVERBS + r")\b)*"
    r"(?=(?P<tail>(?:\s+[\w'-]+){0,6}))"  # a lookahead: the next modal may sit within these words
)
_EN_MODALS = [(w, re.compile(w + r"\b" + _TAIL)) for w in ("shall", "must", "should", "may", "will")]

_NOT_VERB = r"(?!\s+(?:the|a|an|any|such|this|these|that|those|it|its|their|them|by|which|what|all|each|be\s+bound)\b)"
_VERB_AFTER = r"(?P<tail>(?:\s+[\w'-]+){1,6})"
_EN_COMMIT = [
    re.compile(r"undertakes?(?:\s+(?:jointly|themselves|itself|also))?\s+(?P<neg>not\s+)?to" + _NOT_VERB + _VERB_AFTER),
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
    re.compile(r"striv(?:e|es|ing)\s+(?:to|for|towards)\b"),
    re.compile(r"importance\b"),  # only after stress/underline/emphasise/note/highlight
    re.compile(r"readiness\b"),  # only in "declare/express their readiness"
]
_EN_QUAL = [
    re.compile(r"appropriate\b"),
    re.compile(r"possible\b"),
    re.compile(r"practicable\b"),
    re.compile(r"feasible\b"),
]
_EN_EXCEPT = [re.compile(r"Nothing\s+(?:in|contained|herein|under|of|set|done|provided)\b"), re.compile(r"nothing\s+in\b")]

_SOFT_TAIL = re.compile(
    r"(?:endeavou?rs?|seek|strive|be\s+striving|try|aim|cooperate|co-operate|collaborate|promote|encourage|"
    r"consider|explore|foster|make\s+(?:every|all|its|their|best|reasonable|the\s+utmost|utmost)|"
    r"use\s+(?:its|their|all)\s+(?:best|reasonable)|do\s+(?:its|their)\s+(?:best|utmost)|"
    r"(?:give|accord|afford)\s+(?:\w+\s+)?(?:sympathetic|due|positive|favourable|favorable|full|careful|special)\s+consideration|"
    r"work\s+(?:together|towards?|jointly|closely|to)|be\s+urged|be\s+encouraged)\b"
)
_POSSIBILITY = re.compile(
    r"(?:examine|study|explore|discuss|look\s+into|review|keep\s+under\s+review|assess|consider)\b"
    r"[^.;]{0,70}?\b(?:possibilit|feasibilit|ways\s+(?:and\s+means\s+)?(?:of|to|in|for)\b|means\s+of\b)"
)
_MAY_SOFT_TAIL = re.compile(
    r"(?:also\s+|further\s+|jointly\s+|mutually\s+)?(?:consider|cooperate|co-operate|collaborate|explore|"
    r"encourage|promote|endeavou?r|seek|strive|work\s+(?:together|towards?|jointly)|"
    r"(?:develop|strengthen|enhance|deepen|expand|intensify|extend)\s+(?:\w+\s+)?(?:co-?operation|collaboration))\b"
)
_NONE_TAIL = re.compile(
    r"(?:not\s+)?(?:be\s+)?(?:construed|interpreted|understood|deemed\s+to\s+(?:include|mean|refer)|"
    r"mean|means|refer\s+to|have\s+the\s+(?:same\s+)?meaning|"
    r"enter\s+into\s+force|remain\s+in\s+(?:force|effect)|continue\s+(?:in\s+force|to\s+(?:be\s+in\s+(?:force|effect)|have\s+effect|apply))|"
    r"take\s+effect|cease\s+to|terminate|expire|"
    r"prevail|form\s+(?:an\s+|part)|be\s+(?:an\s+)?integral|constitute\s+(?:an\s+)?integral|be\s+equally\s+authentic|"
    r"be\s+authentic|be\s+open\s+for\s+(?:accession|signature)|"
    r"have\s+the\s+(?:right|power|discretion|option|possibility|authority|competence)|be\s+(?:entitled|free|at\s+liberty)\b|"
    r"be\s+without\s+prejudice|be\s+governed\s+by|preclude|prevent|affect|prejudice|derogate|"
    r"be\s+(?:required|obliged|obligated|compelled)|require\s+(?:a|any|either|the)\s+(?:Party|Parties|Member)|"
    r"consist|be\s+composed|comprise)\b"
)
_NEG_NONE_TAIL = re.compile(r"not\s+(?:apply|be\s+applicable|constitute|be\s+considered\s+as\s+(?:a|an)\s+(?:waiver|precedent))\b")
_APPLY_TAIL = re.compile(r"(?:not\s+)?(?:also\s+|likewise\s+|only\s+|equally\s+)?(?:apply|be\s+applicable)\b")
_INCLUDE_TAIL = re.compile(r"(?:include|be\s+defined)\b")
# Cooperation as the object of a commitment ("shall strengthen cooperation"), not the name of a body.
_COOP_OBJECT = re.compile(
    r"(?:[\w-]+\s+){0,6}?(?:[Cc]o-?operation|collaboration)\b(?!\s+(?:Council|Committee|Commission|Agreement|Board|Centre|Center|Fund|Framework|Sub-?[Cc]ommittee|Group))"
)
_COOP = re.compile(r"\b(?:[Cc]o-?operation|collaboration)\b(?!\s+(?:Council|Committee|Commission|Agreement|Board|Centre|Center|Fund|Framework|Sub-?[Cc]ommittee|Group))")
_PARTY_BEFORE = re.compile(
    r"\b(?:Part(?:y|ies)|Sides?|States?|Members?|Governments?|[Tt]hey|[Ii]t|[Ss]ignator(?:y|ies)|authorit(?:y|ies)|"
    r"Commission|Committee|Council|Community|Union|Authority)(?:\s*,[^,]{0,80},)?\s*$"
)
_NO_BEFORE = re.compile(r"(?:^|[\s(])(?:No|Neither|neither|Nor|nor|no)\s+(?:[\w-]+\s+){0,5}$")
_QUAL_BEFORE_APPROPRIATE = re.compile(r"\b(?:as|where|if|when|wherever|whenever)\s+(?:it\s+is\s+|deemed\s+|considered\s+)?$", re.IGNORECASE)
_QUAL_BEFORE_POSSIBLE = re.compile(
    r"\b(?:extent|as\s+far\s+as|so\s+far\s+as|where|wherever|if|when|whenever|insofar\s+as|in\s+so\s+far\s+as)\s+"
    r"(?:(?:is|it\s+is|as\s+is|reasonably|technically|administratively|economically)\s+)?$",
    re.IGNORECASE,
)
_IMPORTANCE_BEFORE = re.compile(r"\b(?:stress|underline|emphasi[sz]e|note|highlight|reiterate)s?\s+(?:the\s+)?(?:great\s+|particular\s+)?$")
_READINESS_BEFORE = re.compile(r"\b(?:declare|express|confirm|state|affirm)s?\s+(?:their|its)\s+$")
_PASSIVE_BEFORE = ("as ", "be ", "been ", "otherwise ", "is ", "are ", "was ", "were ", "being ")


def _tail_strength(tail: str, neg: bool) -> str | None:
    """What a modal does given the (lower-cased) words after it: soft, none or None = default."""
    if neg:
        t = "not " + tail
        if _NEG_NONE_TAIL.match(t) or _NONE_TAIL.match(t):
            return _N
        return None
    if _SOFT_TAIL.match(tail) or _POSSIBILITY.match(tail):
        return _S
    if _NONE_TAIL.match(tail):
        return _N
    return None


def _en_cues(text: str) -> list[Cue]:
    """All English cues in ``text`` (which may be many provisions joined by separators)."""
    cues: list[Cue] = []
    add = cues.append
    for word, pat in _EN_MODALS:
        for m in pat.finditer(text):
            s = m.start()
            if s and (text[s - 1].isalnum() or text[s - 1] == "-"):
                continue  # "dismay", "Sub-may"
            raw = m.group("tail")
            tail = raw.lstrip().lower()
            neg = m.group("neg") is not None
            end = m.start("tail") + len(raw) - len(tail) + len(tail.split(" ", 1)[0])  # the modal and its verb
            if word == "may":
                window = text[max(0, s - 60) : s]
                if (neg and _PARTY_BEFORE.search(window)) or (_NO_BEFORE.search(window) and not _NONE_TAIL.match(tail)):
                    add((s, end, _B))  # "Parties may not", "No Party may"
                elif _MAY_SOFT_TAIL.match(tail):
                    add((s, end, _S))
                else:
                    add((s, end, _N))  # a permission or a possibility
                continue
            if word == "will" and not _PARTY_BEFORE.search(text, max(0, s - 40), s):
                continue  # future tense, not a commitment
            strength = _tail_strength(tail, neg)
            if _APPLY_TAIL.match(tail if not neg else "not " + tail):
                # "This Chapter shall apply to" is scope; "Each Party shall apply" is binding
                strength = _B if _PARTY_BEFORE.search(text, max(0, s - 60), s) else _N
            elif strength is None and _INCLUDE_TAIL.match(tail):
                window = text[max(0, s - 80) : s]
                strength = _N if ('"' in window or "'" in window) else None
            if strength is None:
                strength = _B
                if _COOP_OBJECT.match(raw.lstrip()) or _POSSIBILITY.match(text, m.start("tail") + 1, m.start("tail") + 120):
                    strength = _S
            if word == "should" and strength == _B:
                strength = _S
            if word == "should" and text[s] == "S":
                strength = _N  # "Should a Party consider ..." = "if"
            add((s, end, strength))
    for pat in _EN_COMMIT:
        for m in pat.finditer(text):
            s = m.start()
            if s and text[s - 1].isalnum():
                continue
            before = text[max(0, s - 12) : s]
            first = text[s]
            if first == "a" and before.endswith(_PASSIVE_BEFORE):
                continue  # "as agreed to by", "has been agreed to"
            if first in "ro":  # required / obliged
                if before.endswith(("not ", "not be ", "never be ")):
                    add((s, m.end(), _N))
                    continue
                if not before.endswith(("is ", "are ", "be ", "was ", "were ", "remain ", "remains ")):
                    continue
            tail = m.group("tail").lstrip()
            low = tail.lower()
            soft = _SOFT_TAIL.match(low) or _POSSIBILITY.match(low) or _COOP_OBJECT.match(tail)
            if not soft:
                soft = _POSSIBILITY.match(text, m.start("tail") + 1, m.start("tail") + 120)
            add((s, m.end(), _S if soft else _B))
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
    for n, pat in enumerate(_EN_QUAL):
        before = _QUAL_BEFORE_APPROPRIATE if n == 0 else _QUAL_BEFORE_POSSIBLE
        for m in pat.finditer(text):
            s = m.start()
            if before.search(text, max(0, s - 40), s):
                add((s, m.end(), _Q))
    for pat in _EN_EXCEPT:
        for m in pat.finditer(text):
            add((m.start(), m.end(), _X))
    return cues


# ---------------------------------------------------------------------------------------------
# Spanish: the future tense ("otorgará", "podrán") is the Spanish "shall"; its verb decides.
# ---------------------------------------------------------------------------------------------

_ES_FUTURE = re.compile(r"rán?\b")
_ES_WORD_BEFORE = re.compile(r"(?:\b(?P<pre>no\s+se|no|se|les?|nos?)\s+)?(?P<stem>[a-záéíóúñ]{2,})$")
_ES_IRREGULAR = {
    "pod": "poder", "tend": "tener", "hab": "haber", "ha": "hacer", "pond": "poner", "sald": "salir",
    "vend": "venir", "vald": "valer", "sab": "saber", "dispond": "disponer", "mantend": "mantener",
    "obtend": "obtener", "contend": "contener", "dir": "decir", "propond": "proponer", "adoptar": "adoptar",
}
_ES_SOFT = frozenset({
    "procurar", "esforzar", "cooperar", "colaborar", "promover", "fomentar", "alentar", "incentivar",
    "estimular", "explorar", "impulsar", "propiciar", "considerar", "intentar", "buscar", "fortalecer",
})
_ES_NONE = frozenset({
    "entender", "interpretar", "entrar", "permanecer", "terminar", "expirar", "prevalecer", "constituir",
    "afectar", "impedir", "significar", "incluir", "denunciar", "regir", "haber", "aplicar", "formar",
})
_ES_TAIL_SOFT = re.compile(
    r"\s+(?:(?:también|asimismo|conjuntamente)\s+)?(?:a\s+)?(?:procurar|esforzarse|cooperar|colaborar|promover|fomentar|"
    r"alentar|considerar|explorar|examinar\s+la\s+posibilidad|fortalecer\s+(?:\w+\s+)?cooperación)"
)
_ES_TAIL_NONE = re.compile(r"\s+(?:interpretarse|entenderse|interpretar|aplicarse|significar)\b")
_ES_OTHER = [
    re.compile(r"deber(?:á|án)?\b|deben?\b"),
    re.compile(r"comprometen?\s+a\b"),
]
_ES_RECOGNISE = re.compile(r"reconocen?\b")
_ES_EXCEPT = [re.compile(r"Nada\s+de\s+lo\b|Ninguna\s+disposici"), re.compile(r"nada\s+de\s+lo\b")]
_ES_QUAL = re.compile(r"(?:proceda|corresponda|posible|apropiado|factible|pertinente)\b")
_ES_QUAL_BEFORE = re.compile(
    r"(?:cuando|según|en\s+la\s+medida\s+de\s+lo|en\s+lo|de\s+ser|si\s+fuera|cuando\s+sea|siempre\s+que\s+sea|lo\s+más|según\s+sea)\s+$",
    re.IGNORECASE,
)
_ES_PARTY_BEFORE = re.compile(r"\bPart(?:e|es)\s*(?:,[^,]{0,80},)?\s*$")
_ES_NO_PARTY_BEFORE = re.compile(r"\bNingun[ao]\b[^.;]{0,40}$")


def _es_cues(text: str) -> list[Cue]:
    """All Spanish cues in ``text``."""
    cues: list[Cue] = []
    add = cues.append
    for m in _ES_FUTURE.finditer(text):
        s = m.start()
        w = _ES_WORD_BEFORE.search(text, max(0, s - 30), s)
        if not w:
            continue
        stem = w.group("stem")
        inf = _ES_IRREGULAR.get(stem) or (stem + "r" if stem[-1] in "aei" else stem)
        start = w.start()
        pre = w.group("pre") or ""
        tail = text[m.end() : m.end() + 80]
        if inf == "poder":
            if pre.startswith("no") or _ES_NO_PARTY_BEFORE.search(text, max(0, start - 60), start):
                strength = _N if _ES_TAIL_NONE.match(tail) else _B  # "Ninguna Parte podrá" = "No Party may"
            elif _ES_TAIL_SOFT.match(tail):
                strength = _S
            else:
                strength = _N
        elif inf == "hacer" and re.match(r"\s+(?:lo\s+posible|sus\s+mejores|todo\s+lo|los\s+esfuerzos|esfuerzos)", tail):
            strength = _S
        elif inf in _ES_SOFT:
            strength = _B if (inf == "considerar" and pre == "se") else _S  # "se considerará originaria": deeming
        elif inf == "tener":
            strength = _B if re.match(r"\s+en\s+cuenta", tail) else _N  # "tendrá derecho" is a right
        elif inf in _ES_NONE:
            strength = _B if (inf == "aplicar" and pre != "se" and _ES_PARTY_BEFORE.search(text, max(0, start - 60), start)) else _N
        elif inf == "ser" and re.match(r"\s+(?:aplicables?|interpretad|entendid|parte\s+integrante)", tail):
            strength = _N
        else:
            strength = _B
        if strength == _B and _COOP.search(tail, 0, 50):
            strength = _S
        add((start, m.end(), strength))
    for n, pat in enumerate(_ES_OTHER):
        for m in pat.finditer(text):
            s = m.start()
            if s and text[s - 1].isalpha():
                continue
            tail = text[m.end() : m.end() + 80]
            strength = _S if _ES_TAIL_SOFT.match(tail) else _N if _ES_TAIL_NONE.match(tail) else _B
            add((s, m.end(), strength))
    for m in _ES_RECOGNISE.finditer(text):
        if not (m.start() and text[m.start() - 1].isalpha()):
            add((m.start(), m.end(), _S))
    for pat in _ES_EXCEPT:
        for m in pat.finditer(text):
            add((m.start(), m.end(), _X))
    for m in _ES_QUAL.finditer(text):
        s = m.start()
        if _ES_QUAL_BEFORE.search(text, max(0, s - 40), s):
            add((s, m.end(), _Q))
    return cues


# ---------------------------------------------------------------------------------------------
# French (a small share of ToTA): modal verbs only; the French present-tense obligation
# ("Les Etats membres harmonisent") is not detected.
# ---------------------------------------------------------------------------------------------

_FR = [
    (re.compile(r"doi(?:t|vent)\b|devr(?:a|ont)\b"), _B),
    (re.compile(r"s'engagen?t?\s+à\b"), _B),
    (re.compile(r"s'efforcen?t?\b|s'efforcer(?:a|ont)\b"), _S),
    (re.compile(r"reconnaissen?t\b|encouragen?t?\b|coopèrent\b|coopéreront\b"), _S),
    (re.compile(r"peu(?:t|vent)\b|pourr(?:a|ont)\b"), "may"),
]
_FR_MAY_SOFT = re.compile(r"\s+(?:coopérer|envisager|examiner|promouvoir|encourager|explorer)\b")
_FR_NONE_TAIL = re.compile(r"\s+(?:être\s+interprét|s'appliquer|avoir\s+pour\s+effet)")
_FR_EXCEPT = re.compile(r"Aucune\s+disposition|Rien\s+dans")
_FR_QUAL = re.compile(r"le\s+cas\s+échéant|dans\s+la\s+mesure\s+du\s+possible")


def _fr_cues(text: str) -> list[Cue]:
    """All French cues in ``text``."""
    cues: list[Cue] = []
    for pat, kind in _FR:
        for m in pat.finditer(text):
            s, e = m.start(), m.end()
            if kind == "may":
                strength = _S if _FR_MAY_SOFT.match(text, e) else _N
            elif _FR_NONE_TAIL.match(text, e):
                strength = _N
            elif kind == _B and text.startswith(" coopérer", e):
                strength = _S
            else:
                strength = kind
            cues.append((s, e, strength))
    cues.extend((m.start(), m.end(), _X) for m in _FR_EXCEPT.finditer(text))
    cues.extend((m.start(), m.end(), _Q) for m in _FR_QUAL.finditer(text))
    return cues


_SCANNERS: dict[str, Callable[[str], list[Cue]]] = {"en": _en_cues, "es": _es_cues, "fr": _fr_cues}
_EN_MARK = (" the ", " shall ", " of ")
_ES_MARK = (" el ", " los ", " del ", " las ")
_FR_MARK = (" les ", " des ", " du ", " une ")


def _lang(text: str) -> str:
    """en/es/fr from a few function words (enough to pick the cue set)."""
    if any(m in text for m in _EN_MARK):
        return "en"
    if any(m in text for m in _ES_MARK):
        return "es"
    if any(m in text for m in _FR_MARK):
        return "fr"
    return "en"


# ---------------------------------------------------------------------------------------------
# Sentence- and provision-level decisions
# ---------------------------------------------------------------------------------------------

_DEFINITION = re.compile(
    r"[\"'](?:\s*,[^,]{0,80},)?\s+(?:means|mean|shall\s+mean|includes|shall\s+include|refers\s+to|shall\s+refer\s+to|"
    r"has\s+the\s+meaning|significa|significan|se\s+entender[áa]n?|incluye|désigne|s'entend)\b"
    r"|\bterm\s+[\"']?[^.;:]{1,60}?[\"']?\s+(?:means|shall\s+mean)\b|\bse\s+entender[áa]n?\s+por\b|\bon\s+entend\s+par\b"
)
_OBJECTIVE = re.compile(
    r"\s*(?:\(?\w{1,4}[.)]\s*)?(?:The|These|Its|Los|Las|El|Les|Le|L')\s*(?:main\s+|overall\s+|general\s+|specific\s+|principal\s+|basic\s+)?"
    r"(?:objectives?|aims?|purposes?|goals?|objetivos?|objectifs?|finalidad|fines)\s+(?:of|del?|de\s+la|des?|du)\b"
)
_PREAMBLE = re.compile(
    r"agreed?\s+as\s+follows|decided\s+as\s+follows|acordado\s+lo\s+siguiente|convenido\s+(?:en\s+)?lo\s+siguiente|"
    r"convienen\s+(?:en\s+)?lo\s+siguiente|convenu\s+(?:de\s+)?ce\s+qui\s+suit",
    re.IGNORECASE,
)
_PREAMBLE_HINTS = ("ollows", "OLLOWS", "iguiente", "IGUIENTE", "suit", "SUIT")
_PREAMBLE_TITLE = re.compile(r"\s*(?:preamble|pre[aá]mbulo|pr[ée]ambule)\b", re.IGNORECASE)
_QUAL_REACH_BEFORE = 150  # a qualifier this close before a modal (same sentence) softens it
_QUAL_REACH_AFTER = 60  # ... or this close after it: "shall, where appropriate, ..." / "shall publish, where possible, ..."


def _operative_start(text: str, title: str | None) -> int:
    """Where operative text starts: after "have agreed as follows" when recitals precede it,
    the end of the text for a provision titled Preamble, else 0."""
    if title and _PREAMBLE_TITLE.match(title):
        return len(text)
    if any(h in text for h in _PREAMBLE_HINTS):
        last = None
        for last in _PREAMBLE.finditer(text):
            pass
        if last is not None:
            return last.end()
    return 0


def _decide(
    text: str, starts: Sequence[int], ends: Sequence[int], cues: list[Cue], lang: str
) -> Obligation:
    """Group sorted cues by sentence ((starts[i], ends[i]) offsets into ``text``) and label."""
    groups: dict[int, list[Cue]] = {}
    last_end = -1
    for cue in cues:
        kind = cue[2]
        if kind is not _Q and kind is not _X:
            if cue[0] < last_end:
                continue  # inside a modal already read: "shall endeavour to" is one cue
            last_end = cue[1]
        i = bisect_right(starts, cue[0]) - 1
        if i >= 0 and cue[0] < ends[i]:
            groups.setdefault(i, []).append(cue)
    binding: list[str] = []
    soft: list[str] = []
    for i, group in groups.items():
        modal = [c for c in group if c[2] is _B or c[2] is _S or c[2] is _N]
        if not any(c[2] is not _N for c in modal):
            continue
        s0, e0 = starts[i], ends[i]
        if _DEFINITION.search(text, s0, e0) or _OBJECTIVE.match(text, s0, e0):
            continue
        kinds = [c[2] for c in modal]
        for q0, _q1, qk in group:
            if qk is _Q:  # soften the modal this qualifier belongs to
                j = bisect_left(modal, (q0,))
                if j < len(modal) and modal[j][0] - q0 <= _QUAL_REACH_BEFORE:
                    if kinds[j] is _B:
                        kinds[j] = _S
                elif j > 0 and q0 - modal[j - 1][1] <= _QUAL_REACH_AFTER and kinds[j - 1] is _B:
                    if not text.endswith((" and, ", " or, ", " and ", " or "), max(s0, q0 - 12), q0 - len(_word_before(text, q0))):
                        kinds[j - 1] = _S
            elif qk is _X:  # "Nothing in this Chapter shall ...": the next modal is a carve-out
                j = bisect_left(modal, (q0,))
                if j < len(modal):
                    kinds[j] = _N
        if lang == "en":
            for j, (p, _e, _k) in enumerate(modal):
                if kinds[j] is _B and _COOP.search(text, max(s0, p - 70), p) and not _CLAUSE_BREAK.search(text, max(s0, p - 70), p):
                    kinds[j] = _S  # "Co-operation under this Chapter shall be carried out ..."
        sentence = text[s0:e0].strip()
        if _B in kinds:
            binding.append(sentence)
        if _S in kinds:
            soft.append(sentence)
    if binding and soft:
        return Obligation("mixed", tuple(binding), tuple(soft))
    if binding:
        return Obligation("binding", tuple(binding), ())
    if soft:
        return Obligation("soft", (), tuple(soft))
    return _NONE


_CLAUSE_BREAK = re.compile(r"[;:]|\b(?:[Cc]o-?operation|collaboration)\b[^,]{0,70}?,\s+(?:each|the|a|any|either)\s+(?:Party|Parties)\b")
_QUAL_LEAD = re.compile(r"(?:where|as|if|when|wherever|whenever|to\s+the(?:\s+\w+)?\s+extent|as\s+far\s+as|insofar\s+as|in\s+so\s+far\s+as)\s+(?:\w+\s+)?$", re.IGNORECASE)


def _word_before(text: str, pos: int) -> str:
    """The qualifier's lead-in ("where ", "to the extent ") so the check looks just before it."""
    m = _QUAL_LEAD.search(text, max(0, pos - 30), pos)
    return m.group(0) if m else ""


_SEP = "\n\x1e\n"  # joins a batch's texts; no cue pattern can match across it


def classify_many(items: Iterable[tuple[str, Sequence[tuple[int, int]] | None, str | None]]) -> list[Obligation]:
    """Classify ``(text, sentences, title)`` triples, in order.

    ``text`` is a provision's normalised text, ``sentences`` its (start, end) sentence offsets
    when known (e.g. from :mod:`ftadraft.analysis`; ``None`` = split here) and ``title`` its
    heading. The texts of one language are joined and scanned together: one pass per cue word
    over the whole batch instead of one per provision.
    """
    batch = items if isinstance(items, list) else list(items)
    out: list[Obligation] = [_NONE] * len(batch)
    by_lang: dict[str, list[int]] = {}
    for i, (text, _sentences, _title) in enumerate(batch):
        if text:
            by_lang.setdefault(_lang(text), []).append(i)
    for lang, members in by_lang.items():
        texts = [batch[i][0] for i in members]
        big = _SEP.join(texts)
        offsets = []
        pos = 0
        for t in texts:
            offsets.append(pos)
            pos += len(t) + len(_SEP)
        cues = _SCANNERS[lang](big)
        if not cues:
            continue
        cues.sort()
        per_text: dict[int, list[Cue]] = {}
        for cue in cues:
            per_text.setdefault(bisect_right(offsets, cue[0]) - 1, []).append(cue)
        bounds: list[int] | None = None
        for k, found in per_text.items():
            if all(c[2] is _N or c[2] is _Q or c[2] is _X for c in found):
                continue
            text, sentences, title = batch[members[k]]
            off = offsets[k]
            begin = _operative_start(text, title)
            if begin:
                found = [c for c in found if c[0] >= off + begin]
                if not found:
                    continue
            if sentences is not None:
                starts = [s + off for s, _ in sentences]
                ends = [e + off for _, e in sentences]
            else:
                if bounds is None:
                    bounds = _boundaries(big)
                lo, hi = bisect_right(bounds, off), bisect_left(bounds, off + len(text))
                starts = [off, *bounds[lo:hi]]
                ends = [*bounds[lo:hi], off + len(text)]
            out[members[k]] = _decide(big, starts, ends, found, lang)
    return out


def classify(text: str, sentences: Sequence[tuple[int, int]] | None = None, title: str | None = None) -> Obligation:
    """Classify one provision: ``text`` is its normalised text, ``sentences`` optional (start,
    end) offsets into it (split here when ``None``), ``title`` its heading (a "Preamble" is none)."""
    return classify_many([(text, sentences, title)])[0]
