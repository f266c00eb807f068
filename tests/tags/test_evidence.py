"""Deciding sentences of a provision's topics (tags/evidence.py): on our own sentences and on real ToTA articles.

The invented sentences are our own (from test_topics); real treaty text is only read from ../shared/corpus.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import ftadraft
from ftadraft.index import analysis
from ftadraft.tags import topics
from ftadraft.tags.evidence import provision_evidence, topic_evidence

#: Our own sentences, one topic each: (topic, text).
INVENTED = [
    ("clearance/advance-rulings", ("On written request of an importer made before the goods arrive, the customs "
     "administration shall issue an advance ruling on their tariff classification.")),
    ("ip-enforcement/border-measures", ("Each Party shall allow a right holder to ask its customs authorities to "
     "suspend the release of imported goods suspected of being counterfeit trademark goods.")),
    ("e-commerce/spam", ("Each Party shall adopt measures against unsolicited commercial electronic messages, "
     "requiring suppliers to let recipients stop receiving them.")),
    ("e-commerce/source-code", ("No Party shall require the transfer of, or access to, the source code of software "
     "owned by a person of another Party as a condition for its sale in its territory.")),
]
#: Our own sentence about something else (no topic).
UNRELATED = [("The panel shall present its final report to the disputing Parties within 120 days of its "
              "establishment.")]


@pytest.mark.parametrize(("expected", "text"), INVENTED, ids=[e for e, _ in INVENTED])
def test_the_topic_sentence_is_found_and_the_unrelated_one_is_not(expected: str, text: str) -> None:
    other = UNRELATED[0]
    for joined in (f"{text} {other}", f"{other} {text}"):
        (ev,) = topic_evidence(joined, [expected])
        assert ev.topic == expected and not ev.title
        assert [s.text for s in ev.sentences] == [text]
        lemmas = f" {analysis.lemmatize(text)} "
        assert ev.sentences[0].phrases and all(f" {p} " in lemmas for p in ev.sentences[0].phrases)
        assert ev.sentences[0].weight > 0


def test_without_topics_the_text_is_tagged_and_unknown_languages_give_nothing() -> None:
    expected, text = INVENTED[0]
    got = topic_evidence(text)
    assert [e.topic for e in got] == [t.id for t in topics.tag(text)] and got[0].topic == expected
    assert topic_evidence(text, [expected], lang="de") == []
    assert topic_evidence("", [expected]) == []
    assert topic_evidence(text, ["no/such-topic"]) == []


def test_a_title_naming_the_topic_is_reported() -> None:
    (ev,) = topic_evidence("The Parties shall meet to discuss these matters.", ["clearance/advance-rulings"],
                           title="Advance Rulings")
    assert ev.title and ev.sentences == ()


def _tagged(tota_dir: Path, name: str, lang: str) -> list[tuple[ftadraft.Provision, list[str]]]:
    out = []
    for p in ftadraft.load_file(tota_dir / name).provisions:
        ids = [t.id for t in topics.tag(p.normalized, p.title, chapter=p.chapter_title, lang=lang)]
        if ids:
            out.append((p, ids))
    return out


@pytest.mark.parametrize(("name", "lang"), [("pta_1.xml", "en"), ("pta_438.xml", "es")])
def test_every_topic_of_a_real_article_has_its_deciding_sentences(tota_dir: Path, name: str, lang: str) -> None:
    """Each topic the tagger gives a ToTA article rests on sentences of its text (or its title); each sentence is
    the article's own, and taking the sentences out of the text (title removed) takes the topic away."""
    tagged = _tagged(tota_dir, name, lang)
    assert len(tagged) >= 10
    n = unsupported = survived = 0
    for p, ids in tagged:
        found = topic_evidence(p.normalized, ids, title=p.title, chapter=p.chapter_title, lang=lang)
        assert [e.topic for e in found] == ids
        for e in found:
            n += 1
            assert all(s.text in p.normalized for s in e.sentences)
            if not e.sentences:
                unsupported += not e.title
                continue
            rest = p.normalized
            for s in e.sentences:
                rest = rest.replace(s.text, " ")
            left = [t.id for t in topics.tag(rest, chapter=p.chapter_title, lang=lang)] if rest.strip() else []
            survived += e.topic in left
    assert unsupported == 0
    assert survived <= 0.05 * n, (survived, n)


def test_provision_evidence_reads_the_provisions_stored_topics(tota_dir: Path) -> None:
    p, ids = _tagged(tota_dir, "pta_1.xml", "en")[0]
    tagged = ftadraft.Provision(**{**p.__dict__, "topics": tuple(ids)})
    assert provision_evidence(tagged) == topic_evidence(p.normalized, ids, title=p.title, chapter=p.chapter_title)
    assert provision_evidence(p) == []  # no stored topics: nothing to explain


def test_a_long_list_sentence_gives_only_the_item_with_the_phrase() -> None:
    ruling = ("(c) issue, on written request of an importer made before the goods arrive, an advance ruling on "
              "their tariff classification;")
    text = ("With a view to facilitating trade between them, each Party shall: (a) meet the other Party's officials "
            "once a year at a place the Parties agree; (b) keep the other Party informed of changes in the staff "
            f"of its ministries and of the addresses of its offices; {ruling} and (d) report to the Joint "
            "Committee on the work done under this paragraph.")
    assert len(text) > 300
    (ev,) = topic_evidence(text, ["clearance/advance-rulings"])
    assert [s.text for s in ev.sentences] == [ruling]
