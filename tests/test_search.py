"""Search over the full ToTA index: ranking basics, filters, browsing, grouping, batch, bad input."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import ftadraft
from ftadraft.errors import FtadraftError
from ftadraft.search import Filters, search

from conftest import RunCli


def test_keyword_query_finds_titled_articles_first(tota: ftadraft.Corpus) -> None:
    hits = search(tota, "express shipments", limit=10)
    assert sum("xpress" in (h.provision.title or "") for h in hits) >= 8
    assert all("[" in h.snippet for h in hits)  # matched words are marked


def test_query_lemmas_come_from_the_index_vocabulary(tota: ftadraft.Corpus) -> None:
    from ftadraft.search import query_lemmas

    assert query_lemmas(tota, ["Shipments", "accorded", "servers"]) == ["shipment", "accord", "server"]


def test_phrase_boolean_and_prefix_syntax(tota: ftadraft.Corpus) -> None:
    phrase = search(tota, '"paperless trading"', limit=20)
    assert phrase and all("paperless trad" in f"{h.provision.title} {h.provision.normalized}".lower() for h in phrase)
    neg = search(tota, '"paperless trading" NOT electronic', limit=50)
    assert neg and not any(re.search(r"\belectronic\b", h.provision.normalized.lower()) for h in neg)
    pre = search(tota, "cybersecur*", limit=5)
    assert pre and all("cybersecur" in f"{h.provision.title} {h.provision.normalized}".lower() for h in pre)


def test_malformed_syntax_falls_back_to_plain_words(tota: ftadraft.Corpus) -> None:
    hits = search(tota, 'advance rulings AND OR (', limit=5)
    assert hits and any("dvance" in (h.provision.title or "") for h in hits)


def test_filters_combine_and_browse(tota: ftadraft.Corpus) -> None:
    hits = search(tota, "customs duties electronic transmissions", limit=20,
                  filters=Filters(parties=("USA",), since=2004, until=2012))
    assert hits
    for h in hits:
        assert "USA" in h.agreement.parties and 2004 <= h.agreement.year <= 2012
    both = search(tota, "", limit=50, filters=Filters(parties=("USA", "KOR"), all_parties=True))
    assert {h.agreement.id for h in both} == {"tota-159"}
    chapter = search(tota, "", limit=30, filters=Filters(agreement="tpp", chapter="Electronic Commerce"))
    assert len(chapter) == 18 and {h.provision.chapter_number for h in chapter} == {"14"}


def test_group_collapses_template_copies(tota: ftadraft.Corpus) -> None:
    plain = search(tota, "express shipments", limit=10)
    grouped = search(tota, "express shipments", limit=10, group=True)
    assert any(h.others for h in grouped)
    assert len({h.provision.normalized[:200] for h in grouped}) > len({h.provision.normalized[:200] for h in plain}) // 2
    top = next(h for h in grouped if h.others)
    assert all(o.agreement_id != top.provision.agreement_id or o.id != top.provision.id for _a, o in top.others)


@pytest.mark.parametrize(
    ("kwargs", "problem"),
    [
        ({"query": ""}, "empty query"),
        ({"query": "x" * 100_000}, "query too long"),
        ({"query": "trade", "filters": Filters(parties=("XYZ",))}, "XYZ"),
        ({"query": "trade", "filters": Filters(since=2015, until=2001)}, "no year can match"),
        ({"query": "trade", "filters": Filters(agreement="tota-99999")}, "no such agreement"),
    ],
)
def test_bad_search_input(tota: ftadraft.Corpus, kwargs: dict, problem: str) -> None:
    with pytest.raises(FtadraftError, match=problem):
        search(tota, kwargs.pop("query"), **kwargs)


def test_control_characters_are_harmless(tota: ftadraft.Corpus) -> None:
    assert search(tota, "advance\x00 rulings\x1b[31m", limit=3)


def test_cli_json_hit_shape(run: RunCli, tota_db: Path) -> None:
    r = run("search", "customs duties electronic transmissions", "--party", "USA", "--json", "-n", "3", db=tota_db)
    assert r.exit_code == 0, r.stderr
    hits = json.loads(r.stdout)
    h = hits[0]
    assert set(h) >= {"rank", "score", "agreement", "chapter", "article", "topics", "obligation", "snippet", "source"}
    assert set(h["agreement"]) >= {"id", "name", "signed", "parties"} and set(h["article"]) == {"id", "number", "title"}
    assert h["source"]["dataset"] == "tota" and all(isinstance(v, str) for v in h["source"].values())


def test_cli_batch_prints_one_json_line_per_query(run: RunCli, tota_db: Path, tmp_path: Path) -> None:
    queries = tmp_path / "q.txt"
    queries.write_text("advance rulings\n\nsingle window\nunsolicited commercial electronic messages\n")
    r = run("search", "--batch", str(queries), "-n", "2", "--since", "2005", db=tota_db)
    assert r.exit_code == 0, r.stderr
    lines = [json.loads(line) for line in r.stdout.splitlines()]
    assert [x["query"] for x in lines] == ["advance rulings", "single window", "unsolicited commercial electronic messages"]
    assert all(len(x["hits"]) == 2 for x in lines)


def test_cli_bad_input_is_one_line(run: RunCli, tota_db: Path) -> None:
    for args in (["search", ""], ["search", "trade", "--party", "QQQ"], ["search", "trade", "--since", "2020", "--until", "2000"]):
        r = run(*args, db=tota_db)
        assert r.exit_code == 1 and r.stdout == "" and len(r.stderr.strip().splitlines()) == 1, (args, r.stderr)


def test_notebook_api_frames_and_html(tota: ftadraft.Corpus) -> None:
    hits = tota.search("advance rulings", since=2010, parties="JPN", limit=5)
    df = ftadraft.to_frame(hits)
    assert list(df["rank"]) == [1, 2, 3, 4, 5] and (df["year"] >= 2010).all()
    assert df["parties"].str.contains("JPN").all()
    assert "<b>" in hits[0]._repr_html_()
    p = tota.provision("tpp:14.3")
    assert "Customs Duties" in p._repr_html_()
    agreements = ftadraft.to_frame(tota.agreements(party="SGP"))
    assert "tota-449" in set(agreements["agreement_id"])


def test_misspelt_or_ocr_damaged_query_words_are_corrected(tota: ftadraft.Corpus) -> None:
    from ftadraft.search import query_lemmas

    assert query_lemmas(tota, ["paperles", "tradng"]) == ["paperless", "trade"]
    hits = search(tota, "paperles tradng", limit=5)
    assert all("aperless" in (h.provision.title or "") for h in hits)
