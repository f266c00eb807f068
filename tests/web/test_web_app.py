"""The workbench's pages and their JSON twins, in-process: what a visitor sees and what the server refuses."""

from __future__ import annotations

import dataclasses
import hashlib
import re
from pathlib import Path
from typing import Any

import pytest

import ftadraft
from ftadraft.search.engine import Filters, search
from ftadraft.web.forms import MAX_QUERY, SearchState, safe_filename


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_search_json_twin_equals_the_library(client: Any, small_db: Path) -> None:
    r = client.get("/search", params={"q": "customs procedures", "party": "JPN", "format": "json"})
    assert r.status_code == 200
    data = r.json()
    with ftadraft.open(small_db, readonly=True) as c:
        expected = search(c, "customs procedures", limit=10, filters=Filters(parties=("JPN",)))
    assert [h["article"]["id"] for h in data["hits"]] == [h.provision.id for h in expected]
    # facet counts are counts over the first matches (up to 100)
    assert sum(data["facets"]["obligation"].values()) == data["facets"]["hits"] >= len(data["hits"])


def test_search_page_shows_hits_facets_and_paging(client: Any) -> None:
    r = client.get("/search", params={"q": "customs", "size": "10"})
    assert r.status_code == 200
    html = r.text
    assert html.count('class="hit"') == 10
    assert "<mark>" in html and 'rel="next"' in html
    # the facet counts: loaded by the page's script, or inline without it
    assert 'data-defer="/search/facets?q=customs' in html and "facets=1" in html
    inline = client.get("/search", params={"q": "customs", "facets": "1"}).text
    fragment = client.get("/search/facets", params={"q": "customs"}).text
    assert fragment.strip() in inline and 'class="count"' in fragment
    page2 = client.get("/search", params={"q": "customs", "page": "2", "format": "json"}).json()
    page1 = client.get("/search", params={"q": "customs", "format": "json"}).json()
    assert not {h["article"]["id"] for h in page1["hits"]} & {h["article"]["id"] for h in page2["hits"]}


def test_search_state_round_trips_through_the_url() -> None:
    from starlette.datastructures import QueryParams

    state = SearchState(q='"express shipments"', topics=("clearance/express-shipments",), parties=("USA", "KOR"),
                        since=2000, until=2010, obligation="binding", lang="en", group=True, page=2, size=20)
    assert SearchState.from_query(QueryParams(state.query_string())) == state


@pytest.mark.parametrize(("url", "words"), [
    ("/search?q=" + "x" * (MAX_QUERY + 1), "too long"),
    ("/search?since=abc", "not a whole number"),
    ("/search?since=2010&until=2000", "after"),
    ("/search?obligation=maybe", "use one of"),
    ("/search?party=U$A", "not a party code"),
    ("/article/tota-999:1", "no such agreement"),
    ("/no-such-page", "no such page"),
    ("/research/party/1234", "not a party code"),
])
def test_errors_are_one_sentence_pages(client: Any, url: str, words: str) -> None:
    r = client.get(url)
    assert r.status_code in (400, 404)
    message = re.search(r'<p class="error" role="alert">(.*?)</p>', r.text, re.S)
    assert message and words in message.group(1).replace("&#39;", "'"), r.text[:500]
    assert "Traceback" not in r.text and 'File "' not in r.text
    j = client.get(url, headers={"accept": "application/json"})
    assert set(j.json()) == {"error"} and "\n" not in j.json()["error"]


def test_pasted_text_is_escaped_everywhere(client: Any) -> None:
    evil = '<script>alert("x")</script> Each Party shall <b>adopt</b> customs procedures & "rules".'
    r = client.post("/precedents", data={"text": evil})
    assert r.status_code == 200
    assert "<script>alert" not in r.text and "&lt;script&gt;" in r.text
    r = client.post("/compare", data={"a": "tota-1:1", "text_b": evil})
    assert r.status_code == 200
    assert "<script>alert" not in r.text and "<b>adopt" not in r.text
    r = client.get("/search", params={"q": '<img src=x onerror=alert(1)>'})
    assert "<img src=x" not in r.text


