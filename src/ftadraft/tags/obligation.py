"""Obligation strength of one provision: binding, soft, mixed or none.

The hard/soft legalisation scheme used in trade-law research (the "obligation" dimension of
Abbott, Keohane, Moravcsik, Slaughter & Snidal, read off the operative verbs). Cues (modal verbs
with the words after them, commitment verbs, recitals, qualifiers, carve-outs) are found with
literal-led regexes, one pass per cue word over a whole batch, then judged per sentence: a
provision is ``binding`` when its sentences are only binding, ``soft`` when only soft, ``mixed``
when it has both and ``none`` when it creates no commitment at all. Rules, not a model: fast
(all 41k ToTA provisions in about 2 s on one core), deterministic and explainable, since the
result names the sentences behind the label.

Decisions on the debatable cases (keep README/bench in step when changing them):

* binding: shall, shall not, must, "is/are required to" (with a Party, exporter, ... as subject;
  not "information that suppliers are required to submit"), "undertake(s) to", "agree(s) to" +
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
  "shall consider" / "give sympathetic consideration" / "examine the possibility" / "take such
  reasonable measures as may be available" for the same reason; hortatory "may" (may consider,
  may cooperate, may explore, may promote); recognise in a condition ("Where a Party recognises
  qualifications ...") is legal recognition, not a recital, and does not count; a modal
  softened by "where appropriate", "as appropriate", "to the extent possible/practicable",
  "as far as possible", "where possible" placed before it in its sentence or right after it.
  A qualifier placed later in the sentence only narrows an object ("publish its laws and, where
  possible, agreements") and does not soften the obligation. Spanish procurará, se esforzará,
  cooperarán, promoverán; French s'efforce(nt).
* none: permissions ("A Party may adopt", "shall have the right/power to", "shall be entitled
  to", "shall be free to", podrá, tendrá derecho, peut); definitions ("X means", "shall mean", a
  quoted term defined: the whole sentence, since definitions lists run on); interpretation and
  carve-outs ("Nothing in this Chapter shall ...", "shall not be construed", "shall not
  preclude/prevent/affect", "shall not be required to", "shall be without prejudice"); scope
  clauses ("This Chapter shall apply to", "shall not apply", "shall be governed by"; but
  "Each Party shall apply" is binding; "shall not be subject to dispute settlement"); procedural
  status clauses about the treaty itself ("shall enter into force", "shall terminate", "shall
  take effect", "shall remain in force", "shall prevail", "shall form an integral part", "shall
  be equally authentic"), which bind no one to any conduct; objectives ("The objectives of this Chapter
  shall be to ...") and preamble recitals (a title "Preamble", or anything before "have agreed as follows").

Known limits: French present-tense obligations ("Les Etats membres harmonisent") carry no modal
and come out ``none``; a sentence that both defines and obliges counts as a definition; the
scheme is lexical, so a binding verb with vague content ("shall create conditions for
liberalisation") is binding. bench/obligation_eval.py measures agreement with hand labels.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from operator import itemgetter

from .labels import LABELS

__all__ = ["LABELS", "Obligation", "classify", "classify_many", "split_sentences"]


_B, _S, _N, _Q, _X, _P = "binding", "soft", "none", "qual", "except", "preamble"


@dataclass(frozen=True)
class Obligation:
    """The label of one provision and the sentences (as they appear in its text) behind it."""

    label: str  # "binding" | "soft" | "mixed" | "none"
    binding: tuple[str, ...] = ()
    soft: tuple[str, ...] = ()


_NONE = Obligation("none")
# A cue is (start, end, kind). kind is binding/soft/none for a modal-like expression (a "none"
# modal still occupies its span, so the "shall" of "shall have the right" is not read again),
# "qual" for a softening qualifier, "except" for "Nothing in ..." and "preamble" for the end of
# "have agreed as follows" (cues before it are recitals).
Cue = tuple[int, int, str]

# ---------------------------------------------------------------------------------------------
# Sentences
# ---------------------------------------------------------------------------------------------

_ABBREVIATIONS = (
    "Art", "Arts", "art", "No", "Nos", "no", "Para", "para", "paras", "subpara", "Sec", "sec", "Ch", "Chap",
    "ch", "Mr", "Ms", "Mrs", "Dr", "St", "Co", "Corp", "Inc", "Ltd", "etc", "cf", "viz", "vol", "Vol", "p",
    "pp", "Rev", "Doc", "Ref", "approx", "incl", "Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug", "Sep",
    "Sept", "Oct", "Nov", "Dec", "Nr", "nr", "núm", "Núm", "pág", "inc", "lit", "Sr", "Sra", "Reg", "Fig",
    "op", "ibid", "Messrs", "Gov", "Dept",
)


def _not_after(words: Iterable[str]) -> str:
    """Negative lookbehinds (one per word length, as Python needs fixed widths) for "<word>."."""
    by_len: dict[int, list[str]] = {}
    for w in words:
        by_len.setdefault(len(w), []).append(re.escape(w))
    return "".join(rf"(?<!\b(?:{'|'.join(ws)})\.)" for _, ws in sorted(by_len.items()))


# A period, maybe a closing quote/bracket, a space, then a capital, a digit or "(a)"; not after an
# abbreviation ("Art. 5", "No. 3") or a dotted one ("e.g. X", "U.S. Customs"). The pattern starts
# with a literal and the lookbehinds follow the lookahead, so the engine jumps from period to
# period and checks abbreviations only at candidate boundaries. "?" and "!" are too rare in
# treaty text to pay a second pass for.
_BOUNDARY = re.compile(
    r"\.(?=[\"')\]]?\s+(?:[\"'(\[]?[A-Z0-9\u00c0-\u00de\u00bf\u00a1]|\([a-z]{1,4}\)))" + _not_after(_ABBREVIATIONS)
    + r"(?<!\.[A-Za-z]\.)[\"')\]]?\s+"
)


def _boundaries(text: str) -> list[int]:
    """Offsets where a new sentence starts (see :func:`split_sentences`)."""
    return [m.end() for m in _BOUNDARY.finditer(text)]


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Cheap sentence offsets for text without analysis: break after a period followed by a
    capital, digit or bracket, except after abbreviations ("e.g.", "i.e.", "Art.", "No.").
    A paragraph number ("2.") becomes a fragment of its own, which never carries a cue."""
    starts = [0, *_boundaries(text)]
    ends = [*starts[1:], len(text)]
    out = []
    for s, e in zip(starts, ends, strict=True):
        seg = text[s:e].rstrip()
        if seg:
            out.append((s, s + len(seg)))
    return out


