"""Clause comparison: lossless word diff, paragraph alignment, similarity, substantive changes, renderers.

Clauses here are invented; real texts are read from ../shared/corpus at test time.
"""

from __future__ import annotations

import itertools
import json
import random
import re
from pathlib import Path

import click
import pytest
from lxml import html as lxml_html

import ftadraft
from ftadraft.compare.diff import (
    Op,
    align_paragraphs,
    diff_texts,
    diff_words,
    side_a,
    side_b,
    split_paragraphs,
    tokenize,
)
from ftadraft.compare.similarity import jaccard, similarity, word_shingles
from ftadraft.compare.texts import compare_texts, render_html, render_terminal

VOCAB = (  # noqa: SIM905
    "Party Parties shall may should endeavour not the a of to in and or goods customs duties electronic "
    "transmissions Article 14.3 paragraph 2 within 48 hours USD 200 measure law , . ; : ( ) Korea "
    "Ruritania information release shipment procedure review appeal"
).split()


def invented_text(rng: random.Random, words: int, paragraphs: int = 1) -> str:
    paras = []
    for k in range(paragraphs):
        ws = [rng.choice(VOCAB) for _ in range(max(1, words // paragraphs))]
        paras.append(f"{k + 1}. " + " ".join(ws) + ".")
    return "\n\n".join(paras)


def mutate(rng: random.Random, text: str, edits: int) -> str:
    """Random word, space, punctuation and line edits (insert, delete, replace, swap, case, spaces)."""
    toks = tokenize(text)
    for _ in range(edits):
        k = rng.randrange(len(toks) + 1)
        action = rng.choice(["ins", "del", "rep", "space", "nl", "tab", "case"])
        if action == "ins":
            toks.insert(k, rng.choice(VOCAB + [" ", "  ", "\n", "é", "—"]))
        elif toks and action == "del":
            del toks[min(k, len(toks) - 1)]
        elif toks and action == "rep":
            toks[min(k, len(toks) - 1)] = rng.choice(VOCAB)
        elif action == "space":
            toks.insert(k, " " * rng.randint(1, 3))
        elif action == "nl":
            toks.insert(k, "\n" * rng.randint(1, 3))
        elif action == "tab":
            toks.insert(k, "\t")
        elif toks:
            i = min(k, len(toks) - 1)
            toks[i] = toks[i].swapcase()
    return "".join(toks)


def assert_well_formed(ops: list[Op], a: str, b: str) -> None:
    assert side_a(ops) == a
    assert side_b(ops) == b
    for op in ops:
        assert op.a or op.b
        if op.kind == "equal":
            assert op.a == op.b
        elif op.kind == "insert":
            assert op.a == "" and op.b
        elif op.kind == "delete":
            assert op.a and op.b == ""
        else:
            assert op.kind == "replace" and op.a and op.b
    for x, y in itertools.pairwise(ops):
        if x.kind != "equal" and y.kind != "equal":  # neighbouring changes only across a paragraph break
            assert re.search(r"\n\s*$", x.a) or re.search(r"\n\s*$", x.b), (x, y)
        assert not (x.kind == "equal" and y.kind == "equal"), "neighbouring equal runs are merged"
    for x, gap, y in zip(ops, ops[1:], ops[2:], strict=False):
        if x.kind != "equal" and gap.kind == "equal" and y.kind != "equal":
            assert not (gap.a.isspace() and "\n" not in gap.a), f"whitespace gap not folded: {gap!r}"


# --- tokenising and diffing -------------------------------------------------------------------------------

def test_tokenize_is_lossless_and_keeps_numbers_whole() -> None:
    text = "Article 14.3:  each\tParty's e-commerce\n\n(a) USD 1,000.50 —  “quoted” ﬁ\u00a0x"
    toks = tokenize(text)
    assert "".join(toks) == text
    assert "14.3" in toks and "1,000.50" in toks and "Party's" in toks and "e-commerce" in toks
    assert "  " in toks and "\t" in toks and "\n\n" in toks
    rng = random.Random(1)
    for _ in range(200):
        s = "".join(rng.choice("ab 1.,\n\t—é'-()") for _ in range(rng.randint(0, 40)))
        assert "".join(tokenize(s)) == s


def test_split_paragraphs_is_lossless() -> None:
    for text in ["", "one", "one\n", "\n\none\n\n two \n\nthree", "a\r\nb"]:
        assert "".join(split_paragraphs(text)) == text


@pytest.mark.parametrize("sentence_mode", [False, True])
def test_diff_round_trips_on_many_random_edits(sentence_mode: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    if sentence_mode:  # force the sentence-by-sentence path meant for overlong paragraphs
        from ftadraft.compare import diff
        monkeypatch.setattr(diff, "_MAX_TOKEN_CELLS", 50)
    rng = random.Random(20240501)
    for trial in range(400):
        a = invented_text(rng, rng.randint(0, 60), rng.randint(1, 5))
        if trial % 7 == 0:
            a = ""
        b = mutate(rng, a, rng.randint(0, 12))
        if trial % 11 == 0:
            a, b = b, a
        ops = diff_texts(a, b)
        assert_well_formed(ops, a, b)
        assert_well_formed(diff_words(a, b), a, b)


def test_identical_and_empty_texts() -> None:
    assert diff_texts("", "") == []
    assert diff_texts("Same.", "Same.") == [Op("equal", "Same.", "Same.")]
    assert diff_texts("", "New.") == [Op("insert", "", "New.")]
    assert diff_texts("Old.", "") == [Op("delete", "Old.", "")]


def test_insertion_is_cut_at_word_boundaries() -> None:
    ops = diff_texts("Each Party shall provide the information.",
                     "Each Party shall endeavour to provide the information.")
    assert ops == [Op("equal", "Each Party shall ", "Each Party shall "), Op("insert", "", "endeavour to "),
                   Op("equal", "provide the information.", "provide the information.")]


def test_changes_split_by_spaces_or_a_short_word_read_as_one_replacement() -> None:
    ops = diff_texts("the importer of the goods shall pay", "the exporter or the producer shall pay")
    changed = [op for op in ops if op.kind != "equal"]
    assert changed == [Op("replace", "importer of the goods", "exporter or the producer")]
    ops = diff_texts("alpha beta gamma delta", "one two three delta")
    assert [op.kind for op in ops] == ["replace", "equal"]


def test_paragraphs_are_aligned_before_words() -> None:
    a = ("1. Each Party shall publish its customs laws.\n\n"
         "2. Each Party shall designate enquiry points.\n\n"
         "3. Each Party shall review the procedures periodically.")
    b = ("1. Each Party shall publish its customs laws promptly.\n\n"
         "2. The Parties recognise the importance of cooperation in the fight against smuggling of goods.\n\n"
         "3. Each Party shall designate enquiry points.\n\n"
         "4. Each Party shall review the procedures periodically.")
    ops = diff_texts(a, b)
    assert_well_formed(ops, a, b)
    inserted = [op for op in ops if op.kind == "insert" and "recognise" in op.b]
    assert inserted and inserted[0].b.startswith("2. The Parties recognise")  # a whole paragraph, not confetti
    assert Op("insert", "", "promptly") in ops or any(op.b == " promptly" for op in ops)
    pa, pb = split_paragraphs(a), split_paragraphs(b)
    assert align_paragraphs(pa, pb) == [(0, 0), (None, 1), (1, 2), (2, 3)]


def test_unrelated_paragraphs_are_not_paired() -> None:
    pa = ["Goods shall be released within 48 hours.", "Nothing in this Chapter affects taxation."]
    pb = ["Goods shall be released within 72 hours.", "Each Party shall protect personal information of users."]
    assert align_paragraphs(pa, pb) == [(0, 0), (1, None), (None, 1)]


def test_long_texts_diff_stays_small() -> None:
    rng = random.Random(7)
    a = invented_text(rng, 6500, 60)
    assert len(tokenize(a)) > 13_000
    toks = tokenize(a)
    # a handful of local edits far apart
    for k in range(100, len(toks), 1500):
        toks[k] = "CHANGED"
    b = "".join(toks)
    ops = diff_texts(a, b)  # timings: bench/compare_bench.py
    assert_well_formed(ops, a, b)
    changed = sum(len(op.a) + len(op.b) for op in ops if op.kind != "equal")
    assert changed < 300, "no spurious huge deletion"
    # one paragraph of 13k tokens (no alignment help) is still right and fast
    flat_a, flat_b = a.replace("\n", " "), b.replace("\n", " ")
    ops = diff_texts(flat_a, flat_b)
    assert_well_formed(ops, flat_a, flat_b)
    assert sum(len(op.a) + len(op.b) for op in ops if op.kind != "equal") < 300


def test_overlong_paragraph_is_diffed_sentence_by_sentence(monkeypatch: pytest.MonkeyPatch) -> None:
    """A single paragraph too long for one LCS matrix is cut into sentences, still lossless and right."""
    from ftadraft.compare import diff
    monkeypatch.setattr(diff, "_MAX_TOKEN_CELLS", 1000)
    rng = random.Random(3)
    a = " ".join(invented_text(rng, 12).split("\n")[0] for _ in range(40))
    toks = tokenize(a)
    middle = next(k for k in range(len(toks) // 2, len(toks)) if toks[k].isalpha())
    toks[middle] = "CHANGED"
    b = "".join(toks)
    ops = diff_words(a, b)
    assert_well_formed(ops, a, b)
    assert [op.b for op in ops if op.kind != "equal"] == ["CHANGED"]


# --- similarity --------------------------------------------------------------------------------------------

def test_similarity_measures() -> None:
    a = "No Party shall impose customs duties on electronic transmissions between the Parties."
    s = similarity(a, a)
    assert s.edit == s.token_set == s.jaccard5 == s.jaccard5_chars == 1.0
    # typographic differences are normalised away
    assert similarity("The Party\u2019s  law \u2014 here", "The Party's law - here").edit == 1.0
    reordered = "On electronic transmissions between the Parties, no Party shall impose customs duties."
    r = similarity(a, reordered)
    assert r.token_set == 1.0 > r.edit
    assert r.jaccard5 < 0.5
    unrelated = similarity(a, "Each Party shall maintain a contact point for sanitary measures.")
    assert unrelated.jaccard5 == 0.0 and unrelated.edit < r.edit
    for v in (*vars(unrelated).values(), *vars(r).values()):
        assert 0.0 <= v <= 1.0
    assert similarity("", "").to_dict() == {"edit": 1.0, "token_set": 1.0, "jaccard5": 1.0, "jaccard5_chars": 1.0}
    assert similarity("", "text").edit == 0.0
    assert word_shingles("one two three") == frozenset({("one", "two", "three")})
    assert len(word_shingles("a b c d e f")) == 2
    assert jaccard(frozenset({1, 2}), frozenset({2, 3})) == pytest.approx(1 / 3)


# --- substantive changes -----------------------------------------------------------------------------------

def kinds(a: str, b: str) -> list[tuple[str, str, str]]:
    return [(c.kind, c.before, c.after) for c in compare_texts(a, b).changes]


@pytest.mark.parametrize(("a", "b", "expected"), [
    ("Each Party shall provide the information.", "Each Party shall endeavour to provide the information.",
     ("obligation", "shall", "shall endeavour to")),
    ("Each Party shall provide the information.", "Each Party may provide the information.",
     ("obligation", "shall", "may")),
    ("A Party shall not require prior authorisation.", "A Party should not require prior authorisation.",
     ("obligation", "shall not", "should not")),
    ("Each Party shall publish its rules.", "Each Party shall, where possible, publish its rules.",
     ("obligation", "shall", "shall, where possible")),
    ("Goods shall be released within 48 hours of arrival.", "Goods shall be released within 72 hours of arrival.",
     ("number", "48 hours", "72 hours")),
    ("Shipments valued at USD 200 or less are exempt.", "Shipments valued at USD 100 or less are exempt.",
     ("number", "USD 200", "USD 100")),
    ("The request is answered within thirty days.", "The request is answered within sixty days.",
     ("number", "thirty days", "sixty days")),
    ("Ruritania shall notify Freedonia of the measure.", "Ruritania shall notify Sylvania of the measure.",
     ("party-name", "Freedonia", "Sylvania")),
    ("The Republic of Korea shall notify the other Party.", "Japan shall notify the other Party.",
     ("party-name", "Republic of Korea", "Japan")),
    ("Disputes are settled as provided for in Article 14.3.", "Disputes are settled as provided for in Article 19.3.",
     ("cross-reference", "Article 14.3", "Article 19.3")),
    ("subject to paragraph 2(a), a Party may refuse.", "subject to paragraph 3(a), a Party may refuse.",
     ("cross-reference", "paragraph 2(a)", "paragraph 3(a)")),
    # what a rule covers, spelt out, removed or added
    ("No Party shall impose customs duties on electronic transmissions, including content transmitted "
     "electronically, between the Parties.",
     "No Party shall impose customs duties on electronic transmissions between the Parties.",
     ("coverage", "including content transmitted electronically", "")),
    ("Each Party shall protect personal information.",
     "Each Party shall protect personal information, including information held by public bodies.",
     ("coverage", "", "including information held by public bodies")),
    # a threshold stated by one side only, even inside rewritten text
    ("no customs duties will be assessed on express shipments valued at or below a fixed amount set under\n"
     "the Party's law, which each Party shall review periodically.",
     "no customs duties will be assessed on express shipments valued at 200 U.S. dollars or less.",
     ("threshold", "", "200 U.S. dollars")),
])
def test_substantive_change_is_called_out(a: str, b: str, expected: tuple[str, str, str]) -> None:
    assert kinds(a, b) == [expected]


def test_obligation_direction_in_message() -> None:
    (c,) = compare_texts("Each Party shall adopt measures.", "Each Party may adopt measures.").changes
    assert "weakened" in c.message and '"shall" → "may"' in c.message
    (c,) = compare_texts("The Parties should cooperate.", "The Parties shall cooperate.").changes
    assert "strengthened" in c.message


@pytest.mark.parametrize(("a", "b"), [
    # an unchanged "shall" or number beside an edited word is not a change of it
    ("Each Party shall ensure that its customs procedures are transparent.",
     "Each Party shall ensure that its border procedures are transparent."),
    ("Goods shall be released within 48 hours.", "Goods shall be released within 48 hours of arrival."),
    ("as provided for in Article 14.3 of this Chapter.", "as provided for in Article 14.3 of this Agreement."),
    # a whole sentence added is new text, not a changed obligation
    ("Each Party shall publish its laws.", "Each Party shall publish its laws. A Party may charge fees."),
    # paragraph renumbering and footnote marks are layout
    ("2. Each Party shall review the amount.", "3. Each Party shall review the amount."),
    ("through electronic means;6 and", "through electronic means;7 and"),
    # a name added beside another is not a renaming; sentence-initial words are not names
    ("Korea shall notify.", "Korea and Japan shall notify."),
    ("Each Party shall notify.", "Every Party shall notify."),
    # "No Party shall" and "Neither Party shall" are both prohibitions; two forms of one carve-out
    ("No Party shall impose customs duties.", "Neither Party shall impose customs duties."),
    ("For greater certainty, paragraph 1 shall not preclude a Party from imposing internal taxes.",
     "Nothing in paragraph 1 shall preclude a Party from imposing internal taxes."),
])


def test_no_false_alarm(a: str, b: str) -> None:
    assert kinds(a, b) == []


def test_changes_are_ordered_by_importance_and_deduplicated() -> None:
    a = "Under Article 5.2, Ruritania shall release the goods within 48 hours."
    b = "Under Article 7.2, Freedonia may release the goods within 24 hours."
    got = [c.kind for c in compare_texts(a, b).changes]
    assert got == ["obligation", "number", "party-name", "cross-reference"]
    c = compare_texts(a, b).changes[0]
    assert a[c.a_start:].startswith("shall") and b[c.b_start:].startswith("may")


# --- Comparison, JSON and renderers -------------------------------------------------------------------------

A = "1. No Party shall impose customs duties on <electronic> transmissions & content.\n\n2. Within 48 hours."
B = "1. No Party should impose customs duties on <electronic> transmissions & content.\n\n2. Within 72 hours."


def test_compare_texts_and_to_dict() -> None:
    c = compare_texts(A, B, label_a="Draft 1", label_b="Draft 2")
    assert not c.identical and c.a == A and c.b == B
    d = json.loads(json.dumps(c.to_dict()))
    assert d["label_a"] == "Draft 1" and d["identical"] is False
    assert "".join(o["a"] for o in d["ops"]) == A and "".join(o["b"] for o in d["ops"]) == B
    assert {ch["kind"] for ch in d["changes"]} == {"obligation", "number"}
    assert set(d["similarity"]) == {"edit", "token_set", "jaccard5", "jaccard5_chars"}
    assert d["words_deleted"] == 2 and d["words_inserted"] == 2
    same = compare_texts(A, A)
    assert same.identical and same.changes == () and same.similarity.edit == 1.0


def test_render_terminal_plain_and_colour() -> None:
    c = compare_texts(A, B, label_a="Draft 1", label_b="Draft 2")
    plain = render_terminal(c, color=False)
    assert "\x1b[" not in plain
    assert "-[shall]+[should]" in plain and "-[48]+[72]" in plain
    assert "Draft 1" in plain and "obligation weakened" in plain
    coloured = render_terminal(c, color=True)
    assert click.style("shall", fg="red", strikethrough=True) in coloured
    assert click.style("should", fg="green", underline=True) in coloured
    assert "-[" not in coloured
    # without the escape codes, the coloured body shows both sides' words in place
    assert "No Party shallshould impose" in click.unstyle(coloured)
    assert render_terminal(compare_texts(A, A), color=False).rstrip().endswith("identical")


def test_render_terminal_keeps_line_breaks_outside_escape_codes() -> None:
    c = compare_texts("One.\n", "One.\nTwo new\nlines.\n")
    lines = render_terminal(c, color=True).splitlines()
    assert any("\x1b[" in line for line in lines[-3:])
    for line in lines:
        escapes = re.findall(r"\x1b\[[0-9;]*m", line)
        assert not escapes or escapes[-1] == "\x1b[0m", line


def test_render_html_is_standalone_and_escaped() -> None:
    c = compare_texts(A + " <script>alert(1)</script>", B, label_a="A <draft>", label_b='B "&" draft')
    page = render_html(c)
    assert page.startswith("<!DOCTYPE html>") and "<style>" in page
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "A &lt;draft&gt;" in page and "&amp;" in page
    assert not re.search(r"""(?:src|href)\s*=\s*["']?https?:""", page)  # nothing fetched from elsewhere
    tree = lxml_html.fromstring(page)
    dels = [e.text_content() for e in tree.iter("del")]
    inss = [e.text_content() for e in tree.iter("ins")]
    assert "shall" in dels and "should" in inss and "48" in dels and "72" in inss
    sbs = tree.xpath("//table[@class='sbs']//tr/td")
    assert len(sbs) % 2 == 0 and len(sbs) >= 4  # paragraph rows, two cells each
    left = "".join(td.text_content() for td in sbs[0::2])
    right = "".join(td.text_content() for td in sbs[1::2])
    assert left == c.a and right == c.b


# --- real texts -------------------------------------------------------------------------------------------------

def article(tota_dir: Path, treaty: str, chapter_title: str, title: str) -> ftadraft.Provision:
    doc = ftadraft.load_file(tota_dir / f"pta_{treaty}.xml")
    (p,) = [p for p in doc.provisions if p.chapter_title == chapter_title and p.title == title]
    return p


def test_real_clauses_compare(tota_dir: Path) -> None:
    tpp = article(tota_dir, "449", "Electronic Commerce", "Customs Duties")
    korus = article(tota_dir, "159", "Electronic Commerce", "Digital Products")
    c = compare_texts(tpp.text, korus.text, label_a="TPP", label_b="KORUS")
    assert c.a == tpp.text and c.b == korus.text
    assert 0.0 < c.similarity.edit < 1.0 and 0.0 < c.similarity.token_set <= 1.0
    assert_well_formed(list(c.ops), tpp.text, korus.text)
    json.dumps(c.to_dict())
    render_html(c)
    assert compare_texts(tpp.text, tpp.text).identical


def test_real_chapter_with_edits_finds_exactly_them(tota_dir: Path) -> None:
    """A whole chapter against itself with drafting edits: the diff finds exactly those edits."""
    doc = ftadraft.load_file(tota_dir / "pta_449.xml")
    chapter = "Customs Administration And Trade Facilitation"
    a = "\n\n".join(p.text for p in doc.provisions if p.chapter_title == chapter)
    assert len(a) > 15_000
    i = a.index(" shall ", len(a) // 3) + 1
    j = a.index("48 hours")
    assert i < j
    b = a[:i] + "may" + a[i + 5:j] + "72" + a[j + 2:]
    c = compare_texts(a, b)
    assert c.a == a and c.b == b
    assert [(op.a, op.b) for op in c.ops if op.kind != "equal"] == [("shall", "may"), ("48", "72")]
    obligation, number = c.changes
    assert obligation.kind == "obligation" and "weakened" in obligation.message
    assert obligation.before.startswith("shall") and obligation.after.startswith("may")
    assert (number.kind, number.before, number.after) == ("number", "48 hours", "72 hours")


def test_real_callouts_on_tota(tota_db: Path) -> None:
    """The callouts a drafter relies on, on real articles: TPP vs Malaysia–Australia customs duties (the
    dropped coverage of content, no false prohibition alarm) and TPP vs KORUS express shipments (the new
    200-dollar threshold beside six → four hours)."""
    import ftadraft

    with ftadraft.open(tota_db, create=False) as c:
        duties = compare_texts(c.provision("tpp:14.3").text, c.provision("tota-160:15.4").text).changes
        assert [(ch.kind, ch.before) for ch in duties] == [("coverage", "including content transmitted electronically")]
        express = compare_texts(c.provision("tpp:5.7").text, c.provision("korus:7.7").text).changes
        found = {(ch.kind, ch.before, ch.after) for ch in express}
        assert ("threshold", "", "200 U.S. dollars") in found
        assert ("number", "six hours", "four hours") in found
        assert not any(ch.kind == "obligation" for ch in express)


def test_list_labels_are_units_of_the_diff() -> None:
    ops = compare_texts("(d) provide for release;", "(e) provide for release;").ops
    assert [(op.a, op.b) for op in ops if op.kind != "equal"] == [("(d)", "(e)")]


def test_a_party_that_shall_not_prevent_is_bound() -> None:
    """RCEP 12.15 "A Party shall not prevent cross-border transfer" against TPP 14.11 "Each Party shall allow":
    both bind the Party; neither is a carve-out, so nothing is "strengthened". "Paragraph 1 shall not preclude"
    stays a carve-out."""
    c = compare_texts("A Party shall not prevent cross-border transfer of information by electronic means.",
                      "Each Party shall allow the cross-border transfer of information by electronic means.")
    assert not any("carve-out" in ch.message or "strengthened" in ch.message for ch in c.changes)
    c = compare_texts("Nothing in paragraph 1 shall prevent a Party from imposing internal taxes.",
                      "Paragraph 1 shall not preclude a Party from imposing internal taxes.")
    assert not [ch for ch in c.changes if ch.kind == "obligation"]


def test_a_clause_pasted_without_its_paragraph_breaks_is_not_rewritten() -> None:
    """A pasted clause loses its paragraph breaks (one line): against the published text the diff must show
    only layout, not every word deleted and inserted again."""
    from ftadraft.compare import compare_texts

    published = ("1. Each Party shall maintain simplified procedures for low-value consignments. Those "
                 "procedures shall:\n\n(a) allow the data to be lodged before arrival;\n\n(b) provide for "
                 "release within a short period after arrival.\n\n2. Each Party shall publish the threshold.")
    pasted = " ".join(published.split())
    cmp = compare_texts(pasted, published)
    assert cmp.words_deleted == 0 and cmp.words_inserted == 0
    assert not cmp.changes


def _numbered(tota_dir: Path, treaty: str, number: str) -> ftadraft.Provision:
    (p,) = [p for p in ftadraft.load_file(tota_dir / f"pta_{treaty}.xml").provisions if p.number == number]
    return p


def test_wholesale_rewrite_is_called_out_on_real_articles(tota_dir: Path) -> None:
    """CAFTA-DR 14.3 (Digital Products) against TPP 14.3 (Customs Duties): two subjects, token-set similarity
    about 0.66, and no single expression that changed. The drafter is told the content was rewritten and what
    only A speaks of, before anything else."""
    cafta, tpp = _numbered(tota_dir, "23", "14.3"), _numbered(tota_dir, "449", "14.3")
    c = compare_texts(cafta.text, tpp.text)
    assert c.similarity.token_set > 0.6
    first = c.changes[0]
    assert first.kind == "rewritten" and first.message.startswith("content largely rewritten: 100% of A's")
    assert '"digital products"' in first.message
    assert "rewritten" in render_terminal(c, color=False) and "rewritten" in render_html(c)


def test_real_callouts_hold_without_a_false_rewrite(tota_dir: Path) -> None:
    """TPP 14.3 against Malaysia-Australia 15.4 ("No Party shall" → "Neither Party shall": both prohibitions):
    only the dropped coverage. TPP 5.7 against KORUS 7.7 express shipments, reworded but on one subject: the
    200-dollar threshold and six → four hours, no obligation change and no wholesale-rewrite alarm."""
    duties = compare_texts(_numbered(tota_dir, "449", "14.3").text, _numbered(tota_dir, "160", "15.4").text)
    assert [(ch.kind, ch.before) for ch in duties.changes] == [
        ("coverage", "including content transmitted electronically")]
    express = compare_texts(_numbered(tota_dir, "449", "5.7").text, _numbered(tota_dir, "159", "7.7").text)
    found = {(ch.kind, ch.before, ch.after) for ch in express.changes}
    assert ("threshold", "", "200 U.S. dollars") in found
    assert ("number", "six hours", "four hours") in found
    assert not any(ch.kind in ("obligation", "rewritten") for ch in express.changes)


def test_relettering_renumbering_and_footnote_marks_are_not_a_rewrite(tota_dir: Path) -> None:
    """A real article with every list label shifted ("(a)" → "(b)"), its paragraphs renumbered and footnote
    marks glued to words: no callout, and each label or mark is one unit of the diff."""
    tpp = _numbered(tota_dir, "449", "5.7").text
    shifted = re.sub(r"(?m)^(\s*)\(([a-h])\)", lambda m: f"{m.group(1)}({chr(ord(m.group(2)) + 1)})", tpp)
    renumbered = re.sub(r"(?m)^(\s*)(\d+)\.", lambda m: f"{m.group(1)}{int(m.group(2)) + 1}.", shifted)
    marked = renumbered.replace("shipments;", "shipments;7", 1).replace("goods.", "goods.8", 1)
    assert marked != tpp and "(b)" in marked
    c = compare_texts(tpp, marked)
    assert not c.changes
    for op in c.ops:
        if op.kind != "equal":
            unit = r"\s*(?:\([a-i]\)|\d+\.?)?\s*"
            assert re.fullmatch(unit, op.a) and re.fullmatch(unit, op.b), op