def test_security_headers_and_no_inline_script(client: Any) -> None:
    r = client.get("/search?q=customs")
    assert "script-src 'self'" in r.headers["content-security-policy"]
    assert r.headers["x-content-type-options"] == "nosniff"
    assert not re.search(r"<script(?![^>]*\bsrc=)", r.text)  # every script is a file: the CSP allows no inline


def test_bounds_on_pasted_text_and_forms(client: Any) -> None:
    r = client.post("/precedents", data={"text": "shall " * 5000})
    assert r.status_code == 400 and "too long" in r.text
    r = client.post("/precedents", content=b"text=" + b"a" * 300_000,
                    headers={"content-type": "application/x-www-form-urlencoded"})
    assert r.status_code == 400 and "too large" in r.text


def test_article_page_shows_text_citation_licence_lineage_and_clauses(client: Any) -> None:
    data = client.get("/article/tota-1:1", params={"format": "json"}).json()
    assert data["citation"].startswith("Japan - Thailand (2007)")
    assert "CC BY" in data["source"]
    assert data["lineage"]["precedents"][0]["article"]["id"] == data["article"]["id"]
    assert "First seen in Japan - Thailand" in client.get("/lineage/tota-1:1").text
    assert "First seen in" in client.get("/article/tota-1:1", params={"lineage": "1"}).text
    assert len(data["closest_clauses"]) == 5
    html = client.get("/article/tota-1:1").text
    assert "Compare with" in html and "Closest library clauses" in html


def test_compare_chapters_and_downloads(client: Any) -> None:
    data = client.get("/compare", params={"a": "tota-1", "b": "tota-1", "chapter": "1", "format": "json"}).json()
    assert data["alignment"] and all(p["status"] == "identical" for p in data["alignment"])
    r = client.get("/compare", params={"a": "tota-1:1", "b": "tota-1:2", "format": "docx"})
    assert r.status_code == 200 and r.content[:2] == b"PK"
    assert re.fullmatch(r'attachment; filename="[A-Za-z0-9._-]+\.docx"', r.headers["content-disposition"])
    r = client.get("/compare", params={"a": "tota-1:1", "b": "tota-1:2", "format": "html"})
    assert r.status_code == 200 and "<html" in r.text.lower()


def test_research_pages(client: Any) -> None:
    cov = client.get("/research", params={"area": "clearance", "format": "json"}).json()
    assert len(cov["agreements"]) == 4 and cov["topics"]
    binding = [c for c in cov["cells"] if c["obligation"] == "binding"]
    html = client.get("/research", params={"area": "clearance"}).text
    for cell in binding:  # every non-empty cell links to the provisions behind it
        assert f'/search?agreement={cell["agreement_id"]}&amp;topic={cell["topic"]}' in html
    assert client.get("/research/diffusion", params={"topic": "clearance/publication"}).status_code == 200
    assert client.get("/research/agreement/tota-1", params={"format": "json"}).json()["topics"]
    assert client.get("/research/party/JPN", params={"format": "json"}).json()["party"] == "JPN"


def test_draft_round_trip_with_json_twin(client: Any) -> None:
    r = client.post("/draft", data={"op": "new", "area": "e-commerce", "level": "standard", "parties": "USA,GBR"},
                    params={"format": "json"})
    assert r.status_code == 200, r.text
    spec = r.json()["spec"]
    n = len(r.json()["articles"])
    r = client.post("/draft", data={"op": "remove:0", "spec": spec}, params={"format": "json"})
    assert len(r.json()["articles"]) == n - 1
    r = client.post("/draft", data={"op": "download:clean", "spec": spec})
    assert r.status_code == 200 and r.content[:2] == b"PK"
    assert 'filename="draft-USA-GBR-Round1-clean.docx"' in r.headers["content-disposition"]
    bad = client.post("/draft", data={"op": "level:0", "spec": spec, "level:0": "ambitious"})
    assert bad.status_code == 400 and "no ambitious clause" in bad.text


