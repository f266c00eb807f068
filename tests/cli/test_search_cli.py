"""``ftadraft search`` output as a user reads it: unquoted words, snippets keeping the published paragraphs."""

from __future__ import annotations

import json
import re
from pathlib import Path
from types import SimpleNamespace

import pytest

from conftest import RunCli
from ftadraft.normalize import normalize_text
from ftadraft.search.snippets import snippet_paragraphs


@pytest.fixture(scope="module")
def wto_db(modern_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("wto-search") / "wto.sqlite"
    r = RunCli()("corpus", "add", str(modern_dir / "wto-jsi-ecommerce-2024.md"), "--alias", "wto", db=db)
    assert r.exit_code == 0, r.stderr
    return db


def test_unquoted_words_are_the_query(run: RunCli, wto_db: Path) -> None:
    unquoted = run("search", "unsolicited", "commercial", "messages", "--json", "-n", "3", db=wto_db)
    quoted = run("search", "unsolicited commercial messages", "--json", "-n", "3", db=wto_db)
    assert unquoted.exit_code == 0, unquoted.stderr
    assert [h["article"]["id"] for h in json.loads(unquoted.stdout)] == \
        [h["article"]["id"] for h in json.loads(quoted.stdout)]
    assert json.loads(unquoted.stdout)[0]["article"]["title"] == "Unsolicited Commercial Electronic Messages"


def test_snippets_keep_paragraphs_and_list_items_as_published(run: RunCli, wto_db: Path) -> None:
    out = run("search", "unsolicited", "commercial", "electronic", "message", "-n", "1", db=wto_db).stdout
    lines = [line.strip() for line in out.splitlines()[2:]]  # below the heading and the id line
    assert any(re.match(r"\((?:a|b)\) ", line) for line in lines), out  # a list item starts its own line
    assert not any(re.search(r"[;:.] (?:and |or )?\((?:a|b|c)\) ", line) for line in lines), out


def test_snippet_paragraphs_cut_only_where_the_text_breaks() -> None:
    text = ("1. The Parties recognise the measures of\neach Party.\n2. No Party shall require it:\n(a) first; and\n"
            "(b) second.")
    p = SimpleNamespace(text=text, normalized=normalize_text(text))
    snippet = "…the [measures] of each Party. 2. No Party shall require it: (a) first; and (b)…"
    assert snippet_paragraphs(snippet, p) == [
        "…the [measures] of each Party.", "2. No Party shall require it:", "(a) first; and", "(b)…"]
    assert snippet_paragraphs("…not from this text…", p) == ["…not from this text…"]


def test_browsing_by_filters_prints_no_score(run: RunCli, wto_db: Path) -> None:
    browsed = run("search", "--topic", "e-commerce/spam", "-n", "2", db=wto_db)
    assert browsed.exit_code == 0 and "[e-commerce/spam]" in browsed.stdout, browsed.stderr
    assert "score" not in browsed.stdout  # every hit would read "score 0.00": nothing was scored
    assert "score " in run("search", "unsolicited", "messages", "-n", "1", db=wto_db).stdout


def test_hits_in_another_language_say_so(run: RunCli, tota_db: Path) -> None:
    """An English query that reaches Spanish articles labels them; English hits carry no label."""
    r = run("search", "personal information protection", "--lang", "es", "-n", "3", db=tota_db)
    assert r.exit_code == 0, r.stderr
    headings = [line for line in r.stdout.splitlines() if re.match(r" {0,2}\d+\. ", line)]
    assert headings and all("[es] · " in line for line in headings)
    r = run("search", "personal information protection", "--lang", "en", "-n", "3", db=tota_db)
    headings = [line for line in r.stdout.splitlines() if re.match(r" {0,2}\d+\. ", line)]
    assert headings and not any("[es]" in line or "[en]" in line for line in headings)


def test_json_and_python_hits_keep_the_published_paragraphs(run: RunCli, wto_db: Path) -> None:
    """The snippet's paragraphs reach scripts and notebooks too, not only the terminal."""
    import ftadraft

    out = run("search", "unsolicited", "commercial", "electronic", "message", "-n", "1", "--json", db=wto_db)
    (hit,) = json.loads(out.stdout)
    paras = hit["snippet_paragraphs"]
    assert len(paras) > 1 and any(re.match(r"\((?:a|b)\) ", x) for x in paras)
    assert " ".join(paras).replace("[", "").replace("]", "").split() == \
        hit["snippet"].replace("[", "").replace("]", "").split()
    with ftadraft.open(wto_db, create=False) as c:
        (h,) = c.search("unsolicited commercial electronic message", limit=1)
        assert h.snippet_paragraphs() == paras
        assert h._repr_html_().count("<br>") >= len(paras)