# ---------------------------------------------------------------------------------------------
# English cues. Every pattern starts with a literal, so the regex engine jumps from hit to hit;
# one pass per cue word is far cheaper than an alternation tried at every position. The verb
# after a modal is captured by a lookahead; only verbs that can open a class ("be", "endeavour",
# "have", ...) are then matched against the class alternation.
# ---------------------------------------------------------------------------------------------

_ADVERBS = (
    r"also|only|further|jointly|promptly|each|both|mutually|duly|therefore|thus|hereby|then|accordingly|"
    r"thereafter|subsequently|immediately|progressively|gradually|regularly|periodically|forthwith|equally|"
    r"likewise|individually|collectively|in\s+particular|hereinafter|in\s+principle|"
    r"as\s+appropriate|where\s+appropriate|"
    r"as\s+far\s+as\s+possible|where\s+possible|to\s+the\s+(?:\w+\s+)?extent\s+(?:possible|practicable|feasible)"
)
_COOP_WORD = (
    r"(?:[Cc]o-?operation|collaboration)\b"
    r"(?!\s+(?:Council|Committee|Commission|Agreement|Board|Centre|Center|Fund|Framework|Sub-?[Cc]ommittee|Group))"
)
_SOFT_VERBS = (
    r"endeavou?rs?|seek|strive|be\s+striving|try|aim|cooperate|co-operate|collaborate|promote|encourage|consider|"
    r"explore|foster|make\s+(?:every|all\s+(?:\w+\s+)?efforts?|its\s+best|their\s+best|best|reasonable|(?:the\s+)?utmost)|"
    r"use\s+(?:its|their|all)\s+(?:best|reasonable)|do\s+(?:its|their)\s+(?:best|utmost)|"
    r"(?:give|accord|afford)\s+(?:\w+\s+)?"
    r"(?:sympathetic|due|positive|favourable|favorable|full|careful|special|serious)\s+consideration|"
    r"take\s+such\s+reasonable\s+measures\s+as\s+may\s+be\s+available|"
    r"work\s+(?:together|towards?|jointly|closely|to)|be\s+urged|be\s+encouraged|be\s+considered\s+for"
)
_NONE_VERBS = (
    r"(?:be\s+)?(?:construed|interpreted|understood|deemed\s+to\s+(?:include|mean|refer))|"
    r"mean|means|refer\s+to|have\s+the\s+(?:same\s+)?meanings?|"
    r"(?:hereinafter\s+)?be\s+(?:hereinafter\s+)?(?:referred\s+to|known)\s+as|"
    r"interpret|"
    r"(?:enter|come)\s+into\s+(?:force|effect)|remain\s+in\s+(?:force|effect)|"
    r"continue\s+(?:in\s+force|to\s+(?:be\s+in\s+(?:force|effect)|have\s+effect|apply))|"
    r"take\s+effect|cease\s+to|terminate|expire|prevail|form\s+(?:an\s+|part)|be\s+(?:an\s+)?integral|constitute|"
    r"be\s+(?:equally\s+)?authentic|be\s+open\s+for\s+(?:accession|signature)|"
    r"have\s+the\s+(?:right|power|discretion|option|possibility|authority|competence)|be\s+(?:entitled|free|at\s+liberty)|"
    r"be\s+without\s+prejudice|be\s+subject\s+to\s+(?:the\s+)?(?:dispute|consultations|arbitration)|"
    r"be\s+governed\s+by|preclude|prevent|affect|prejudice|derogate|"
    r"be\s+(?:required|obliged|obligated|compelled|prevented|precluded)|require\s+(?:a|any|either|the)\s+(?:Party|Parties|Member)|"
    r"consist|be\s+composed|comprise"
)
# What follows a modal or a commitment verb, as named groups: the group that matched names it.
_CLASSES = re.compile(
    r"(?P<soft>(?:" + _SOFT_VERBS + r")\b)"
    r"|(?P<look>(?:examine|study|explore|discuss|look\s+into|review|keep\s+under\s+review|assess|consider)\b"
    r"[^.;]{0,70}?\b(?:possibilit|feasibilit|ways\s+(?:and\s+means\s+)?(?:of|to|in|for)\b|means\s+of\b))"
    r"|(?P<none>(?:" + _NONE_VERBS + r")\b)"
    r"|(?P<apply>(?:also\s+|likewise\s+|only\s+|equally\s+)?(?:apply|be\s+applicable)\b)"
    r"|(?P<incl>(?:include|be\s+defined)\b)"
)
# First words of the alternatives above: any other verb ("ensure", "provide") needs no regex.
_CLASS_STARTS = frozenset((
    "endeavour", "endeavor", "endeavours", "endeavors", "seek", "strive", "be", "try", "aim", "cooperate",
    "co-operate", "collaborate", "promote", "encourage", "consider", "explore", "foster", "make", "use",
    "do", "give", "accord", "afford", "work", "examine", "study", "discuss", "look", "review", "keep",
    "assess", "construed", "interpreted", "understood", "deemed", "mean", "means", "refer", "hereinafter",
    "interpret", "have", "enter", "come", "remain", "continue", "take", "cease", "terminate", "expire",
    "prevail", "form", "constitute", "preclude", "prevent", "affect", "prejudice", "derogate", "require",
    "consist", "comprise", "also", "likewise", "only", "equally", "apply", "include",
))
# Cooperation as the object ("shall strengthen their cooperation"), not the name of a body.
_COOP_OBJECT = re.compile(r"(?:[\w-]+\s+){0,7}?" + _COOP_WORD)
_VERB = r"(?=\s+(?P<verb>[\w'-]+))?"
_NEG = r"(?P<neg>\s+not\b|\s+in\s+no\s+(?:way|case|event)\b)?"
# After a modal: optional "not", an optional parenthetical (", in accordance with its laws,") or
# adverbs, then (looked at, not consumed) the verb.
_EN_MODALS = [
    (w, re.compile(w + r"\b" + _NEG + r"(?:\s*,[^,.;:]{1,160}?,)?(?:\s+(?:" + _ADVERBS + r")\b)*" + _VERB))
    for w in ("shall", "must", "should", "may", "will")
]
_NOT_VERB = r"(?!\s+(?:the|a|an|any|such|this|these|that|those|it|its|their|them|by|which|what|all|each|be\s+bound)\b)"
# Rarer cues as (literal, pattern matched where the literal is found): str.find outruns the regex
# engine's own search for such literals.
_EN_COMMIT = [
    ("undertak",
     re.compile(r"undertakes?(?:\s+(?:jointly|themselves|itself|also))?\s+(?:not\s+)?to" + _NOT_VERB + _VERB)),
    ("agree", re.compile(r"agree(?:s|d)?(?:\s+(?:jointly|further|also))?\s+(?:not\s+)?to" + _NOT_VERB + _VERB)),
    ("commit", re.compile(r"commits?(?:\s+(?:themselves|itself))?\s+to" + _NOT_VERB + _VERB)),
    ("required", re.compile(r"required\s+to" + _NOT_VERB + _VERB)),
]
_EN_SOFT = [
    ("recogni", re.compile(r"recogni[sz]es?\b")),
    ("acknowledg", re.compile(r"acknowledges?\b")),
    ("encourag", re.compile(r"encourage[sd]?\b")),
    ("endeavo", re.compile(r"endeavou?rs?\s+to\b")),
    ("importance", re.compile(r"importance\b")),  # only after stress/underline/emphasise/note/highlight
]
_EN_EXCEPT = ("othing", re.compile(r"othing\s+(?:in|contained|herein|under|of|set|done|provided)\b"))
_IMPORTANCE_BEFORE = re.compile(
    r"\b(?:stress|underline|emphasi[sz]e|note|highlight|reiterate|affirm|reaffirm|confirm)s?\s+"
    r"(?:the\s+)?(?:great\s+|particular\s+)?$"
)
_SUBJECTS = frozenset((
    "Party", "Parties", "Side", "Sides", "State", "States", "Member", "Members", "Government", "Governments",
    "they", "They", "it", "It", "Signatory", "Signatories", "authority", "authorities", "Authority",
    "Commission", "Committee", "Council", "Community", "Union",
))
_NO_WORDS = frozenset((
    "No", "Neither", "neither", "Nor", "nor", "no",
))
# The words that make "appropriate" / "possible" a qualifier ("where appropriate", "to the extent possible").
_APPROPRIATE_LEADS = tuple(
    f" {lead}{tail} "
    for lead in ("as", "where", "if", "when", "wherever", "whenever")
    for tail in ("", " deemed", " it is")
)
_POSSIBLE_LEADS = tuple(
    f" {w} "
    for lead in ("extent", "as far as", "so far as", "where", "wherever", "if", "when", "whenever", "insofar as",
                 "in so far as")
    for w in (lead, *(f"{lead} {x}" for x in ("is", "it is", "reasonably", "technically", "administratively")))
)
_EN_QUAL = [
    (w, re.compile(w + r"\b"), _APPROPRIATE_LEADS if w == "appropriate" else _POSSIBLE_LEADS)
    for w in ("appropriate", "possible", "feasible", "practicable")
]
_CONDITION = frozenset((
    "Where", "where", "If", "if", "When", "when", "Unless", "unless", "whether", "Whether",
))
_REQUIRED_SUBJECTS = _SUBJECTS | frozenset((
    "person", "persons", "exporter", "exporters", "importer", "importers", "producer", "producers",
    "applicant", "applicants", "supplier", "suppliers", "entity", "entities", "operator", "operators",
    "holder", "holders", "declarant", "investor", "investors", "carrier", "carriers",
))
_RELATIVE = frozenset((
    "that", "which", "who", "whom", "whose", "than", "as", "where",
))
_PASSIVE_BEFORE = ("as ", "be ", "been ", "otherwise ", "is ", "are ", "was ", "were ", "being ")


