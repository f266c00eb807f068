"""The model's citations and notebook view: an annex article is cited with its annex, and the notebook
shows paragraphs and list items as published. (Made-up texts: the RCEP cases run in
tests/cli/test_corpus_show.py.)"""

from __future__ import annotations

import re
from datetime import date

from ftadraft.model import Agreement, Footnote, Provision, citation

AGREEMENT = Agreement(id="x-2020", name="Example Agreement", signed=date(2020, 11, 15))


def _provision(number: str | None, title: str | None, source: dict[str, str], text: str = "Text.",
               chapter: tuple[str | None, str | None] = ("8", "TRADE IN SERVICES")) -> Provision:
    return Provision(id=f"x-2020/{number or title}", agreement_id="x-2020", order=1, number=number, title=title,
                     text=text, normalized=text, chapter_number=chapter[0], chapter_title=chapter[1], source=source)


def test_an_annex_article_is_cited_with_its_annex() -> None:
    a = _provision("1", "Definitions", {"annex": "8A", "annex_title": "Annex 8A: FINANCIAL SERVICES"})
    b = _provision("1", "Definitions", {"annex": "8B", "annex_title": "Annex 8B: TELECOMMUNICATIONS SERVICES"})
    assert citation(AGREEMENT, a) == ("Example Agreement (2020), Chapter 8 TRADE IN SERVICES, "
                                      "Annex 8A: FINANCIAL SERVICES, Art. 1 Definitions")
    assert citation(AGREEMENT, a) != citation(AGREEMENT, b)
    untitled = _provision("3", None, {"annex": "2"})  # a reader that found no annex heading: its number
    assert citation(AGREEMENT, untitled).endswith("Chapter 8 TRADE IN SERVICES, Annex 2, Art. 3")


def test_the_annex_is_named_once() -> None:
    own_text = _provision(None, "Annex 8C: PROFESSIONAL SERVICES", {"annex": "8C"})  # its title is the heading
    assert citation(AGREEMENT, own_text) == ("Example Agreement (2020), Chapter 8 TRADE IN SERVICES, "
                                             "Annex 8C: PROFESSIONAL SERVICES")
    in_annex_chapter = _provision("2", "Scope", {"annex": "3", "annex_title": "Annex 3"}, chapter=("ANNEX 3", None))
    assert citation(AGREEMENT, in_annex_chapter) == "Example Agreement (2020), ANNEX 3, Art. 2 Scope"
    plain = _provision("8.12", "Transition", {"page": "310"})
    assert citation(AGREEMENT, plain) == "Example Agreement (2020), Chapter 8 TRADE IN SERVICES, Art. 8.12 Transition"
    assert plain.annex is None and own_text.annex is None


def test_notebook_view_keeps_paragraphs_and_list_items_as_published() -> None:
    text = ("1. Each Party shall publish its rules\npromptly.\n2. No Party shall require:\n(a) a <licence>; or\n"
            "(b) a local office.\n\nThis Article does not apply to procurement.")
    p = _provision("5", "Transparency", {"annex": "8B", "annex_title": "Annex 8B: TELECOMMUNICATIONS SERVICES"},
                   text=text)
    p = Provision(**{**p.__dict__, "footnotes": (Footnote("1", "For greater certainty."),)})
    html = p._repr_html_()
    assert re.findall(r"<p>(.*?)</p>", html) == [
        "1. Each Party shall publish its rules promptly.",  # a wrapped line joins its paragraph
        "2. No Party shall require:", "(a) a &lt;licence&gt;; or", "(b) a local office.",
        "This Article does not apply to procurement.",
    ]
    assert "<b>TRADE IN SERVICES · Annex 8B: TELECOMMUNICATIONS SERVICES · Art. 5 Transparency</b>" in html
    assert "<li>[1] For greater certainty.</li>" in html
