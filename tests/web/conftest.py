"""Fixtures for the web workbench: the application in-process (fast checks), a real ``ftadraft serve`` on the
small index, and a real Chromium driven by Playwright.

The browser tests need Debian's ``chromium`` and the ``playwright`` package; where either is missing they skip
locally and fail in CI (``CI`` set), so that CI never passes by skipping them.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
#: How Chromium is started: headless, no sandbox (root in CI), nothing fetched from the network.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _missing(what: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{what} is missing; .ci/run installs it")
    pytest.skip(f"{what} is missing")


@pytest.fixture(scope="session")
def client(small_db: Path) -> Iterator[Any]:
    """The application over the small index, called in-process (Starlette's test client)."""
    from starlette.testclient import TestClient

    from ftadraft.web.app import create_app

    with TestClient(create_app(small_db, connections=2), raise_server_exceptions=False) as c:
        yield c


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def server(small_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``ftadraft serve`` on the small index, in its own process; its base URL."""
    port = _free_port()
    log = tmp_path_factory.mktemp("serve") / "serve.log"
    exe = Path(sys.executable).with_name("ftadraft")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-c", "from ftadraft.cli import main; main()"]
    with log.open("w") as out:
        proc = subprocess.Popen([*cmd, "--db", str(small_db), "serve", "--port", str(port)], stdout=out,
                                stderr=subprocess.STDOUT, env=os.environ.copy())
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                urllib.request.urlopen(base + "/search", timeout=5).read()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("ftadraft serve did not start: " + log.read_text()[-2000:])
                time.sleep(0.3)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="session")
def browser_context(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A real Chromium (Debian's package) with a fresh profile, driven by Playwright."""
    if not (Path(CHROMIUM).exists() or shutil.which("chromium")):
        _missing("Chromium (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("Playwright for Python (pip install 'ftadraft[test]')")
        raise
    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(profile), executable_path=CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium"),
            args=CHROMIUM_ARGS, headless=True, accept_downloads=True, viewport={"width": 1280, "height": 900})
        try:
            yield context
        finally:
            context.close()


@pytest.fixture()
def page(browser_context: Any) -> Iterator[Any]:
    pg = browser_context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    try:
        yield pg
    finally:
        pg.close()
    assert not errors, f"errors in the browser console: {errors}"