def test_nothing_a_visitor_does_changes_the_index(small_db: Path, client: Any) -> None:
    before = _sha(small_db)
    client.get("/search?q=customs")
    client.post("/precedents", data={"text": "Each Party shall publish its customs laws."})
    client.post("/draft", data={"op": "new", "area": "clearance", "level": "soft", "parties": "USA,JPN"})
    assert _sha(small_db) == before


def test_safe_filename() -> None:
    assert safe_filename('../../etc/passwd"; x', ".docx") == "etc-passwd-x.docx"
    assert safe_filename("", ".yaml") == "ftadraft.yaml"


def test_load_an_existing_spec_by_upload(client: Any) -> None:
    spec = Path(__file__).resolve().parents[2] / "examples" / "draft-ecommerce.yaml"
    r = client.post("/draft", data={"op": "load"}, params={"format": "json"},
                    files={"spec_file": ("draft-ecommerce.yaml", spec.read_bytes(), "application/yaml")})
    assert r.status_code == 200, r.text
    headings = [a["heading"] for a in r.json()["articles"]]
    assert headings[0].startswith("Article 19.1") and any("Personal Information" in h for h in headings)
    r = client.post("/draft", data={"op": "load"}, files={"spec_file": ("x.yaml", b"\xff\xfe\x00", "text/yaml")})
    assert r.status_code == 400 and "not UTF-8" in r.text


def test_several_requests_at_once(server: str) -> None:
    """One process serves a team: concurrent pages all answer, each with its own right content."""
    import json
    import urllib.request
    from concurrent.futures import ThreadPoolExecutor

    queries = ["customs procedures", "intellectual property", "transparency", "review and appeal"] * 4

    def fetch(q: str) -> tuple[str, list[str]]:
        url = f"{server}/search?format=json&q={q.replace(' ', '+')}"
        with urllib.request.urlopen(url, timeout=60) as r:
            return q, [h["article"]["id"] for h in json.load(r)["hits"]]

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(fetch, queries))
    by_query: dict[str, list[str]] = {}
    for q, ids in results:
        assert ids, q
        assert by_query.setdefault(q, ids) == ids  # the same query gives the same hits whatever else runs


@pytest.mark.parametrize("q", ["customs", '"customs procedures" OR transparency', ""])
def test_a_page_is_the_same_whether_or_not_the_facets_came_first(client: Any, q: str) -> None:
    params = {"q": q, "page": "2", "format": "json"} | ({} if q else {"party": "JPN"})
    first = client.get("/search", params=params).json()["hits"]
    client.get("/search/facets", params={k: v for k, v in params.items() if k not in ("page", "format")})
    again = client.get("/search", params=params).json()["hits"]
    assert [h["article"]["id"] for h in again] == [h["article"]["id"] for h in first] != []


def test_grouping_does_not_change_the_facet_counts(client: Any) -> None:
    """Facets count matches, template copies included, so grouped and ungrouped searches share them."""
    plain = client.get("/search/facets", params={"q": "customs", "format": "json"}).json()
    grouped = client.get("/search/facets", params={"q": "customs", "group": "1", "format": "json"}).json()
    assert grouped == plain and plain["hits"] > 0


def test_article_topics_come_with_their_deciding_sentences(client: Any, small_db: Path) -> None:
    from html import escape

    from ftadraft.tags.evidence import provision_evidence

    with ftadraft.open(small_db, readonly=True) as c:
        tagged = [p for p in c.index.provisions("tota-1") if len(p.topics) >= 2]
        p = tagged[0]
        expected = provision_evidence(p)
    data = client.get(f"/article/{p.id}", params={"format": "json"}).json()
    assert data["topics"] == [e.to_dict() for e in expected]
    assert [t["topic"] for t in data["topics"]] == list(p.topics)
    assert all(t["sentences"] or t["title"] for t in data["topics"])  # the index was tagged with these rules
    html = client.get(f"/article/{p.id}").text
    for e in expected:
        strongest = max(e.sentences, key=lambda s: s.weight, default=None)
        assert strongest is None or escape(strongest.text, quote=False) in html.replace("&#39;", "'")


