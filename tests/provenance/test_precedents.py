"""Precedent look-up and lineage: the same language found through drafting edits, on the real ToTA index."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import numpy as np
import pytest

import ftadraft
from conftest import RunCli
from ftadraft import fingerprint
from ftadraft.errors import InputError, ReferenceNotFound
from ftadraft.normalize import normalize_text
from ftadraft.provenance.precedents import NEAR_IDENTICAL, lineage, matching_passage, precedent_report, precedents


def test_canonical_words_fold_names_numbers_labels_and_quotes() -> None:
    a = fingerprint.canonical_words(normalize_text(
        "Article 14.3: Each Party shall, consistent with paragraph 2(b), ensure that Korea’s “rules” apply. "
        "(iv) civil"))
    b = fingerprint.canonical_words(normalize_text(
        "Article 19.3: Each Party shall, consistent with paragraph 5(c), ensure that Peru's \"rules\" apply. "
        "(ii) civil"))
    assert a == b
    assert "civil" in a and fingerprint.NAME in a and not any(w.isdigit() for w in a)
    reflowed = normalize_text("the customs admin-\nistration of each\nParty shall")
    assert fingerprint.canonical_words(reflowed) == ["the", "customs", "administration", "of", "each", fingerprint.NAME,
                                                     "shall"]


def test_coverage_counts_changed_words_once_and_ignores_scattered_words() -> None:
    h = fingerprint.hashes
    base = "each party shall adopt or maintain measures to protect consumers from fraudulent commercial activities"
    edited = base.replace("adopt", "endeavour to adopt")
    in_q, in_d = fingerprint.coverage(h(edited), h(base))
    assert in_q == len(h(edited)) - 2 and in_d == len(h(base))  # "endeavour to" is all that is missing
    scattered = "of the party and the measures of the goods to protect the trade of the consumers"
    assert fingerprint.coverage(h(base), h(scattered))[0] == 0
    many_q, many_d = fingerprint.coverage_many(h(edited), [h(base), h(scattered), np.zeros(0, dtype=np.uint32)])
    assert many_q.tolist() == [in_q, 0, 0] and many_d.tolist()[2] == 0


def _edit(text: str) -> str:
    """The edits drafters make: other names, renumbered references, a softened modal, a hedge, OCR
    line breaks, curly quotes."""
    text = re.sub(r"\b(Article|paragraph) (\d+)", lambda m: f"{m.group(1)} {int(m.group(2)) + 3}", text)
    text = text.replace("shall ", "shall endeavour to ", 1).replace("Party", "Contracting Party", 1)
    text = text.replace("'", "\u2019")
    words = text.split()
    return "\n".join(" ".join(words[i : i + 9]) for i in range(0, len(words), 9))


@pytest.mark.parametrize("ref", ["tpp:14.13", "korus:15.3", "tota-142:16.9", "tpp:5.7"])
def test_edited_clause_finds_its_source_first(tota: ftadraft.Corpus, ref: str) -> None:
    source = tota.provision(ref)
    hits = precedents(tota, _edit(source.text), limit=5)
    top = hits[0].provision
    assert top.id == source.id or top.normalized == source.normalized
    assert hits[0].similarity > 0.85 and hits[0].rank == 1
    assert all(a.similarity >= 0.5 for a in hits)


def test_a_single_sentence_finds_its_article(tota: ftadraft.Corpus) -> None:
    source = tota.provision("tpp:14.13")
    sentence = next(s for s in re.split(r"(?<=\.)\s+", source.normalized) if "computing facilities" in s and
                    len(s.split()) > 15)
    assert precedents(tota, sentence, limit=1)[0].provision.id == source.id


def test_a_sentence_quoted_exactly_beats_texts_holding_the_same_words(tota: ftadraft.Corpus) -> None:
    """Canada-Jordan 14-5 and Canada-Korea 21.5 hold the same words; only Jordan's starts the sentence with
    a capital ("Procedures established ..."): the article a sentence was copied from must come first."""
    source = tota.provision("tota-352:14-5")
    sentence = next(s for s in re.split(r"(?<=\.)\s+", source.normalized) if s.startswith("Procedures established"))
    hits = precedents(tota, sentence, limit=5)
    assert hits[0].provision.id == source.id and hits[0].verbatim
    near = [h for h in hits if not h.verbatim]
    assert near and near[0].similarity == 1.0 and sentence not in near[0].provision.normalized
    assert [h.verbatim for h in hits] == sorted((h.verbatim for h in hits), reverse=True)


def test_the_diff_of_a_sentence_is_against_the_sentence_it_matches(tota: ftadraft.Corpus) -> None:
    source = tota.provision("tota-352:14-5")
    sentence = next(s for s in re.split(r"(?<=\.)\s+", source.normalized) if s.startswith("Procedures established"))
    assert matching_passage(sentence, source) == sentence
    edited = sentence.replace("may begin", "may, where appropriate, begin").replace("either Party", "a Party")
    assert matching_passage(edited, source) in (sentence, f"3. {sentence}")
    clause = tota.provision("tpp:14.13")
    assert matching_passage(_edit(clause.text), clause) == clause.text  # a whole clause is compared whole


def test_a_numbered_sentence_from_common_boilerplate_finds_its_article(tota: ftadraft.Corpus) -> None:
    """'(a) 60 days after the date of receipt of the request for consultations;' holds the same words as
    hundreds of dispute-settlement articles; only a few quote it with its label."""
    sentence = "(a) 60 days after the date of receipt of the request for consultations;"
    hits = precedents(tota, sentence, limit=10)
    assert hits[0].verbatim and sentence in hits[0].provision.normalized
    quoting = {p.id for a in tota.agreements() for p in tota.index.provisions(a.id) if sentence in p.normalized}
    assert {h.provision.id for h in hits if h.verbatim} <= quoting
    assert "tota-10/1182" in quoting


def test_quoting_texts_put_the_same_text_first(tmp_path: Path) -> None:
    """Of several texts quoting a clause, its own text (or a copy) comes before longer ones that add to it,
    and a near-copy with one word changed comes after all of them."""
    clause = "Each Party shall endeavour to accept electronic versions of trade administration documents."
    texts = {"long": f"{clause} Each Party shall also publish those documents on a single website for traders.",
             "same": clause,
             "near": clause.replace("trade administration", "trade-administration")}
    with ftadraft.open(tmp_path / "q.sqlite") as c:
        for name, text in texts.items():
            src = tmp_path / f"{name}.txt"
            src.write_text(f"Article 1: Clause\n{text}\n")
            c.add([src])
        hits = precedents(c, clause)
        assert [h.provision.normalized for h in hits][:2] == [clause, texts["long"]]
        assert [h.verbatim for h in hits] == [True, True, False]


def test_filters_and_lineage(tota: ftadraft.Corpus) -> None:
    clause = tota.provision("korus:15.3").text
    hits = precedents(tota, clause, limit=50, exclude=["tota-159"])
    assert hits and all(h.agreement.id != "tota-159" for h in hits)
    korus = tota.agreement("korus")
    earlier = precedents(tota, clause, limit=50, before=korus.signed)
    assert earlier and all(h.agreement.signed and h.agreement.signed < korus.signed for h in earlier)
    assert all(h.agreement.year >= 2005 for h in precedents(tota, clause, limit=50, since=2005))

    chrono = lineage(tota, "Neither Party may impose customs duties, fees, or other charges on or in connection with "
                           "the importation or exportation of digital products by electronic transmission.")
    dates = [p.agreement.signed for p in chrono.precedents]
    assert len(dates) >= 8 and dates == sorted(dates)
    assert chrono.origin is not None and chrono.origin.similarity >= 0.9
    assert all(p.similarity < 0.9 for p in chrono.precedents[: chrono.precedents.index(chrono.origin)])
    assert chrono.summary().startswith(f"First seen in {chrono.precedents[0].agreement.name}")
    frame = ftadraft.to_frame(chrono.precedents)
    assert list(frame["year"]) == sorted(frame["year"]) and frame["similarity"].between(0.8, 1).all()


def test_bad_queries(tota: ftadraft.Corpus) -> None:
    for text, problem in [("", "too short"), ("the (a) 12", "too short"), ("ab\x00cd" * 10, "binary"),
                          ("shall " * 50_000, "too long")]:
        with pytest.raises(InputError, match=problem):
            precedents(tota, text)


def test_cli_json_batch_and_errors(run: RunCli, tota_db: Path, tmp_path: Path) -> None:
    r = run("precedents", "--ref", "tpp:14.13", "--json", db=tota_db)
    assert r.exit_code == 0, r.stderr
    data = json.loads(r.stdout)
    assert all(h["agreement"]["id"] != "tota-449" for h in data["hits"])  # --ref leaves its own agreement out
    assert data["lineage"]["precedents"][0]["article"]["id"] == "tota-449/40220"  # ...but not out of its lineage
    assert data["diff"] is not None

    clause = json.loads(run("corpus", "show", "tpp:14.3", "--json", db=tota_db).stdout)["text"]
    batch = tmp_path / "clauses.jsonl"
    batch.write_text(json.dumps({"id": "a", "text": _edit(clause)}) + "\n\n"
                     + json.dumps({"id": 7, "text": "  "}) + "\n")
    r = run("precedents", "--batch", str(batch), "-n", "3", db=tota_db)
    lines = [json.loads(x) for x in r.stdout.splitlines()]
    assert r.exit_code == 1  # one input was unusable, and said so on its own line
    assert lines[0]["id"] == "a" and lines[0]["hits"][0]["source"] == {"dataset": "tota", "treaty": "449",
                                                                        "article": "40210"}
    assert set(lines[0]["hits"][0]) >= {"source", "agreement", "article", "similarity"}
    assert lines[1] == {"id": 7, "hits": [], "error": "too short: give at least 3 words of a clause"}

    batch.write_text('{"id": 1, "text": "fine words here"}\nnot json\n')
    r = run("precedents", "--batch", str(batch), db=tota_db)
    assert r.exit_code == 1 and f"{batch}:2: not a JSON line" in r.stderr
    r = run("precedents", "-", input="   ", db=tota_db)
    assert r.exit_code == 1 and "empty text" in r.stderr
    for args in (["precedents", "-"], ["compare", "tpp:14.3", "-"], ["topics", "tag", "-"]):
        r = run(*args, input=bytes(range(256)) * 8, db=tota_db)
        assert (r.exit_code, r.stderr.strip()) == (1, "ftadraft: <stdin>: binary data, not text"), args
        r = run(*args, input="Each Party shall \udcff accept".encode("utf-8", "surrogateescape"), db=tota_db)
        assert r.exit_code == 1 and "not valid UTF-8" in r.stderr, args
    r = run("precedents", "some words here", "--ref", "tpp:14.3", db=tota_db)
    assert r.exit_code == 1 and "not both" in r.stderr
    r = run("precedents", "some words here", "--exclude", "nosuchagreement", db=tota_db)
    assert r.exit_code == 1 and "nosuchagreement" in r.stderr
    r = run("precedents", "the location of computing facilities", "--since", "2016", "--until", "2010", db=tota_db)
    assert r.exit_code == 1 and "no year can match" in r.stderr


def test_index_from_before_fingerprints_is_upgraded(tmp_path: Path) -> None:
    src = tmp_path / "demo.txt"
    src.write_text("Article 1: Paperless Trading\nEach Party shall endeavour to accept electronic versions of trade "
                   "administration documents as the legal equivalent of paper documents.\n\nArticle 2: Spam\n"
                   "Each Party shall adopt measures regarding unsolicited commercial electronic messages.\n")
    db = tmp_path / "old.sqlite"
    with ftadraft.open(db) as c:
        c.add([src])
    con = sqlite3.connect(db)  # make it look like a schema-1 index
    con.execute("ALTER TABLE provisions DROP COLUMN fingerprint")
    con.execute("PRAGMA user_version = 1")
    con.commit()
    con.close()
    with ftadraft.open(db) as c:
        assert c.stats()["schema_version"] == 2
        hits = precedents(c, "each party shall endeavour to accept electronic versions of trade administration "
                             "documents")
        assert hits[0].provision.number == "1"
        other = tmp_path / "later.txt"
        other.write_text("Article 9: Unsolicited Messages\nEach Party shall adopt measures regarding unsolicited "
                         "commercial electronic messages and their senders.\n")
        c.add([other])  # the in-memory precedent index is rebuilt after a change
        found = precedents(c, "adopt measures regarding unsolicited commercial electronic messages")
        assert {h.agreement.id for h in found} == {"demo", "later"}


def test_cached_postings_never_outlive_the_texts(tmp_path: Path) -> None:
    """An index file re-created at the same path with other texts of the same size gets fresh postings."""
    db = tmp_path / "same.sqlite"
    for text in ("Each Party shall accept electronic versions of trade administration documents.",
                 "Each Party shall adopt measures regarding unsolicited commercial electronic messages."):
        src = tmp_path / "a.txt"
        src.write_text(f"Article 1: Clause\n{text}\n")
        for f in tmp_path.glob("same.sqlite*"):
            f.unlink()
        with ftadraft.open(db) as c:
            c.add([src])
            hits = precedents(c, text)
            assert [h.similarity for h in hits] == [1.0], text


def test_two_corpora_on_one_index_see_each_others_changes(tota_db: Path, tmp_path: Path) -> None:
    """A Corpus whose index was changed through another Corpus renews what it derived (precedent
    postings, search counts) instead of looking up provisions that are gone."""
    import shutil

    db = tmp_path / "two.sqlite"
    shutil.copy(tota_db, db)
    with ftadraft.open(db, create=False) as writer, ftadraft.open(db, create=False) as reader:
        text = reader.provision("tpp:14.3").text
        before = {p.agreement.id for p in precedents(reader, text, limit=10)}
        assert "tota-449" in before
        writer.remove(["tota-449", "tota-450"])
        after = precedents(reader, text, limit=10)  # no KeyError: the other corpus's removal is seen
        assert after and not {p.agreement.id for p in after} & {"tota-449", "tota-450"}
        hits = reader.search("customs duties electronic transmissions")
        assert hits and all(h.agreement.id not in {"tota-449", "tota-450"} for h in hits)


def test_lineage_of_an_indexed_clause_never_names_itself_as_origin(tota: ftadraft.Corpus) -> None:
    """KORUS 15.3 (2007) stays in its own chronology but is not its own likely origin; a text holding
    only two thirds of it is never called the origin (the rule is nearly verbatim, >= 90 %)."""
    own = tota.provision("korus:15.3")
    chrono = lineage(tota, own.text, min_similarity=0.6, provision=own)
    assert any(p.provision.id == own.id for p in chrono.precedents)
    assert chrono.origin is None or (chrono.origin.agreement.id != own.agreement_id
                                     and chrono.origin.similarity >= 0.9)
    without = lineage(tota, own.text, min_similarity=0.6, exclude=[own.agreement_id])
    assert without.precedents and max(p.similarity for p in without.precedents) < 0.9
    assert without.origin is None and "no likely origin" in without.summary()


def test_report_of_an_indexed_clause_leaves_its_agreement_out_but_not_its_lineage(tota: ftadraft.Corpus) -> None:
    """The library answers what the command shows: an indexed clause is never its own precedent, stays in its
    lineage by date, and is never its own likely origin; with its agreement excluded by alias, the closest
    earlier texts hold two thirds of it and none is called the origin (the rule is >= 90 %)."""
    own = tota.provision("korus:15.3")
    report = precedent_report(tota, own, limit=20, min_similarity=0.6, with_lineage=True)
    assert report.label == own.id and report.provision == own and report.clause == own.text
    assert report.hits and all(h.agreement.id != own.agreement_id for h in report.hits)
    assert report.lineage is not None and own.id in {p.provision.id for p in report.lineage.precedents}
    assert report.lineage.origin is None or report.lineage.origin.agreement.id != own.agreement_id

    without = precedent_report(tota, own.text, min_similarity=0.6, exclude=["korus"], with_lineage=True)
    assert without.lineage is not None and without.lineage.precedents
    best = max(p.similarity for p in without.lineage.precedents)
    assert 0.6 <= best < NEAR_IDENTICAL and without.lineage.origin is None
    assert [h.provision.id for h in without.hits] == [h.provision.id for h in report.hits][: len(without.hits)]

    data = json.loads(json.dumps(report.to_dict()))
    assert data["diff"] is not None and data["lineage"]["origin"] != own.id
    assert all(h["agreement"]["id"] != own.agreement_id for h in data["hits"])


def test_report_compares_a_sentence_with_the_passage_it_matches(tota: ftadraft.Corpus) -> None:
    source = tota.provision("tota-352:14-5")
    sentence = next(s for s in re.split(r"(?<=\.)\s+", source.normalized) if s.startswith("Procedures established"))
    report = precedent_report(tota, sentence, label="pasted", limit=3)
    assert report.best is not None and report.best.provision.id == source.id and report.best.verbatim
    assert report.passage() == sentence
    comparison = report.comparison()
    assert comparison is not None and comparison.to_dict()["label_a"] == "pasted"
    assert comparison.to_dict()["label_b"].endswith("(the matching passage)")
    whole = precedent_report(tota, _edit(tota.provision("tpp:14.13").text), limit=1).comparison()
    assert whole is not None and not whole.to_dict()["label_b"].endswith("(the matching passage)")


def test_report_refuses_bad_input_by_its_label(tota: ftadraft.Corpus) -> None:
    with pytest.raises(InputError, match="^clause.txt: too short"):
        precedent_report(tota, "the (a) 12", label="clause.txt")
    with pytest.raises(ReferenceNotFound, match="nosuchagreement"):
        precedent_report(tota, "each party shall adopt measures", exclude=["nosuchagreement"])
    with pytest.raises(ftadraft.FtadraftError, match="no year can match"):
        precedent_report(tota, "each party shall adopt measures", since=2016, until=2010)
    empty = precedent_report(tota, "zebras quietly juggle purple umbrellas beneath volcanic moonlight")
    assert empty.hits == () and empty.best is None and empty.passage() is None and empty.comparison() is None


def test_saved_postings_load_exactly_as_built(tota: ftadraft.Corpus, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """The first process builds the postings and saves them; a later one maps the saved file (read-only views,
    no query for row ids or agreements) and holds exactly the same arrays."""
    from ftadraft.provenance.precedents import PrecedentIndex

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    built = PrecedentIndex(tota)
    (saved,) = (tmp_path / "cache" / "ftadraft" / "precedents").glob("*.bin")
    loaded = PrecedentIndex(tota)
    for name in ("rowids", "agreement_of", "offsets", "tokens", "keys", "docs", "copies", "lengths"):
        assert np.array_equal(getattr(built, name), getattr(loaded, name)), name
    assert [a.id for a in built.agreements] == [a.id for a in loaded.agreements]
    assert not loaded.tokens.flags.writeable and saved.stat().st_size > 10_000_000