def _subject(text: str, pos: int) -> str:
    """The word just before ``pos``, skipping one parenthetical: "Each Party, in accordance with its
    laws, shall" -> "Party"."""
    w = text[max(0, pos - 100) : pos].rstrip()
    if w.endswith(","):
        k = w.rfind(",", 0, len(w) - 1)
        if k >= 0:
            w = w[:k].rstrip()
    return w[w.rfind(" ") + 1 :].strip("()\"'")


def _no_before(text: str, pos: int) -> bool:
    """A "No"/"Neither" among the five words before ``pos`` in the same clause ("No Party may")."""
    w = text[max(0, pos - 50) : pos]
    k = max(w.rfind("."), w.rfind(";"), w.rfind(":"), w.rfind(","))
    return not _NO_WORDS.isdisjoint(w[k + 1 :].split()[-6:])


_INVERTED = frozenset(("it", "they", "this", "such", "any", "the"))


def _verb_class(text: str, v: int, verb: str) -> str | None:
    """What the words from offset ``v`` (a verb after a modal) do: soft, look (= soft), none,
    apply, incl, coop (= soft) or None for an ordinary verb."""
    if verb in _CLASS_STARTS:
        m = _CLASSES.match(text, v)
        if m is not None:
            return m.lastgroup
    if (text.find("operat", v, v + 90) >= 0 or text.find("ollaborat", v, v + 90) >= 0) and _COOP_OBJECT.match(text, v):
        return "coop"
    return None


