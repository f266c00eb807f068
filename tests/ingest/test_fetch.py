"""Corpus manifest and verified fetch: local directory, file:// URL and a loopback HTTP mirror.

The ToTA files are read from ../shared/corpus/tota/xml (next to the checkout), never from the
repository. Without them the tests are skipped locally and fail in CI.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from ftadraft.errors import FetchError, FtadraftError
from ftadraft.ingest.fetch import SIZE_SLACK, fetch
from ftadraft.ingest.manifest import Manifest, ManifestFile, available_manifests, load_manifest

REPO = Path(__file__).resolve().parents[2]
COMMIT = "2558ee5e9aafb1fe02d586768def7feb8906123d"
SMALL = 20


@pytest.fixture(scope="session")
def corpus_dir(tota_dir: Path) -> Path:
    return tota_dir


@pytest.fixture(scope="session")
def manifest() -> Manifest:
    return load_manifest("tota")


@pytest.fixture()
def small(manifest: Manifest) -> Manifest:
    """The first files of the manifest: fast enough for every HTTP scenario."""
    return dataclasses.replace(manifest, files=manifest.files[:SMALL])


@pytest.fixture()
def served(tmp_path: Path, corpus_dir: Path, small: Manifest) -> Path:
    """A private copy of the small set that tests may tamper with."""
    root = tmp_path / "served"
    root.mkdir()
    for f in small.files:
        shutil.copyfile(corpus_dir / f.name, root / f.name)
    return root


# -- loopback HTTP mirror ---------------------------------------------------------------------


class Mirror:
    """State of the test server: what it serves, how it misbehaves, which requests it saw."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.requests: list[tuple[str, str | None]] = []  # (file name, Range header)
        self.truncate_once: set[str] = set()  # send half the body, then close the connection
        self.drop_once: set[str] = set()  # close the connection without any response
        self.flood: set[str] = set()  # endless body without Content-Length
        self.announce_huge: set[str] = set()  # Content-Length far beyond the file
        self.redirect: dict[str, str] = {}  # request path -> Location
        self.ranges = True
        self.url = ""
        self.lock = threading.Lock()

    def names(self) -> list[str]:
        return [name for name, _ in self.requests]


