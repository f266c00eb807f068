"""References as users type them: every "did you mean" suggestion opens exactly what it names."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import ftadraft
from ftadraft.errors import ReferenceNotFound


@pytest.fixture(scope="module")
def rcep(modern_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> ftadraft.Corpus:
    """RCEP from the PDF: chapter 8's annexes number their articles 1–14 and 1–23 again, beside 8.1–8.25."""
    c = ftadraft.open(tmp_path_factory.mktemp("rcep") / "rcep.sqlite")
    c.add([modern_dir / "rcep-2020.pdf"])
    return c


@pytest.mark.parametrize("ref", ["rcep-2020:12", "rcep-2020:8.99", "rcep-2020:Article 3", "rcep-2020:12.99"])
def test_every_suggestion_opens_what_it_names(rcep: ftadraft.Corpus, ref: str) -> None:
    with pytest.raises(ReferenceNotFound) as err:
        rcep.provision(ref)
    suggestions = err.value.suggestions
    assert suggestions, str(err.value)
    for s in suggestions:
        m = re.fullmatch(r"(\S+)(?: \((.*)\))?", s)
        assert m, s
        try:
            opened = rcep.provision(m.group(1))
        except ReferenceNotFound as again:  # a bare number suggested must open one article, not a choice
            raise AssertionError(f"{ref}: suggestion {s!r} does not open: {again}") from None
        if m.group(2):
            assert opened.title == m.group(2), (ref, s, opened.id)
