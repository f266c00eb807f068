"""Search over the full ToTA index: ranking basics, filters, browsing, grouping, batch, bad input."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

import ftadraft
from conftest import RunCli
from ftadraft.errors import FtadraftError
from ftadraft.index.store import Index, ProvisionFilter
from ftadraft.search.engine import Filters, search


def test_keyword_query_finds_titled_articles_first(tota: ftadraft.Corpus) -> None:
    hits = search(tota, "express shipments", limit=10)
    assert sum("xpress" in (h.provision.title or "") for h in hits) >= 8
    assert all("[" in h.snippet for h in hits)  # matched words are marked


def test_query_lemmas_come_from_the_index_vocabulary(tota: ftadraft.Corpus) -> None:
    from ftadraft.search.query import query_lemmas

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
    grouped_texts = {h.provision.normalized[:200] for h in grouped}
    assert len(grouped_texts) > len({h.provision.normalized[:200] for h in plain}) // 2
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
    assert [x["query"] for x in lines] == ["advance rulings", "single window",
                                           "unsolicited commercial electronic messages"]
    assert all(len(x["hits"]) == 2 for x in lines)


def test_cli_bad_input_is_one_line(run: RunCli, tota_db: Path) -> None:
    for args in (["search", ""], ["search", "trade", "--party", "QQQ"],
                 ["search", "trade", "--since", "2020", "--until", "2000"]):
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
    from ftadraft.search.query import query_lemmas

    assert query_lemmas(tota, ["paperles", "tradng"]) == ["paperless", "trade"]
    hits = search(tota, "paperles tradng", limit=5)
    assert all("aperless" in (h.provision.title or "") for h in hits)
    # real words the treaties never use are not "corrected" into treaty words that look alike
    assert query_lemmas(tota, ["suing", "uploaded", "cheated", "leaking"]) == ["sue", "upload", "cheat", "leak"]


# -- the in-memory scorer (ftadraft.index.bm25) ----------------------------------------------------------------
_INVENTED = """CHAPTER 1: WIDGET CUSTOMS PROCEDURES

Article 1.1: Express Shipments
Each Party shall adopt expedited customs procedures for express shipments of widgets. Express shipments
of widgets (including spare widgets) shall be released within 6 hours; see Article 14.3 and paragraph (a).

Article 1.2: Advance Rulings
Each Party shall issue advance rulings on the tariff classification of widgets before importation.
A binding ruling on widget origin shall be issued within 150 days. Rulings, rulings and more rulings.

Article 1.3: Información Aduanera
La Parte publicará información aduanera sobre los artilugios en İstanbul y en Ὀδυσσεύς; ΆΈ naïve café.

CHAPTER 2: ELECTRONIC WIDGET COMMERCE

Article 2.1: Computing Facilities
No Party shall require a covered person to use or locate computing facilities for widgets in its territory.
Servers, servers: no server localisation for widget data.

Article 2.2: Unsolicited Messages
Each Party shall adopt measures against unsolicited commercial electronic messages about widgets (spam).

