"""The one checked area look-up (``research.views.check_area``): what ``stats coverage --area``,
``topics list --area`` and ``coverage(area=...)`` say about an unknown area."""

from __future__ import annotations

from pathlib import Path

import pytest

import ftadraft
from conftest import RunCli
from ftadraft.errors import ReferenceNotFound
from ftadraft.research.views import check_area, coverage
from ftadraft.tags import topics


def test_known_areas_pass_and_typos_get_the_close_slug() -> None:
    assert [check_area(a) for a in topics.areas()] == list(topics.areas())
    for typo in ("ecommerce", "E-Commerce", "e-comerce"):
        with pytest.raises(ReferenceNotFound) as err:
            check_area(typo)
        assert err.value.suggestions[0] == "e-commerce"
        assert str(err.value).startswith(f"{typo}: unknown area; did you mean: e-commerce")
    with pytest.raises(ReferenceNotFound) as err:
        check_area("ip enforcment")
    assert err.value.suggestions[0] == "ip-enforcement"


def test_an_area_nothing_resembles_lists_them_all() -> None:
    with pytest.raises(ReferenceNotFound) as err:
        check_area("zzzz")
    assert err.value.suggestions == ()
    assert str(err.value) == f"zzzz: unknown area; use one of {', '.join(topics.areas())}"


def test_commands_and_library_say_the_same(run: RunCli, small_db: Path) -> None:
    expected = "ecommerce: unknown area; did you mean: e-commerce"
    listed = run("topics", "list", "--area", "ecommerce")
    counted = run("stats", "coverage", "--area", "ecommerce", db=small_db)
    for r in (listed, counted):
        assert r.exit_code == 1 and r.stdout == "" and r.stderr == f"ftadraft: {expected}\n"
    with ftadraft.open(small_db, create=False) as c, pytest.raises(ReferenceNotFound, match=f"^{expected}$"):
        coverage(c, area="ecommerce")
    assert run("topics", "list", "--area", "e-commerce", "--json").exit_code == 0
