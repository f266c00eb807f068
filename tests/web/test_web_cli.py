"""``ftadraft serve``: what it checks before the server starts, and what it tells the user."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest


@pytest.fixture()
def started(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """uvicorn.run replaced by a recorder: the command's checks run, no server starts."""
    import uvicorn

    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: calls.append({"app": app, **kw}))
    monkeypatch.delenv("FTADRAFT_SERVE_DB", raising=False)
    return calls


def test_serve_binds_to_localhost_by_default(run: Any, small_db: Path, started: list[dict[str, Any]]) -> None:
    r = run("serve", db=small_db)
    assert r.exit_code == 0, r.stderr
    (call,) = started
    assert call["host"] == "127.0.0.1" and call["port"] == 8000 and call["factory"] is True
    assert call["app"] == "ftadraft.web.app:from_environment"
    assert "warning" not in r.stderr and "http://127.0.0.1:8000/" in r.stderr


def test_serving_the_network_warns(run: Any, small_db: Path, started: list[dict[str, Any]]) -> None:
    r = run("serve", "--host", "0.0.0.0", "--port", "8123", db=small_db)
    assert r.exit_code == 0
    assert started[0]["host"] == "0.0.0.0" and started[0]["port"] == 8123
    warning = [line for line in r.stderr.splitlines() if line.startswith("warning:")]
    assert len(warning) == 1 and "no login" in warning[0]


def test_a_missing_index_is_one_line_and_no_server(run: Any, tmp_path: Path, started: list[dict[str, Any]]) -> None:
    missing = tmp_path / "none.sqlite"
    r = run("serve", db=missing)
    assert r.exit_code == 1 and not started
    assert len(r.stderr.strip().splitlines()) == 1 and r.stderr.startswith("ftadraft:")
    assert not missing.exists()  # read-only: serving never creates an index


def test_the_application_factory_refuses_without_an_index(monkeypatch: pytest.MonkeyPatch) -> None:
    from ftadraft.errors import FtadraftError
    from ftadraft.web.app import from_environment

    monkeypatch.delenv("FTADRAFT_SERVE_DB", raising=False)
    with pytest.raises(FtadraftError, match="ftadraft serve"):
        from_environment()