def _handler(state: Mirror) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:  # silence
            pass

        def do_GET(self) -> None:
            path_only = unquote(urlsplit(self.path).path)
            name = path_only.rsplit("/", 1)[-1]
            rng = self.headers.get("Range")
            with state.lock:
                state.requests.append((name, rng))
                drop = name in state.drop_once
                state.drop_once.discard(name)
                truncate = name in state.truncate_once
                state.truncate_once.discard(name)
            if drop:
                self.close_connection = True
                return
            if path_only in state.redirect:
                self.send_response(302)
                self.send_header("Location", state.redirect[path_only])
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if name in state.flood:
                self.send_response(200)
                self.end_headers()
                junk = b"<x>" * 20000
                try:
                    for _ in range(2000):  # at most ~120 MB; the client must hang up long before
                        self.wfile.write(junk)
                except OSError:
                    pass
                return
            path = state.root / name
            if not name or not path.is_file():
                self.send_error(404)
                return
            data = path.read_bytes()
            if name in state.announce_huge:
                self.send_response(200)
                self.send_header("Content-Length", str(len(data) + 10 * SIZE_SLACK))
                self.end_headers()
                return
            start = 0
            m = re.fullmatch(r"bytes=(\d+)-", rng or "")
            if m and state.ranges:
                start = int(m.group(1))
                if start >= len(data):
                    self.send_error(416)
                    return
                self.send_response(206)
                self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
            else:
                self.send_response(200)
            body = data[start:]
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if truncate:
                self.wfile.write(body[: len(body) // 2])
                self.wfile.flush()
                self.close_connection = True
                return
            self.wfile.write(body)

    return Handler


@contextlib.contextmanager
def _serve(root: Path) -> Iterator[Mirror]:
    state = Mirror(root)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture()
def mirror(served: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Mirror]:
    for var in ("no_proxy", "NO_PROXY"):
        monkeypatch.setenv(var, "*")  # never route loopback traffic through a proxy
    with _serve(served) as state:
        yield state


# -- manifest ---------------------------------------------------------------------------------


def test_manifest_metadata(manifest: Manifest) -> None:
    assert "tota" in available_manifests()
    assert manifest.name == "tota"
    assert manifest.version == "0.5.0"
    assert manifest.commit == COMMIT
    assert manifest.repository == "https://github.com/mappingtreaties/tota"
    assert manifest.url(manifest.files[0]) == (
        f"https://raw.githubusercontent.com/mappingtreaties/tota/{COMMIT}/xml/pta_1.xml"
    )
    assert manifest.licence == "CC BY-NC 4.0"
    assert manifest.licence_url == "https://creativecommons.org/licenses/by-nc/4.0/"
    assert "Alschner" in manifest.citation and "UNCTAD/SER.RP/2017/5" in manifest.citation
    assert [f.name for f in manifest.files] == [f"pta_{i}.xml" for i in range(1, 451)]


def test_manifest_digests_match_corpus(manifest: Manifest, corpus_dir: Path) -> None:
    assert len(manifest.files) == 450
    on_disk = sorted(p.name for p in corpus_dir.glob("*.xml"))
    assert on_disk == sorted(f.name for f in manifest.files)
    for f in manifest.files:
        data = (corpus_dir / f.name).read_bytes()
        assert (hashlib.sha256(data).hexdigest(), len(data)) == (f.sha256, f.size), f.name


def test_manifest_generator_reproduces_committed_file(corpus_dir: Path) -> None:
    out = subprocess.run(
        [sys.executable, str(REPO / "corpus/make_manifest.py"), str(corpus_dir)],
        check=True, capture_output=True,
    ).stdout
    assert out == (REPO / "corpus/tota.toml").read_bytes()


def test_manifest_holds_no_text() -> None:
    text = (REPO / "corpus/tota.toml").read_text(encoding="utf-8")
    assert "<treaty" not in text and "<article" not in text
    assert len(text) < 200_000


def test_unknown_manifest_suggests_close_match() -> None:
    with pytest.raises(FtadraftError, match=r"totta: no such corpus manifest; did you mean: tota"):
        load_manifest("totta")
    with pytest.raises(FtadraftError, match="no such corpus manifest"):
        load_manifest("../pyproject")


@pytest.mark.parametrize("name", ["../evil.xml", "a/b.xml", ".hidden", "x.xml.part", ""])
def test_manifest_file_rejects_unsafe_names(name: str) -> None:
    with pytest.raises(ValueError):
        ManifestFile(name, "0" * 64, 1)


def test_manifest_file_rejects_bad_digest() -> None:
    with pytest.raises(ValueError):
        ManifestFile("a.xml", "ABC", 1)
    with pytest.raises(ValueError):
        ManifestFile("a.xml", "0" * 64, -1)


# -- local sources ----------------------------------------------------------------------------


def test_full_local_fetch_then_reuse(manifest: Manifest, corpus_dir: Path, tmp_path: Path) -> None:
    dest = tmp_path / "cache" / "tota" / COMMIT
    calls: list[tuple[int, int, str]] = []
    t0 = time.perf_counter()
    report = fetch(manifest, dest, source=str(corpus_dir), progress=lambda *a: calls.append(a))
    first = time.perf_counter() - t0
    assert report.ok and report.refused == ()
    assert report.downloaded == 450 and report.reused == 0
    assert report.verified == tuple(dest / f.name for f in manifest.files)
    assert calls[0] == (1, 450, "pta_1.xml") and calls[-1] == (450, 450, "pta_450.xml")
    assert not list(dest.glob("*.part"))
    assert (dest / "pta_449.xml").read_bytes() == (corpus_dir / "pta_449.xml").read_bytes()

    t0 = time.perf_counter()
    again = fetch(manifest, dest, source=corpus_dir)  # Path works as well as str
    second = time.perf_counter() - t0
    assert again.ok and again.downloaded == 0 and again.reused == 450
    assert again.verified == report.verified
    print(f"full local fetch {first:.2f}s, reuse {second:.2f}s")


def test_fetch_from_file_url(small: Manifest, served: Path, tmp_path: Path) -> None:
    report = fetch(small, tmp_path / "dest", source=served.as_uri())
    assert report.ok and report.downloaded == SMALL


def test_local_tampered_file_is_refused(small: Manifest, served: Path, tmp_path: Path) -> None:
    victim = small.files[3]
    _flip_byte(served / victim.name)
    dest = tmp_path / "dest"
    report = fetch(small, dest, source=served)
    assert [name for name, _ in report.refused] == [victim.name]
    reason = report.refused[0][1]
    assert reason.startswith(f"SHA-256 mismatch: expected {victim.sha256}, got ")
    assert "the file was not used" in reason
    assert not (dest / victim.name).exists() and not (dest / f"{victim.name}.part").exists()
    assert len(report.verified) == SMALL - 1 and dest / victim.name not in report.verified


def test_local_missing_and_oversize(small: Manifest, served: Path, tmp_path: Path) -> None:
    (served / small.files[0].name).unlink()
    big = served / small.files[1].name
    big.write_bytes(big.read_bytes() + b"\0" * (SIZE_SLACK + 1))
    report = fetch(small, tmp_path / "dest", source=served)
    reasons = dict(report.refused)
    assert "not found in the source directory" in reasons[small.files[0].name]
    assert "larger than the manifest size" in reasons[small.files[1].name]
    assert report.downloaded == SMALL - 2


def test_damaged_cache_entry_is_replaced(small: Manifest, served: Path, tmp_path: Path) -> None:
    dest = tmp_path / "dest"
    assert fetch(small, dest, source=served).ok
    _flip_byte(dest / small.files[0].name)
    report = fetch(small, dest, source=served)
    assert report.ok and report.downloaded == 1 and report.reused == SMALL - 1
    assert (dest / small.files[0].name).read_bytes() == (served / small.files[0].name).read_bytes()


def test_bad_sources_raise(small: Manifest, tmp_path: Path) -> None:
    with pytest.raises(FetchError, match="source directory not found"):
        fetch(small, tmp_path / "dest", source=str(tmp_path / "nowhere"))
    with pytest.raises(FetchError, match="unsupported source"):
        fetch(small, tmp_path / "dest", source="ftp://example.org/tota/")


# -- HTTP -------------------------------------------------------------------------------------


def test_http_mirror_fetch_and_rerun(small: Manifest, mirror: Mirror, tmp_path: Path) -> None:
    dest = tmp_path / "dest"
    report = fetch(small, dest, source=mirror.url, timeout=5)
    assert report.ok and report.downloaded == SMALL and report.reused == 0
    assert mirror.names() == [f.name for f in small.files]
    mirror.requests.clear()
    again = fetch(small, dest, source=mirror.url, timeout=5)
    assert again.ok and again.downloaded == 0 and again.reused == SMALL
    assert mirror.requests == []  # nothing downloaded, nothing asked


def test_full_http_fetch(manifest: Manifest, corpus_dir: Path, tmp_path: Path,
                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("no_proxy", "*")
    with _serve(corpus_dir) as full:  # read-only: this server never changes a file
        t0 = time.perf_counter()
        report = fetch(manifest, tmp_path / "dest", source=full.url, timeout=10)
        elapsed = time.perf_counter() - t0
    assert report.ok and report.downloaded == 450 and len(report.verified) == 450
    print(f"full HTTP fetch {elapsed:.2f}s")


def test_http_url_template_with_commit(small: Manifest, mirror: Mirror, tmp_path: Path) -> None:
    local = dataclasses.replace(small, url_template=mirror.url + "{commit}/xml/{file}")
    report = fetch(local, tmp_path / "dest", timeout=5)
    assert report.ok and report.downloaded == SMALL


def test_http_tampered_file_is_refused_by_name(small: Manifest, mirror: Mirror, tmp_path: Path) -> None:
    victim = small.files[2]
    _flip_byte(mirror.root / victim.name)
    dest = tmp_path / "dest"
    report = fetch(small, dest, source=mirror.url, timeout=5)
    assert [name for name, _ in report.refused] == [victim.name]
    reason = report.refused[0][1]
    assert re.match(rf"SHA-256 mismatch: expected {victim.sha256}, got [0-9a-f]{{64}}; the file was not used", reason)
    assert mirror.url + victim.name in reason
    assert not (dest / victim.name).exists() and not (dest / f"{victim.name}.part").exists()
    assert len(report.verified) == SMALL - 1 and report.downloaded == SMALL - 1


def test_http_resume_with_range(small: Manifest, mirror: Mirror, tmp_path: Path) -> None:
    victim = small.files[4]
    mirror.truncate_once.add(victim.name)
    dest = tmp_path / "dest"
    first = fetch(small, dest, source=mirror.url, timeout=5)
    assert [name for name, _ in first.refused] == [victim.name]
    assert "interrupted" in first.refused[0][1] and "rerun to resume" in first.refused[0][1]
    part = dest / f"{victim.name}.part"
    assert not (dest / victim.name).exists()
    have = part.stat().st_size
    assert 0 < have < victim.size

    mirror.requests.clear()
    second = fetch(small, dest, source=mirror.url, timeout=5)
    assert second.ok and second.downloaded == 1 and second.reused == SMALL - 1
    assert mirror.requests == [(victim.name, f"bytes={have}-")]
    assert not part.exists()
    assert hashlib.sha256((dest / victim.name).read_bytes()).hexdigest() == victim.sha256


def test_http_resume_without_range_support_restarts(small: Manifest, mirror: Mirror, tmp_path: Path) -> None:
    mirror.ranges = False
    victim = small.files[5]
    mirror.truncate_once.add(victim.name)
    dest = tmp_path / "dest"
    assert not fetch(small, dest, source=mirror.url, timeout=5).ok
    assert (dest / f"{victim.name}.part").exists()
    second = fetch(small, dest, source=mirror.url, timeout=5)
    assert second.ok and second.downloaded == 1
    assert (dest / victim.name).read_bytes() == (mirror.root / victim.name).read_bytes()


def test_http_stale_part_of_other_content_is_replaced(small: Manifest, mirror: Mirror, tmp_path: Path) -> None:
    victim = small.files[6]
    dest = tmp_path / "dest"
    dest.mkdir()
    (dest / f"{victim.name}.part").write_bytes(b"garbage" * 10)  # not a prefix of the real file
    report = fetch(small, dest, source=mirror.url, timeout=5)
    assert report.ok and report.downloaded == SMALL
    # resumed onto junk, caught by the digest, then downloaded once more from the start
    assert [r for r in mirror.requests if r[0] == victim.name] == [(victim.name, "bytes=70-"), (victim.name, None)]
    assert not (dest / f"{victim.name}.part").exists()


def test_complete_part_is_placed_without_download(small: Manifest, mirror: Mirror, corpus_dir: Path,
                                                  tmp_path: Path) -> None:
    victim = small.files[0]
    dest = tmp_path / "dest"
    dest.mkdir()
    shutil.copyfile(corpus_dir / victim.name, dest / f"{victim.name}.part")  # a run died before os.replace
    report = fetch(small, dest, source=mirror.url, timeout=5)
    assert report.ok and victim.name not in mirror.names()


def test_http_dropped_connection_then_complete(small: Manifest, mirror: Mirror, tmp_path: Path) -> None:
    victim = small.files[7]
    mirror.drop_once.add(victim.name)
    dest = tmp_path / "dest"
    first = fetch(small, dest, source=mirror.url, timeout=5)
    assert [name for name, _ in first.refused] == [victim.name]
    assert mirror.url + victim.name in first.refused[0][1]
    second = fetch(small, dest, source=mirror.url, timeout=5)
    assert second.ok and second.downloaded == 1 and second.reused == SMALL - 1


def test_http_endless_body_is_cut_off(small: Manifest, mirror: Mirror, tmp_path: Path) -> None:
    flood, huge = small.files[8], small.files[9]
    mirror.flood.add(flood.name)
    mirror.announce_huge.add(huge.name)
    dest = tmp_path / "dest"
    t0 = time.perf_counter()
    report = fetch(small, dest, source=mirror.url, timeout=5)
    assert time.perf_counter() - t0 < 20
    reasons = dict(report.refused)
    assert set(reasons) == {flood.name, huge.name}
    assert "larger than the manifest size" in reasons[flood.name]
    assert "server announces" in reasons[huge.name]
    for f in (flood, huge):
        assert not (dest / f.name).exists() and not (dest / f"{f.name}.part").exists()
    assert len(report.verified) == SMALL - 2


def test_http_404_and_redirects(small: Manifest, mirror: Mirror, tmp_path: Path) -> None:
    gone, away, moved = small.files[10], small.files[11], small.files[12]
    (mirror.root / gone.name).unlink()
    port = urlsplit(mirror.url).port
    mirror.redirect[f"/{away.name}"] = f"http://localhost:{port}/{away.name}"  # another host name
    mirror.redirect[f"/{moved.name}"] = f"/elsewhere/{moved.name}"  # same host: followed
    report = fetch(small, tmp_path / "dest", source=mirror.url, timeout=5)
    reasons = dict(report.refused)
    assert set(reasons) == {gone.name, away.name}
    assert reasons[gone.name].startswith("HTTP 404") and mirror.url + gone.name in reasons[gone.name]
    assert "redirect to another host refused" in reasons[away.name]
    assert tmp_path / "dest" / moved.name in report.verified
    assert mirror.names().count(away.name) == 1  # localhost was never contacted
    assert mirror.names().count(moved.name) == 2


def test_unreachable_mirror_raises_naming_url(small: Manifest, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("no_proxy", "*")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    url = f"http://127.0.0.1:{port}/tota/"
    with pytest.raises(FetchError) as info:
        fetch(small, tmp_path / "dest", source=url, timeout=5)
    msg = str(info.value)
    assert msg.startswith(f"{url}{small.files[0].name}: cannot connect")
    assert "--from DIR" in msg and "make demo CORPUS=" in msg  # says how to use a local copy instead
    assert "\n" not in msg


def _flip_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


def test_cli_fetch_refuses_tampered_file_and_indexes_nothing_from_it(
    small: Manifest, mirror: Mirror, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run
) -> None:
    """End to end: `ftadraft corpus fetch tota --from URL` with one tampered file on the mirror."""
    import json

    import ftadraft.ingest.manifest

    victim = small.files[3]
    _flip_byte(mirror.root / victim.name)
    monkeypatch.setattr(ftadraft.ingest.manifest, "load_manifest", lambda name: small)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    db = tmp_path / "i.sqlite"
    r = run("corpus", "fetch", "tota", "--from", mirror.url, "--json", db=db)
    assert r.exit_code == 1
    report = json.loads(r.stdout)
    assert [f["file"] for f in report["fetch"]["refused"]] == [victim.name]
    assert f"ftadraft: {victim.name}: SHA-256 mismatch" in r.stderr
    treaty = victim.name.removeprefix("pta_").removesuffix(".xml")
    assert len(report["added"]) == SMALL - 1 and f"tota-{treaty}" not in report["added"]
    shown = run("corpus", "show", f"tota-{treaty}", db=db)
    assert shown.exit_code == 1 and "no such agreement" in shown.stderr