def _en_cues(text: str) -> list[Cue]:
    """All English cues in ``text`` (which may be many provisions joined by separators)."""
    cues: list[Cue] = []
    add = cues.append
    for word, pat in _EN_MODALS:
        for m in pat.finditer(text):
            s = m.start()
            if s and (text[s - 1].isalnum() or text[s - 1] == "-"):
                continue  # "dismay"
            v = m.start(2)
            if v >= 0:
                verb = m.group(2)
                if verb in _INVERTED and text[max(0, s - 4) : s] in ("nor ", "Nor "):  # "nor shall it apply"
                    v = m.end(2) + 1
                    k = text.find(" ", v, v + 40)
                    verb = text[v : k if k >= 0 else v + 40]
                end = v + len(verb)
                cls = _verb_class(text, v, verb)
            else:
                end, cls = m.end(), None
            neg = m.start(1) >= 0
            if word == "may":
                if (neg and _subject(text, s) in _SUBJECTS) or (cls != "none" and _no_before(text, s)):
                    add((s, end, _B))  # "Parties may not", "No Party may"
                elif cls == "soft" or cls == "coop":
                    add((s, end, _S))  # "may consider", "may cooperate"
                else:
                    add((s, end, _N))  # a permission or a possibility
                continue
            if word == "will" and _subject(text, s) not in _SUBJECTS:
                continue  # future tense, not a commitment
            if cls is None:
                strength = _S if word == "should" else _B
            elif cls == "apply":  # "This Chapter shall apply to" is scope; "Each Party shall apply" binds
                strength = _B if _subject(text, s) in _SUBJECTS else _N
            elif cls == "none":
                strength = _N
            elif neg:
                strength = _B  # "shall not" binds, whatever the verb
            elif cls == "incl":  # '"goods" shall include' is a definition
                strength = _N if text.find('"', max(0, s - 80), s) >= 0 else _B
            else:
                strength = _S
            if word == "should" and strength is _B:
                strength = _S
            add((s, end, strength))
    for key, pat in _EN_COMMIT:
        for m in _find_all(text, key, pat):
            s = m.start()
            if s and text[s - 1].isalnum():
                continue
            before = text[max(0, s - 12) : s]
            first = text[s]
            if first == "a" and before.endswith(_PASSIVE_BEFORE):
                continue  # "as agreed to by", "has been agreed to"
            if first == "r":  # "is required to"; "not required to" is a carve-out
                if before.endswith(("not ", "not be ", "never be ")):
                    add((s, m.end(), _N))
                    continue
                if not before.endswith(("is ", "are ")):
                    continue
                clause = text[max(0, s - 60) : s]
                if _no_before(text, s):
                    add((s, m.end(), _N))  # "Neither Party is required to"
                    continue
                words = clause.split()
                if len(words) < 2 or words[-2] not in _REQUIRED_SUBJECTS or not _RELATIVE.isdisjoint(words[-5:]):
                    continue  # "information that suppliers are required to submit": a description
            v = m.start(1)
            if v < 0:
                continue
            cls = _verb_class(text, v, m.group(1))
            add((s, m.end(1), _S if cls == "soft" or cls == "look" or cls == "coop" else _B))
    for key, pat in _EN_SOFT:
        for m in _find_all(text, key, pat):
            s = m.start()
            if s and text[s - 1].isalnum():
                continue
            if text[s] == "i":
                if not _IMPORTANCE_BEFORE.search(text, max(0, s - 40), s):
                    continue
            elif text.endswith(" to ", max(0, s - 4), s):
                continue  # "measures to encourage investment": a purpose, not a commitment
            elif text[s] == "r" and not _CONDITION.isdisjoint(text[max(0, s - 40) : s].split()[-4:]):
                continue  # "Where a Party recognises ... qualifications": recognition in law, not a recital
            add((s, m.end(), _S))
    for key, pat, leads in _EN_QUAL:
        for m in _find_all(text, key, pat):
            s = m.start()
            lead = text[max(0, s - 30) : s].lower()
            if lead.endswith(leads) or (" " + lead[lead.rfind("\n") + 1 :]).endswith(leads):  # also at a text's start
                add((s, m.end(), _Q))
    for m in _find_all(text, *_EN_EXCEPT):
        if m.start() and text[m.start() - 1] in "Nn":
            add((m.start() - 1, m.end(), _X))
    _preamble_ends(text, _EN_PREAMBLE, cues)
    return cues