Article 2.3: Paperless Widget Trading
Each Party shall accept electronic widget documents as the legal equivalent of paper widget documents.
"""


@pytest.fixture()
def widgets(tmp_path: Path) -> Path:
    """A small invented agreement about widgets, indexed (punctuation, capitals, accents, Greek)."""
    src = tmp_path / "widgets.md"
    src.write_text(_INVENTED, encoding="utf-8")
    db = tmp_path / "widgets.sqlite"
    with ftadraft.open(db) as c:
        report = c.add([src])
        assert report.ok and report.provisions >= 6
    return db


def _fts_top(index: Index, phrases: list[str], limit: int) -> list[tuple[int, float]] | None:
    """What FTS5 itself ranks first for the phrases (the store's plain FTS5 query, no filter)."""
    from ftadraft.search.engine import WEIGHTS

    return index.fts_top(" OR ".join('"' + p + '"' for p in phrases), WEIGHTS, ProvisionFilter(), limit)


def _saved(kind: str) -> list[Path]:
    """The files of one kind of derived data in this test session's cache folder."""
    return sorted((Path(os.environ["XDG_CACHE_HOME"]) / "ftadraft" / kind).glob("*"))


@contextmanager
def _plain_path() -> Iterator[None]:
    """Search as a fresh session without any derived data: candidates from FTS5, phrases searched for in the
    lemma strings (no scorer loaded or built, no phrase table)."""
    import ftadraft.search.engine as S

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(S, "BUILD_SECONDS_PER_PROVISION", float("inf"))
        mp.setattr(S, "LOAD_SECONDS_PER_PROVISION", float("inf"))
        mp.setattr(S, "phrase_table", lambda corpus: None)
        yield


def test_in_memory_bm25_equals_fts5(widgets: Path) -> None:
    from ftadraft.index import bm25 as ranking
    from ftadraft.search.engine import WEIGHTS

    with ftadraft.open(widgets, create=False) as c:
        postings = ranking.build(c.index)
        assert postings is not None
        vocab = {term: rows for term, rows, _ in c.index.fts_vocabulary()}
        assert {t: postings.doc_freq(t) for t in vocab} == vocab and set(postings.terms) == set(vocab)
        for phrases in (["widget"], ["express shipment", "courier", "widget"], ["ruling", "ruling", "advance rule"],
                        ["informacion", "aduanera", "istanbul"], ["información", "ὀδυσσευς", "άέ"],
                        ["14", "a", "spam"],
                        ["server", "computing facility", "e-commerce", "nosuchword"], ["shall", "party", "each"]):
            for limit in (1, 3, 50):
                assert postings.top(c.index, phrases, WEIGHTS, limit) == _fts_top(c.index, phrases, limit), phrases


_WIDGET_QUERIES = ["express shipments", "courier packages for widgets", "advance rulings on origin",
                   "servers in the territory", "spam", "información aduanera", "widget documents paper", "the of and",
                   "paperles tradng", "unsolicited commercial electronic messages", "computing facilities"]


def _run(c: ftadraft.Corpus, queries: list[str], filters: list[Filters | None], limit: int = 5) -> list:
    return [[(h.provision.id, h.score, h.snippet, [o.id for _, o in h.others]) for h in
             search(c, q, limit=limit, filters=f, group=g)] for q in queries for f in filters for g in (False, True)]


def test_search_with_the_scorer_equals_search_without(widgets: Path) -> None:
    import ftadraft.search.engine as S

    filters = [None, Filters(chapter="Customs"), Filters(obligation="binding")]
    with ftadraft.open(widgets, create=False) as plain, ftadraft.open(widgets, create=False) as fast:
        with _plain_path():
            before = _run(plain, _WIDGET_QUERIES, filters)
            assert plain.session().scorer is None
        assert S.prepare(fast) and fast.session().scorer is not None
        assert _run(fast, _WIDGET_QUERIES, filters) == before
        assert any(h for q in before for h in q)


def test_add_saves_what_search_needs(widgets: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``corpus add`` leaves the scorer and the phrase table (with the thesaurus as lemmas) saved: a later
    session loads them and computes neither, and ranks exactly as the plain path."""
    import ftadraft.search.engine as S
    import ftadraft.search.thesaurus as T
    from ftadraft.index import bm25 as ranking

    with ftadraft.open(widgets, create=False) as c, _plain_path():
        before = _run(c, _WIDGET_QUERIES, [None])

    def refuse(*_a: object, **_k: object) -> None:
        raise AssertionError("computed at query time: corpus add should have saved it")

    monkeypatch.setattr(ranking, "build", refuse)
    monkeypatch.setattr(T, "lemmatised_concepts", refuse)
    with ftadraft.open(widgets, create=False) as later:
        assert S.prepare(later)
        assert _run(later, _WIDGET_QUERIES, [None]) == before


def test_hits_are_the_stored_provisions_and_agreements(widgets: Path) -> None:
    with ftadraft.open(widgets, create=False) as c:
        hits = search(c, "widget", limit=20) + search(c, "", limit=20, filters=Filters(obligation="binding"))
        assert len(hits) >= 8
        for h in hits:
            assert h.provision == c.provision(h.provision.id) and h.agreement == c.agreement(h.agreement.id)


def test_scorer_is_built_once_it_pays_off_and_dropped_when_the_index_changes(
    widgets: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import ftadraft.search.engine as S

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "empty-cache"))  # nothing saved: sessions must build
    monkeypatch.setattr(S, "BUILD_SECONDS_PER_PROVISION", 0.0)  # any time spent in FTS5 pays for it
    with ftadraft.open(widgets, create=False) as c, ftadraft.open(widgets, create=False) as other:
        search(c, "express shipments")
        assert c.session().scorer is not None
        more = tmp_path / "gadgets.md"
        more.write_text("Article 1: Gadget Shipments\nEach Party shall release express gadget shipments promptly.\n")
        c.add([more])  # through this Corpus, which prepares search for the new state
        assert any(h.agreement.id == "gadgets" for h in search(c, "gadget shipments"))
        search(other, "express shipments")
        assert other.session().scorer is not None
        c.remove(["gadgets"])  # through another connection: `other` notices by itself
        assert not any(h.agreement.id == "gadgets" for h in search(other, "gadget shipments"))


def test_saved_scorer_is_loaded_by_later_sessions(widgets: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import ftadraft.search.engine as S
    from ftadraft.index import bm25 as ranking

    with ftadraft.open(widgets, create=False) as c:
        plain = [(h.provision.id, h.score) for h in search(c, "express shipments")]
    assert _saved("bm25") and _saved("phrases")  # corpus add saved both

    def no_build(*_a: object, **_k: object) -> None:
        raise AssertionError("a later session must load the saved scorer, not build it")

    monkeypatch.setattr(ranking, "build", no_build)
    monkeypatch.setattr(S, "LOAD_SECONDS_PER_PROVISION", 1e-12)  # any time spent in FTS5 pays for loading
    with ftadraft.open(widgets, create=False) as later:
        search(later, "spam")  # the first query of a session runs on FTS5 ...
        assert later.session().scorer is None
        again = [(h.provision.id, h.score) for h in search(later, "express shipments")]  # ... then it loads
        assert later.session().scorer is not None and again == plain
    for f in _saved("bm25") + _saved("phrases"):  # damaged cache files are ignored (and rebuilt when built next)
        f.write_bytes(b"damaged")
    # Not loadable now: a busy machine's slow FTS5 query must not make this session build it instead.
    monkeypatch.setattr(S, "BUILD_SECONDS_PER_PROVISION", float("inf"))
    with ftadraft.open(widgets, create=False) as third:
        search(third, "spam")
        assert [(h.provision.id, h.score) for h in search(third, "express shipments")] == plain
        assert third.session().scorer is None


def test_batch_builds_the_scorer_only_when_large_enough(
    widgets: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import ftadraft.search.engine as S

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "empty-cache"))
    monkeypatch.setattr(S, "BUILD_SECONDS_PER_PROVISION", 0.0)
    monkeypatch.setattr(S, "FTS_SECONDS_PER_QUERY", 0.0)
    with ftadraft.open(widgets, create=False) as c:
        S.search_batch(c, iter(["express shipments", "spam"]))  # size unknown: never built midway
        assert c.session().scorer is None
        S.search_batch(c, ["express shipments", "spam"])  # 2 x 0 s >= 0 s: worth building first
        assert c.session().scorer is not None


def test_snippet_marks_whole_words_in_any_case() -> None:
    from ftadraft.search.snippets import snippet

    text = "Because SHIPMENTS and shipment_x differ; Shipment, İstanbul shipment. Cause."
    assert snippet(text, {"shipment", "shipments", "cause", "i̇stanbul"}) == \
        "Because [SHIPMENTS] and shipment_x differ; [Shipment], [İstanbul] [shipment]. [Cause]."
    assert snippet("ΟΔΥΣΣΕΥΣ shipment", {"shipment"}) == "ΟΔΥΣΣΕΥΣ [shipment]"
    assert snippet("... !!!", {"shipment"}) == ""


def test_search_with_saved_data_equals_the_plain_path_on_tota(tota_db: Path) -> None:
    """Every query of bench/queries*.toml ranks the same (ids, scores, snippets, grouping) whether a session
    uses what ``corpus add`` saved (scorer, phrase table) or asks FTS5 and the lemma strings directly."""
    import tomllib

    import ftadraft.search.engine as S

    queries: list[str] = []
    for f in sorted((Path(__file__).parents[2] / "bench").glob("queries*.toml")):
        queries += [q["query"] for q in tomllib.loads(f.read_text())["query"]]
    queries = list(dict.fromkeys(queries))
    assert len(queries) > 200
    usa = Filters(parties=("USA",), since=2004)
    spanish = Filters(lang="es")  # the translated query (taxonomy phrases in Spanish) takes the same two paths

    def run(c: ftadraft.Corpus) -> list:
        out = [[(h.provision.id, h.score, h.snippet) for h in search(c, q, limit=10)] for q in queries]
        out += _run(c, queries[::10], [usa])
        out += _run(c, queries[::7], [spanish])
        return out

    with ftadraft.open(tota_db, create=False) as plain, ftadraft.open(tota_db, create=False) as fast:
        with _plain_path():
            before = run(plain)
        assert S.prepare(fast)
        assert run(fast) == before


def test_cli_takes_unquoted_words_as_the_query(run: RunCli, tota_db: Path) -> None:
    quoted = run("search", "express shipments", "--json", "-n", "5", db=tota_db)
    loose = run("search", "express", "shipments", "--json", "-n", "5", db=tota_db)
    assert loose.exit_code == 0, loose.stderr
    assert json.loads(loose.stdout) == json.loads(quoted.stdout)


def test_cli_text_output_shows_the_filtered_topic_and_counts_in_good_english(run: RunCli, tota_db: Path) -> None:
    r = run("search", "--topic", "e-commerce/source-code", "-n", "10", db=tota_db)
    headings = [line for line in r.stdout.splitlines() if re.match(r" {0,2}\d+\. ", line)]
    assert headings and all("[e-commerce/source-code]" in line for line in headings)
    grouped = run("search", "express shipments", "--group", "-n", "20", db=tota_db).stdout
    assert "other agreement" in grouped and "and 1 other agreements" not in grouped


def test_snippets_of_real_articles_mark_exactly_the_query_words(small_db: Path) -> None:
    """Every word of the snippet whose lower case is one of the forms is marked, and only those; the snippet
    is the article's own text."""
    from ftadraft.search.snippets import snippet

    form_sets = [{"customs", "custom", "goods", "good", "party", "parties"},
                 {"shall", "a", "i", "of", "the", "origin", "originating"}, {"nosuchword"}]
    with ftadraft.open(small_db, create=False) as c:
        texts = [p.normalized for a in c.agreements() for p in c.index.provisions(a.id)]
    assert len(texts) > 100
    marked = 0
    for text in texts:
        for forms in form_sets:
            s = snippet(text, forms)
            piece = s.removeprefix("…").removesuffix("…")
            assert piece.replace("[", "").replace("]", "") in text
            words = re.findall(r"\[(\w+)\]|(\w+)", piece)
            assert all((m.lower() in forms) for m, _ in words if m)
            assert not any(w.lower() in forms for _, w in words if w), (text[:80], s)
            marked += sum(1 for m, _ in words if m)
    assert marked > 1000


def test_english_query_finds_spanish_articles_on_the_same_concept(tota: ftadraft.Corpus) -> None:
    """An English query reaches the Spanish texts through the taxonomy's Spanish phrases of its topics: under
    ``--lang es`` the Pacific Alliance's and TPP's Spanish articles on personal information and on cross-border
    transfers come first; results carry their language; in mixed results the English TPP version (tota-449)
    precedes its Spanish version (tota-450), and ``--lang`` still filters."""
    expected = {
        "personal information protection": ("Protección De La Información Personal",),
        "cross-border transfer of information": ("Flujo Transfronterizo De Información",
                                                 "Transferencia Transfronteriza De Información"),
    }
    for query, titles in expected.items():
        hits = search(tota, query, limit=5, filters=Filters(lang="es"))
        assert hits and all(h.agreement.language == "es" for h in hits)
        assert all(h.to_dict()["agreement"]["language"] == "es" for h in hits)
        found = {(h.agreement.name, h.provision.title) for h in hits}
        for name in ("Pacific Alliance", "Trans-Pacific Partnership"):
            assert any(n == name and (t or "").startswith(titles) for n, t in found), (query, name, found)
        english = search(tota, query, limit=20, filters=Filters(lang="en"))
        assert english and all((h.agreement.language or "en") == "en" for h in english)
    # Mixed results: the Spanish texts come too, below same-language evidence; TPP's English version first.
    mixed = search(tota, "cross-border transfer of information", limit=60)
    assert mixed[0].agreement.id == "tota-449" and mixed[0].agreement.language == "en"
    ids = [h.agreement.id for h in mixed]
    assert "tota-450" in ids and ids.index("tota-449") < ids.index("tota-450")
    assert {h.to_dict()["agreement"]["language"] for h in mixed} >= {"en", "es"}
    # French: the taxonomy's French phrases reach French texts the same way.
    french = search(tota, "personal information protection", limit=5, filters=Filters(lang="fr"))
    assert french and all(h.agreement.language == "fr" for h in french)


def test_concept_named_only_in_a_cross_reference_is_not_the_articles_subject(tota: ftadraft.Corpus) -> None:
    """TPP's e-commerce "Scope" and "Dispute Settlement" articles name "Article 14.13 (Location of Computing
    Facilities)" only to refer to it: they no longer rank right after the two articles on that subject."""
    from ftadraft.search.engine import _only_cross_references

    ref = " 14.4 non discriminatory treatment article 14.13 location of compute facility shall not apply "
    assert _only_cross_references(ref, ("location of compute facility", "compute facility"))
    own = " no party shall require a cover person to use or locate compute facility in that party territory "
    assert not _only_cross_references(own, ("compute facility",))
    assert not _only_cross_references(ref + own, ("compute facility",))  # also named in a sentence of its own
    assert not _only_cross_references(own, ("source code",))  # not there at all
    hits = [h.provision.id for h in search(tota, "location of computing facilities", limit=6)]
    assert hits[:2] == ["tota-449/40220", "tota-425/36839"]
    assert not {"tota-449/40209", "tota-449/40225"} & set(hits)
