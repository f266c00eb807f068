"""``corpus show`` on a PDF with annexes: annex headings shown, and every reference it prints or suggests opens
the article it names (RCEP chapter 8: Annex 8A numbers its articles 1–14, Annex 8B 1–23)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from conftest import RunCli


@pytest.fixture(scope="module")
def rcep_db(modern_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("rcep-cli") / "rcep.sqlite"
    r = RunCli()("corpus", "add", str(modern_dir / "rcep-2020.pdf"), "--alias", "rcep", db=db)
    assert r.exit_code == 0, r.stderr
    return db


def test_ambiguous_number_suggestions_open_what_they_name(run: RunCli, rcep_db: Path) -> None:
    for ref in ("rcep:12", "rcep:1", "rcep:annex-8A:99"):
        r = run("corpus", "show", ref, db=rcep_db)
        assert r.exit_code == 1 and len(r.stderr.strip().splitlines()) == 1, r.stderr
        offered = r.stderr.split("did you mean: ", 1)[1].strip().split(", rcep-2020")
        offered = [offered[0]] + ["rcep-2020" + o for o in offered[1:]]
        assert offered and len(offered) >= (2 if ref != "rcep:annex-8A:99" else 1), r.stderr
        for suggestion in offered:
            m = re.fullmatch(r"(\S+) \((.+)\)", suggestion)
            assert m, suggestion
            shown = run("corpus", "show", m.group(1), db=rcep_db)
            assert shown.exit_code == 0, (ref, suggestion, shown.stderr)
            assert shown.stdout.splitlines()[0].endswith(m.group(2)), (ref, suggestion, shown.stdout[:200])


def test_annex_article_shows_its_annex_and_the_reference_to_type(run: RunCli, rcep_db: Path) -> None:
    r = run("corpus", "show", "rcep:annex-8B:12", db=rcep_db)
    assert r.exit_code == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].endswith("Chapter 8 TRADE IN SERVICES, Annex 8B: TELECOMMUNICATIONS SERVICES, "
                             "Art. 12 Independent Telecommunications Regulatory Body")
    assert r.stdout.count("Annex 8B: TELECOMMUNICATIONS SERVICES") == 1, r.stdout[:400]  # said once, in the citation
    assert "opens as rcep-2020:annex-8B:12" in r.stdout
    chapter_article = run("corpus", "show", "rcep:8.12", db=rcep_db).stdout
    assert chapter_article.splitlines()[0].endswith("Art. 8.12 Transition") and "Annex" not in chapter_article[:300]


def test_agreement_listing_puts_annex_articles_under_their_annex_heading(run: RunCli, rcep_db: Path) -> None:
    listing = run("corpus", "show", "rcep", db=rcep_db).stdout.splitlines()
    heading = next(i for i, line in enumerate(listing) if line.strip().startswith("Annex 8A: FINANCIAL SERVICES"))
    assert "rcep-2020:annex-8A:ARTICLE" in listing[heading]
    assert listing[heading - 1].split()[:2] == ["8.25", "Cooperation"]
    assert listing[heading + 1].split() == ["1", "Definitions"]
    b = next(i for i, line in enumerate(listing) if line.strip().startswith("Annex 8B: TELECOMMUNICATIONS SERVICES"))
    assert listing[b - 1].split() == ["14", "Dispute", "Settlement"]
    assert listing[b + 1].split() == ["1", "Definitions"]


def test_json_listing_gives_each_article_a_reference_that_opens_it(run: RunCli, rcep_db: Path) -> None:
    data = json.loads(run("corpus", "show", "rcep", "--json", db=rcep_db).stdout)
    annexed = [p for p in data["provisions"] if p["annex"] and p["number"]]
    assert len(annexed) == 14 + 23
    assert {p["annex"] for p in annexed} == {"Annex 8A: FINANCIAL SERVICES", "Annex 8B: TELECOMMUNICATIONS SERVICES"}
    for p in annexed[::6] + [q for q in data["provisions"] if q["number"] in ("8.12", "12.1")]:
        opened = json.loads(run("corpus", "show", p["ref"], "--json", db=rcep_db).stdout)
        assert (opened["id"], opened["ref"]) == (p["id"], p["ref"])


def test_search_hits_in_an_annex_name_the_annex(run: RunCli, rcep_db: Path) -> None:
    out = run("search", "independent", "telecommunications", "regulatory", "body", "--agreement", "rcep", "-n", "1",
              db=rcep_db).stdout
    assert "· Annex 8B · Art. 12 Independent Telecommunications Regulatory Body" in out.splitlines()[0], out


def test_compare_headings_of_two_annex_articles_name_their_annexes(run: RunCli, rcep_db: Path) -> None:
    """Annex 8A and Annex 8B each have an "Article 1 Definitions": the two sides must not look the same."""
    r = run("compare", "rcep:annex-8A:1", "rcep:annex-8B:1", db=rcep_db)
    assert r.exit_code == 0, r.stderr
    a, b = r.stdout.splitlines()[:2]
    assert a.startswith("A: ") and b.startswith("B: ") and a[3:] != b[3:]
    assert a.endswith("Chapter 8 TRADE IN SERVICES, Annex 8A: FINANCIAL SERVICES, Art. 1 Definitions"), a
    assert b.endswith("Chapter 8 TRADE IN SERVICES, Annex 8B: TELECOMMUNICATIONS SERVICES, Art. 1 Definitions"), b
    cited = json.loads(run("corpus", "show", "rcep:annex-8A:12", "--json", db=rcep_db).stdout)["citation"]
    assert cited.endswith("Annex 8A: FINANCIAL SERVICES, Art. 12 Consultations"), cited


def test_notebook_view_keeps_paragraphs_and_list_items(rcep_db: Path) -> None:
    """``Provision._repr_html_`` (Jupyter) gives each paragraph and list item of the PDF text its own <p>, the
    way ``corpus show`` prints them, and heads an annex article with its annex."""
    import html

    import ftadraft
    from ftadraft.normalize import paragraphs

    with ftadraft.open(rcep_db) as c:
        article = c.provision("rcep:12.14")
        annexed = c.provision("rcep:annex-8A:1")
    shown = [html.unescape(x) for x in re.findall(r"<p>(.*?)</p>", article._repr_html_(), re.S)]
    assert shown == paragraphs(article.text)
    assert [x[:3] for x in shown] == ["1. ", "2. ", "3. ", "(a)", "(b)"], shown
    assert not any(re.search(r"[.;:] (?:\d\.|\([a-z]\)) ", x) for x in shown), shown  # nothing run together
    head = re.search(r"<b>(.*?)</b>", annexed._repr_html_()).group(1)
    assert head == "TRADE IN SERVICES · Annex 8A: FINANCIAL SERVICES · Art. 1 Definitions", head
    assert len(re.findall("<p>", annexed._repr_html_())) > 5