# ---------------------------------------------------------------------------------------------
# Spanish: the future tense ("otorgará", "podrán") is the Spanish "shall"; its verb decides.
# ---------------------------------------------------------------------------------------------

_ES_FUTURE = re.compile(r"rán?\b")
_ES_PRE = frozenset(("no", "se", "le", "les", "nos"))
_ES_IRREGULAR = {
    "pod": "poder", "tend": "tener", "hab": "haber", "ha": "hacer", "pond": "poner", "sald": "salir",
    "vend": "venir", "vald": "valer", "sab": "saber", "dispond": "disponer", "mantend": "mantener",
    "obtend": "obtener", "contend": "contener", "dir": "decir", "propond": "proponer",
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
_ES_HACER_SOFT = re.compile(r"\s+(?:lo\s+posible|sus\s+mejores|todo\s+lo|los\s+esfuerzos|esfuerzos)")
_ES_SER_NONE = re.compile(r"\s+(?:aplicables?|interpretad|entendid|parte\s+integrante)")
_ES_OTHER = [re.compile(r"deber(?:á|án)?\b|deben?\b"), re.compile(r"comprometen?\s+a\b")]
_ES_RECOGNISE = re.compile(r"reconocen?\b")
_ES_EXCEPT = [re.compile(r"Nada\s+de\s+lo\b"), re.compile(r"nada\s+de\s+lo\b"), re.compile(r"Ninguna\s+disposici")]
_ES_QUAL = [
    re.compile(w + r"\b") for w in ("proceda", "corresponda", "posible", "apropiad[oa]", "factible", "pertinente")
]
_ES_QUAL_BEFORE = re.compile(
    r"(?:cuando|según|en\s+la\s+medida\s+de\s+lo|en\s+lo|de\s+ser|si\s+fuera|cuando\s+sea|"
    r"siempre\s+que\s+sea|lo\s+más|según\s+sea)\s+$",
    re.IGNORECASE,
)
_ES_PARTY_BEFORE = re.compile(r"\bPart(?:e|es)\s*(?:,[^,]{0,80},)?\s*$")
_ES_NO_PARTY_BEFORE = re.compile(r"\bNingun[ao]\b[^.;]{0,40}$")
_COOP = re.compile(r"\b" + _COOP_WORD + r"|\bcooperación\b")


def _es_cues(text: str) -> list[Cue]:
    """All Spanish cues in ``text``."""
    cues: list[Cue] = []
    add = cues.append
    for m in _ES_FUTURE.finditer(text):
        s = m.start()
        lo = max(0, s - 30)
        j = max(text.rfind(" ", lo, s), text.rfind("\n", lo, s))
        if j < 0 and lo:
            continue
        stem = text[j + 1 : s]
        if len(stem) < 2 or not stem.isalpha() or not stem[1:].islower():
            continue
        stem = stem.lower()  # "Serán mercancías originarias" opens a sentence
        inf = _ES_IRREGULAR.get(stem) or (stem + "r" if stem[-1] in "aei" else stem)
        if inf == "deber":
            continue  # "deberá": read with its own pattern below
        start = j + 1
        pre = ""
        k = text.rfind(" ", max(0, j - 4), j) if j > 0 else -1
        if k >= 0 and text[k + 1 : j] in _ES_PRE:  # "se aplicará", "no podrá", "no se interpretará"
            pre = text[k + 1 : j]
            start = k + 1
            if pre == "se" and text.endswith(" no", max(0, k - 3), k):
                pre, start = "no se", k - 2
        tail = text[m.end() : m.end() + 80]
        if inf == "poder":
            if pre.startswith("no") or _ES_NO_PARTY_BEFORE.search(text, max(0, start - 60), start):
                strength = _N if _ES_TAIL_NONE.match(tail) else _B  # "Ninguna Parte podrá" = "No Party may"
            else:
                strength = _S if _ES_TAIL_SOFT.match(tail) else _N
        elif inf == "hacer" and _ES_HACER_SOFT.match(tail):
            strength = _S  # "harán lo posible"
        elif inf in _ES_SOFT:
            strength = _B if (inf == "considerar" and pre == "se") else _S  # "se considerará originaria": deeming
        elif inf == "tener":
            strength = _B if tail.startswith(" en cuenta") else _N  # "tendrá derecho" is a right
        elif inf in _ES_NONE:
            binds = inf == "aplicar" and pre != "se" and _ES_PARTY_BEFORE.search(text, max(0, start - 60), start)
            strength = _B if binds else _N
        elif inf == "ser" and _ES_SER_NONE.match(tail):
            strength = _N
        else:
            strength = _B
        if strength is _B and _COOP.search(tail, 0, 50):
            strength = _S
        add((start, m.end(), strength))
    for pat in _ES_OTHER:
        for m in pat.finditer(text):
            s = m.start()
            if s and text[s - 1].isalpha():
                continue
            tail = text[m.end() : m.end() + 80]
            add((s, m.end(), _S if _ES_TAIL_SOFT.match(tail) else _N if _ES_TAIL_NONE.match(tail) else _B))
    for m in _ES_RECOGNISE.finditer(text):
        if not (m.start() and text[m.start() - 1].isalpha()):
            add((m.start(), m.end(), _S))
    for pat in _ES_EXCEPT:
        cues.extend((m.start(), m.end(), _X) for m in pat.finditer(text))
    for pat in _ES_QUAL:
        for m in pat.finditer(text):
            s = m.start()
            if _ES_QUAL_BEFORE.search(text, max(0, s - 40), s):
                add((s, m.end(), _Q))
    _preamble_ends(text, _ES_PREAMBLE, cues)
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
            elif kind is _B and text.startswith(" coopérer", e):
                strength = _S
            else:
                strength = kind
            cues.append((s, e, strength))
    cues.extend((m.start(), m.end(), _X) for m in _FR_EXCEPT.finditer(text))
    cues.extend((m.start(), m.end(), _Q) for m in _FR_QUAL.finditer(text))
    _preamble_ends(text, _FR_PREAMBLE, cues)
    return cues


def _find_all(text: str, key: str, pat: re.Pattern[str]) -> Iterator[re.Match[str]]:
    """Matches of ``pat`` at each occurrence of the literal ``key`` in ``text``."""
    find, match = text.find, pat.match
    i = find(key)
    while i >= 0:
        m = match(text, i)
        if m is not None:
            yield m
        i = find(key, i + 1)


def _preamble_ends(text: str, phrases: tuple[tuple[str, tuple[str, ...]], ...], cues: list[Cue]) -> None:
    """Add a "preamble" cue at the end of each "have agreed as follows" (in any case) in ``text``:
    ``phrases`` are (last word, lower-cased words before it) pairs."""
    for word, leads in phrases:
        for key in (word, word.upper()):
            i = text.find(key)
            while i >= 0:
                if text[max(0, i - 25) : i].lower().endswith(leads):
                    cues.append((i + len(key), i + len(key), _P))
                i = text.find(key, i + 1)


_EN_PREAMBLE = (("ollows", ("agreed as f", "agree as f", "decided as f")),)
_ES_PREAMBLE = (
    ("siguiente", ("acordado lo ", "convenido lo ", "convenido en lo ", "convienen en lo ", "convienen lo ")),
)
_FR_PREAMBLE = (("qui suit", ("convenu de ce ", "convenu ce ")),)


_SCANNERS: dict[str, Callable[[str], list[Cue]]] = {"en": _en_cues, "es": _es_cues, "fr": _fr_cues}


_ES_MARKS = (" el ", " los ", " del ", " las ", " y ", " para ", " por ", " con ", " Las ", " Los ", " El ")
_FR_MARKS = (" les ", " des ", " du ", " et ", " aux ", " sur ", " une ", " Les ", " Le ", " La ")


def _lang(text: str) -> str:
    """en/es/fr from a few function words (then accents): enough to pick the cue set."""
    if " the " in text or " of " in text or " shall " in text:
        return "en"
    if " los " in text or " del " in text or " el " in text:  # none of them is French
        return "es"
    if " les " in text or " des " in text or " du " in text:
        return "fr"
    es = sum(m in text for m in _ES_MARKS)
    fr = sum(m in text for m in _FR_MARKS)
    if es == fr:
        es += any(c in text for c in "ñáíóú¿")
        fr += any(c in text for c in "èêàçœ")
    return "es" if es > fr else "fr" if fr > es else "en"


# ---------------------------------------------------------------------------------------------
# Sentence- and provision-level decisions
# ---------------------------------------------------------------------------------------------

# After a closing quote: '"customs duty" means', '"goods" includes', '"Party", in relation to X, means'.
_QUOTED_DEFINED = re.compile(
    r"[\"'](?:\s*,[^,]{0,80},)?\s+(?:means|mean|shall(?:\s*,[^,]{0,80},)?\s+mean|is\s+defined\s+as|includes|"
    r"shall\s+include|refers\s+to|shall\s+refer\s+to|"
    r"has\s+the\s+meaning|significa|significan|se\s+entender[áa]n?|incluye|désigne|s'entend)\b"
)
_MEANS_BEFORE = frozenset((
    "by", "the", "a", "any", "other", "all", "such", "its", "their", "electronic", "effective",
    "appropriate", "adequate", "legal", "available", "alternative", "necessary", "peaceful", "reasonable",
    "technical", "every", "best", "these", "those", "no", "unjustifiable", "arbitrary", "disguised",
    "whatever", "same", "various", "and", "or", "different", "suitable", "possible", "financial", "economic",
    "proper", "additional", "lawful", "administrative", "judicial", "technological", "constitute", "provide",
))
_MEANS_AFTER = frozenset((
    "of", "to", "for", "by", "that", "whereby", "through", "and", "or", "as", "used", "available", "if",
))
_DEFINITION_OTHER = {
    "en": [(" term ", re.compile(r" term\s+[\"']?[^.;:]{1,60}?[\"']?\s+(?:means|shall\s+mean)\b"))],
    "es": [("se entender", re.compile(r"se\s+entender[áa]n?\s+por\b"))],
    "fr": [("on entend par", re.compile(r"on entend par\b"))],
}
_ANY = re.compile("")
_COOP_KEYS = {"en": ("operat", "ollaborat"), "es": ("operac", "operat"), "fr": ()}
_OBJECTIVE = re.compile(
    r"\s*(?:\(?\w{1,4}[.)]\s*)?(?:The|These|Its|Los|Las|El|Les|Le|L')\s*"
    r"(?:main\s+|overall\s+|general\s+|specific\s+|principal\s+|basic\s+)?"
    r"(?:objectives?|aims?|purposes?|goals?|objetivos?|objectifs?|finalidad|fines)\s+(?:of|del?|de\s+la|des?|du)\b"
)
_PREAMBLE_TITLE = re.compile(r"\s*(?:preamble|pre[aá]mbulo|pr[ée]ambule)\b", re.IGNORECASE)
# "Co-operation under this Chapter shall ...": the clause before a modal is about cooperation.
_COOP_CLAUSE_BREAK = re.compile(
    r"[;:]|" + _COOP_WORD + r"[^,]{0,70}?,\s+(?:each|the|a|any|either)\s+(?:Party|Parties)\b"
)
_QUAL_REACH_BEFORE = 150  # a qualifier this close before a modal (same sentence) softens it
_QUAL_REACH_AFTER = 60  # ... or this close after it: "shall publish, where possible, ..."


def _definition_marks(text: str, lang: str) -> list[int]:
    """Sorted offsets where ``text`` defines a term: '"customs duty" means', 'customs duty means'
    (ToTA often drops the quotes; not "by electronic means"), 'the term X means', Spanish "se
    entenderá por", French "on entend par". A sentence holding one is a definition."""
    marks = [m.start() for quote in ('"', "'") for m in _find_all(text, quote, _QUOTED_DEFINED)]
    if lang == "en":
        for m in _find_all(text, " means ", _ANY):
            i = m.start()
            k = max(text.rfind(" ", max(0, i - 20), i), i - 21)
            after = text[i + 7 : i + 20].split(" ", 1)[0]
            if text[k + 1 : i] not in _MEANS_BEFORE and after not in _MEANS_AFTER:
                marks.append(i)
    for key, pat in _DEFINITION_OTHER[lang]:
        marks.extend(m.start() for m in _find_all(text, key, pat))
    marks.sort()
    return marks


def _positions(text: str, keys: Sequence[str]) -> list[int]:
    """Sorted offsets of every occurrence of each literal in ``keys``."""
    out = [m.start() for key in keys for m in _find_all(text, key, _ANY)]
    out.sort()
    return out


def _within(marks: Sequence[int], start: int, end: int) -> bool:
    """Whether some offset in sorted ``marks`` falls in [start, end)."""
    i = bisect_left(marks, start)
    return i < len(marks) and marks[i] < end


def _decide(
    text: str,
    starts: Sequence[int],
    ends: Sequence[int],
    cues: list[Cue],
    lang: str,
    definitions: Sequence[int],
    coops: Sequence[int],
) -> Obligation:
    """Group sorted cues by sentence ((starts[i], ends[i]) offsets into ``text``) and label;
    ``definitions`` and ``coops`` are sorted offsets of definition markers and cooperation words."""
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
            group = groups.get(i)
            if group is None:
                groups[i] = [cue]
            else:
                group.append(cue)
    binding: list[str] = []
    soft: list[str] = []
    for i, group in groups.items():
        modal = [c for c in group if c[2] is _B or c[2] is _S or c[2] is _N]
        kinds = [c[2] for c in modal]
        if _B not in kinds and _S not in kinds:
            continue
        s0, e0 = starts[i], ends[i]
        if _within(definitions, s0, e0) or _OBJECTIVE.match(text, s0, e0):
            continue
        if len(modal) < len(group):
            for q0, _q1, qk in group:
                if qk is not _Q and qk is not _X:
                    continue
                j = bisect_left(modal, (q0,))
                if qk is _X:  # "Nothing in this Chapter shall ...": the next modal is a carve-out
                    if j < len(modal):
                        kinds[j] = _N
                elif j < len(modal) and modal[j][0] - q0 <= _QUAL_REACH_BEFORE:
                    if kinds[j] is _B:  # "Where appropriate, the Parties shall ..."
                        kinds[j] = _S
                elif j and kinds[j - 1] is _B and q0 - modal[j - 1][1] <= _QUAL_REACH_AFTER:
                    lead_in = text[max(s0, q0 - 28) : q0]  # "and, where appropriate": a coordinated verb
                    if " and" not in lead_in and " or" not in lead_in and " y " not in lead_in:
                        kinds[j - 1] = _S
        if _B in kinds and _within(coops, s0, e0):
            for j, (p, _e, _k) in enumerate(modal):
                lo = max(s0, p - 70)
                if kinds[j] is _B and _COOP.search(text, lo, p) and not _COOP_CLAUSE_BREAK.search(text, lo, p):
                    kinds[j] = _S
        if _B in kinds:
            binding.append(text[s0:e0].strip())
        if _S in kinds:
            soft.append(text[s0:e0].strip())
    if binding and soft:
        return Obligation("mixed", tuple(binding), tuple(soft))
    if binding:
        return Obligation("binding", tuple(binding), ())
    if soft:
        return Obligation("soft", (), tuple(soft))
    return _NONE


_start = itemgetter(0)
_SEP = "\n\x1e\n"  # joins a batch's texts; no cue pattern can match across it


def classify_many(items: Iterable[tuple[str, Sequence[tuple[int, int]] | None, str | None]]) -> list[Obligation]:
    """Classify ``(text, sentences, title)`` triples, in order.

    ``text`` is a provision's normalised text, ``sentences`` its sorted (start, end) sentence
    offsets when known (e.g. from :mod:`ftadraft.index.analysis`; ``None``: split here) and ``title``
    its heading. The texts of one language are joined and scanned together, one pass per cue
    word over the whole batch instead of one per provision; pass the whole corpus at once.
    """
    batch = items if isinstance(items, list) else list(items)
    out: list[Obligation] = [_NONE] * len(batch)
    by_lang: dict[tuple[str, bool], list[int]] = {}
    for i, item in enumerate(batch):
        if item[0]:  # ASCII texts apart: a joined ASCII string scans a quarter faster
            by_lang.setdefault((_lang(item[0]), item[0].isascii()), []).append(i)
    sep = len(_SEP)
    for (lang, _ascii), members in by_lang.items():
        texts = [batch[i][0] for i in members]
        big = _SEP.join(texts)
        offsets = []
        pos = 0
        for t in texts:
            offsets.append(pos)
            pos += len(t) + sep
        cues = _SCANNERS[lang](big)
        if not cues:
            continue
        cues.sort(key=_start)
        cue_starts = [c[0] for c in cues]
        bounds: list[int] | None = None
        definitions = _definition_marks(big, lang)
        coops = _positions(big, _COOP_KEYS[lang])
        for k, off in enumerate(offsets):
            lo = bisect_left(cue_starts, off)
            if lo == len(cues):
                break
            if cue_starts[lo] > off + len(texts[k]):
                continue
            found = cues[lo : bisect_left(cue_starts, off + len(texts[k]), lo)]
            commits, begin = False, -1
            for c in found:
                if c[2] is _B or c[2] is _S:
                    commits = True
                elif c[2] is _P:
                    begin = c[1]
            if begin >= 0:  # recitals up to "have agreed as follows"
                found = [c for c in found if c[0] >= begin and c[2] is not _P]
                commits = any(c[2] is _B or c[2] is _S for c in found)
            if not commits:
                continue  # permissions, qualifiers, carve-outs only
            text, sentences, title = batch[members[k]]
            if title and title.lstrip()[:1] in "Pp" and _PREAMBLE_TITLE.match(title):
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
            out[members[k]] = _decide(big, starts, ends, found, lang, definitions, coops)
    return out


def classify(text: str, sentences: Sequence[tuple[int, int]] | None = None, title: str | None = None) -> Obligation:
    """Classify one provision: ``text`` is its normalised text, ``sentences`` optional (start,
    end) offsets into it (split here when ``None``), ``title`` its heading (a "Preamble" is none)."""
    return classify_many([(text, sentences, title)])[0]
