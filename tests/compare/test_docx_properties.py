"""Word refuses core properties (title, author, subject, ...) longer than 255 characters: two long citations
compared with each other made ``compare --docx`` end in a traceback."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import docx

from ftadraft.compare.redline import CORE_PROPERTY_CHARS, core_property, write_redline_docx


def test_long_titles_and_authors_fit_the_core_properties_and_the_heading_keeps_them_whole(tmp_path: Path) -> None:
    a = ("Dominican Republic - Central America - United States Free Trade Agreement (CAFTA-DR) (2004), Chapter "
         "FOURTEEN Electronic Commerce, Art. 14.3 Digital Products")
    b = "Trans-Pacific Partnership (2016), Chapter 14 Electronic Commerce, Art. 14.3 Customs Duties"
    title = f"{a} compared with {b}"
    assert len(title) > CORE_PROPERTY_CHARS
    out = tmp_path / "long.docx"
    author = "Delegation of " + "the Republic of Somewhere " * 12
    write_redline_docx([("14.3 → 14.3", "No Party shall impose duties.", "No Party shall impose customs duties.")],
                       out, author=author, date=datetime(2026, 12, 8, tzinfo=UTC), title=title)
    d = docx.Document(str(out))
    props = d.core_properties
    assert len(props.title) <= CORE_PROPERTY_CHARS and props.title.endswith("…")
    assert props.title.startswith("Dominican Republic - Central America")
    assert len(props.author) <= CORE_PROPERTY_CHARS
    assert d.paragraphs[0].text == title  # the visible heading is not shortened


def test_short_values_are_kept_as_they_are() -> None:
    assert core_property("Redline  Round 3 → Round 4") == "Redline Round 3 → Round 4"
    assert core_property("x" * CORE_PROPERTY_CHARS) == "x" * CORE_PROPERTY_CHARS
    assert len(core_property("x" * (CORE_PROPERTY_CHARS + 1))) == CORE_PROPERTY_CHARS