def test_precedents_page_is_the_librarys_precedent_report(client: Any, small_db: Path) -> None:
    from ftadraft.provenance.precedents import precedent_report

    with ftadraft.open(small_db, readonly=True) as c:
        text = c.provision("tota-1:1").text
        expected = precedent_report(c, text, label="your text", limit=10, with_lineage=True).to_dict()
    data = client.post("/precedents", data={"text": text}, headers={"accept": "application/json"}).json()
    assert {k: v for k, v in data.items() if k != "diff"} == {k: v for k, v in expected.items() if k != "diff"}
    assert data["hits"] and data["diff"]
    # pasted with its paragraph breaks, the clause still diffs word for word against the best match (itself)
    pasted = text.replace("; ", ";\n\n").replace(": ", ":\n\n")
    assert "\n\n" in pasted
    diff = client.post("/precedents", data={"text": pasted}, headers={"accept": "application/json"}).json()["diff"]
    assert diff["words_deleted"] == 0
    r = client.post("/precedents", data={"text": "Each Party"})
    assert r.status_code == 400 and "too short" in r.text


def test_pages_and_facets_of_a_search_come_from_one_deep_search(client: Any, small_db: Path) -> None:
    """Every page of a search and its facet counts are slices and counts of the library's first 100 hits;
    snippets are made only for the hits a page shows."""
    from ftadraft.research.facets import facets
    from ftadraft.web.forms import FACET_DEPTH

    params = {"q": "each party shall ensure", "obligation": "binding"}
    with ftadraft.open(small_db, readonly=True) as c:
        deep = search(c, params["q"], limit=FACET_DEPTH, filters=Filters(obligation="binding"))
    assert len(deep) > 20
    for n in (1, 2, 3):
        got = client.get("/search", params={**params, "page": str(n), "format": "json"}).json()
        assert got["hits"] == [h.to_dict() for h in deep[(n - 1) * 10:n * 10]]
        assert got["more"] == (len(deep) > n * 10)
    assert client.get("/search/facets", params={**params, "format": "json"}).json() == facets(deep).to_dict()
    cached = [hits for hits in client.app.state.workbench.searches._data.values()
              if hits and hits[0].provision.id == deep[0].provision.id and len(hits) == len(deep)]
    assert cached and all("snippet" in h.__dict__ for h in cached[0][:30])  # the three pages shown
    assert not any("snippet" in h.__dict__ for h in cached[0][30:])


def test_query_strings_are_what_urlencode_makes() -> None:
    import random
    from urllib.parse import urlencode

    def pairs(s: SearchState) -> list[tuple[str, Any]]:
        out: list[tuple[str, Any]] = [("q", s.q)] if s.q else []
        out += [("topic", t) for t in s.topics] + [("party", p) for p in s.parties]
        out += [(k, getattr(s, k)) for k in ("agreement", "chapter", "since", "until", "obligation", "lang")
                if getattr(s, k) not in ("", None)]
        out += [("all_parties", "1")] * s.all_parties + [("group", "1")] * s.group
        return out + [("size", s.size)] * (s.size != 10) + [("page", s.page)] * (s.page != 1)

    rnd = random.Random(5)
    texts = ["", "customs", 'a "quoted" & = ? é 中 100%', "x+y/z", "e-commerce/customs-duties"]
    for _ in range(3000):
        s = SearchState(q=rnd.choice(texts), topics=tuple(rnd.sample(texts[1:], rnd.randint(0, 2))),
                        parties=tuple(rnd.sample(["USA", "KOR"], rnd.randint(0, 2))), all_parties=rnd.random() < .3,
                        agreement=rnd.choice(texts), chapter=rnd.choice(texts), since=rnd.choice([None, 1990]),
                        until=rnd.choice([None, 2020]), obligation=rnd.choice(["", "soft"]),
                        lang=rnd.choice(["", "es"]), group=rnd.random() < .3, page=rnd.randint(1, 3),
                        size=rnd.choice([10, 20]))
        change = rnd.choice([{}, {"page": 1}, {"topics": ("a/b",)}, {"since": 2000, "until": 2009}, {"group": False}])
        assert s.query_string(**change) == urlencode(pairs(dataclasses.replace(s, **change)))
    with pytest.raises(TypeError, match="no such"):
        SearchState().query_string(pages=2)
