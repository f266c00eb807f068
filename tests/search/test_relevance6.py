"""Search relevance for plain-language queries (issue #14): paraphrases reach the treaty's concept, framing
articles (definitions, scope, consultations) give way to the articles about the subject, and a word that a
query's concept already names is not counted twice in a sentence-long query. Real ToTA data."""

from __future__ import annotations

import re

import pytest

import ftadraft
from ftadraft.search.engine import STRUCTURE_TITLES, Filters, _filter, _framing, search
from ftadraft.search.query import plan_query
from ftadraft.search.thesaurus import lemmatised_concepts, match, words


def _titles(c: ftadraft.Corpus, query: str, n: int = 10) -> list[str]:
    return [h.provision.title or "" for h in search(c, query, limit=n)]


@pytest.mark.parametrize(("query", "title"), [
    ("free product samples and brochures let in without duty", r"commercial samples"),
    ("famous brands that were never registered", r"well[- ]known trade ?marks?"),
    ("machines sent abroad for repair and brought back", r"re-?entered after repair"),
    ("refund of duties on imported materials when the final good is exported", r"drawback|refund|remission"),
])
def test_plain_words_reach_the_treaty_concept(tota: ftadraft.Corpus, query: str, title: str) -> None:
    """None of these queries uses the words of the articles' titles; the articles on the subject come first."""
    top = _titles(tota, query, 3)
    assert all(re.search(title, t, re.IGNORECASE) for t in top), top


def test_definitions_articles_give_way_unless_asked_for(tota: ftadraft.Corpus) -> None:
    """A definitions article holds every term of its chapter: it no longer fills the first page of a question
    about commercial samples, but a query that asks for definitions still gets them first."""
    samples = _titles(tota, "letting in specimens of products and advertising leaflets without charging tariffs")
    assert not any(t.lower().startswith("definition") for t in samples), samples
    asked = _titles(tota, "definitions of customs duty", 5)
    assert sum(t.lower().startswith("definition") for t in asked) >= 4, asked


def test_framing_titles_are_read_the_same_with_and_without_the_scorer(tota_db) -> None:  # type: ignore[no-untyped-def]
    """The title test runs on the scorer's counts in a warm session and on the title strings otherwise."""
    from ftadraft.search.engine import prepare

    with ftadraft.open(tota_db, create=False) as plain, ftadraft.open(tota_db, create=False) as warm:
        rowids = sorted(plain.index.rowids_matching(_filter(plain, Filters())))[:3000]
        titles = {r: title for r, (title, _, _) in plain.index.lemma_strings(rowids).items()}
        assert plain.session().scorer is None
        found = _framing(plain, rowids)
        assert prepare(warm) and warm.session().scorer is not None
        assert _framing(warm, rowids) == found
    expected = {i for i, r in enumerate(rowids) if any(f" {w} " in f" {titles[r] or ''} " for w in STRUCTURE_TITLES)}
    assert found == expected and 50 < len(found) < 1500


def test_a_word_the_concept_already_names_counts_once_in_a_sentence(tota: ftadraft.Corpus) -> None:
    sentence = plan_query(tota, "treating software, music and e-books from the other party no less favourably")
    assert not any(u.phrases == ("software",) and not u.concept for u in sentence.units)
    assert any(u.concept and "software" in u.phrases for u in sentence.units)
    short = plan_query(tota, "freedom of transit and transshipment")  # a short query lists what it wants
    assert any(not u.concept and u.phrases == ("transshipment",) for u in short.units)


def test_new_thesaurus_concepts_match_their_plain_forms() -> None:
    table = lemmatised_concepts(lambda ws: list(ws))
    for text, member in [("pay tv decoders", "decoder"), ("famous brands", "well known trademarks"),
                         ("get back the tariffs", "drawback"), ("regional specialities", "geographical indications"),
                         ("legally licensed software", "government use of software")]:
        found = match(words(text), table)
        assert found and any(member in ph for m in found for ph in m.phrases), (text, found)
