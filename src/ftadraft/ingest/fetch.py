"""Download a corpus snapshot into a cache directory, verifying every file against its manifest.

Each file is written to ``<name>.part``, checked against the manifest's size and SHA-256 and
only then moved to ``<name>`` with :func:`os.replace`, so a file at its final path has always
been verified. A file that does not match is refused by name and never placed; the others go on.

Fetching is resumable: files already in the cache with the right digest are reused without
network access, and a leftover ``.part`` is continued with an HTTP ``Range`` request when the
server answers ``206 Partial Content`` (otherwise it is downloaded again from the start).

Only the given source is contacted: the manifest's upstream URL, an http(s) mirror, or a local
directory (plain path or ``file://`` URL). Redirects to another host are refused, every read
has a timeout, and no file may grow past its manifest size plus a small slack.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import re
import ssl
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

from ..errors import FetchError
from .manifest import Manifest, ManifestFile

__all__ = ["SIZE_SLACK", "FetchReport", "fetch"]

SIZE_SLACK = 64 * 1024
"""Bytes a source may send beyond a file's manifest size before the transfer is cut off."""

_CHUNK = 64 * 1024
_USER_AGENT = "ftadraft (corpus fetch; +https://github.com/mappingtreaties/tota)"
_CONTENT_RANGE = re.compile(r"bytes\s+(\d+)-(\d+)/(\d+|\*)\s*$")

Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class FetchReport:
    """What :func:`fetch` did: verified paths in manifest order, refused files with the reason."""

    verified: tuple[Path, ...]
    refused: tuple[tuple[str, str], ...]  # (file name, reason)
    downloaded: int  # files transferred (or copied) in this run and verified
    reused: int  # files already in the cache with the right digest

    @property
    def ok(self) -> bool:
        """True when every file of the manifest is verified."""
        return not self.refused


class _Refused(Exception):
    """One file could not be obtained or did not verify; ``str(exc)`` is the reason."""


def fetch(
    manifest: Manifest,
    dest: Path,
    *,
    source: str | os.PathLike[str] | None = None,
    progress: Progress | None = None,
    timeout: float = 30,
) -> FetchReport:
    """Fetch all files of ``manifest`` into ``dest``, verifying each before it is placed.

    ``source`` is None (the manifest's upstream URL), a local directory (path or ``file://``
    URL) or the base URL of an http(s) mirror, to which the file name is appended.
    ``progress(done, total, file_name)`` is called after each file. Refused files are listed in
    the report; :class:`~ftadraft.errors.FetchError` is raised when the source cannot be used
    at all (missing directory, unreachable host, unwritable cache).
    """
    dest = Path(dest)
    try:
        dest.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise FetchError(f"{dest}: cannot create the cache directory ({exc.strerror or exc})") from None
    src = _open_source(manifest, source, timeout)

    verified: list[Path] = []
    refused: list[tuple[str, str]] = []
    downloaded = reused = 0
    total = len(manifest.files)
    for i, entry in enumerate(manifest.files, 1):
        try:
            if _fetch_one(entry, dest, src):
                downloaded += 1
            else:
                reused += 1
            verified.append(dest / entry.name)
        except _Refused as exc:
            refused.append((entry.name, str(exc)))
        except FetchError as exc:
            done = len(verified)
            raise FetchError(f"{exc}; {done} of {total} files verified in {dest}, rerun to continue") from None
        if progress is not None:
            progress(i, total, entry.name)
    return FetchReport(tuple(verified), tuple(refused), downloaded, reused)


# -- one file ---------------------------------------------------------------------------------


def _fetch_one(entry: ManifestFile, dest: Path, src: _Source) -> bool:
    """Make ``dest/<name>`` a verified copy; True if transferred now, False if reused."""
    final = dest / entry.name
    if final.exists() or final.is_symlink():
        if not final.is_file():
            raise _Refused(f"{final} exists but is not a regular file; the file was not used")
        if _digest(final, entry.size + SIZE_SLACK) == (entry.sha256, entry.size):
            return False
        _unlink(final)  # stale or damaged cache entry: fetch it again
    part = dest / (entry.name + ".part")
    if (part.exists() or part.is_symlink()) and not part.is_file():
        raise _Refused(f"{part} exists but is not a regular file; the file was not used")

    sha, size, resumed = src.retrieve(entry, part)
    if resumed and (sha, size) != (entry.sha256, entry.size):
        # The old .part was not a prefix of this file (a changed mirror, a damaged cache):
        # drop it and download once more from the start before giving up.
        _unlink(part)
        sha, size, resumed = src.retrieve(entry, part)
    if (sha, size) != (entry.sha256, entry.size):
        _unlink(part)
        size_note = f", {size} bytes instead of {entry.size}" if size != entry.size else ""
        raise _Refused(
            f"SHA-256 mismatch: expected {entry.sha256}, got {sha}{size_note}; "
            f"the file was not used (from {src.where(entry)})"
        )
    try:
        os.replace(part, final)
    except OSError as exc:
        raise FetchError(f"{final}: cannot place the verified file ({exc.strerror or exc})") from None
    return True


def _hash_file(path: Path, limit: int) -> tuple[hashlib._Hash, int]:
    """SHA-256 hasher over a file and its size, reading at most ``limit + 1`` bytes."""
    h = hashlib.sha256()
    size = 0
    try:
        with path.open("rb") as fh:
            while size <= limit and (chunk := fh.read(min(_CHUNK, limit + 1 - size))):
                h.update(chunk)
                size += len(chunk)
    except OSError as exc:
        raise FetchError(f"{path}: cannot read ({exc.strerror or exc})") from None
    return h, size


def _digest(path: Path, limit: int) -> tuple[str, int]:
    """SHA-256 (hex) and size of a file, reading at most ``limit + 1`` bytes."""
    h, size = _hash_file(path, limit)
    return h.hexdigest(), size


def _unlink(path: Path) -> None:
    try:
        path.unlink(missing_ok=True)
    except OSError as exc:
        raise FetchError(f"{path}: cannot remove ({exc.strerror or exc})") from None


def _copy(read: Callable[[int], bytes], part: Path, *, append: bool, hasher: hashlib._Hash, start: int,
          cap: int) -> tuple[int, BaseException | None]:
    """Stream ``read`` into ``part`` while hashing; stop past ``cap`` bytes.

    Returns the byte count of the whole ``.part`` (``start`` + new bytes; more than ``cap``
    means the transfer was cut off and the file must be discarded) and the read error, if any.
    Write errors raise FetchError: a full disk is not one file's fault.
    """
    total = start
    try:
        out = part.open("ab" if append else "wb")
    except OSError as exc:
        raise FetchError(f"{part}: cannot write ({exc.strerror or exc})") from None
    with out:
        while True:
            try:
                chunk = read(_CHUNK)
            except (OSError, http.client.HTTPException, ValueError) as exc:
                return total, exc
            if not chunk:
                return total, None
            total += len(chunk)
            if total > cap:
                return total, None
            hasher.update(chunk)
            try:
                out.write(chunk)
            except OSError as exc:
                raise FetchError(f"{part}: cannot write ({exc.strerror or exc})") from None


def _too_large(entry: ManifestFile, where: str) -> _Refused:
    return _Refused(
        f"larger than the manifest size of {entry.size} bytes (transfer stopped after "
        f"{entry.size + SIZE_SLACK} bytes); the file was not used (from {where})"
    )


# -- sources ----------------------------------------------------------------------------------


class _Source:
    def where(self, entry: ManifestFile) -> str:  # pragma: no cover - interface
        raise NotImplementedError

    def retrieve(self, entry: ManifestFile, part: Path) -> tuple[str, int, bool]:  # pragma: no cover
        """Fill ``part`` with the file's bytes; return sha256 and size of the whole ``.part``
        and whether it continued bytes left by an earlier run."""
        raise NotImplementedError


def _open_source(manifest: Manifest, source: str | os.PathLike[str] | None, timeout: float) -> _Source:
    if source is None:
        try:
            manifest.url("x")
        except (KeyError, IndexError, ValueError) as exc:
            raise FetchError(f"manifest {manifest.name}: bad url_template {manifest.url_template!r} ({exc})") from None
        return _HttpSource(manifest.url, timeout)
    if isinstance(source, os.PathLike):
        return _LocalSource(Path(source))
    parts = urlsplit(source)
    if "://" not in source:
        return _LocalSource(Path(source))
    scheme = parts.scheme.lower()
    if scheme == "file":
        if parts.netloc not in ("", "localhost"):
            raise FetchError(f"{source}: file:// URLs must name a local directory")
        return _LocalSource(Path(urllib.request.url2pathname(unquote(parts.path))))
    if scheme in ("http", "https"):
        if not parts.hostname:
            raise FetchError(f"{source}: mirror URL has no host")
        base = source if source.endswith("/") else source + "/"
        return _HttpSource(lambda entry: base + quote(entry.name), timeout)
    raise FetchError(f"{source}: unsupported source (use a directory, file://, http:// or https:// URL)")


class _LocalSource(_Source):
    """Files copied from a local directory (e.g. a clone or an unpacked archive of the corpus)."""

    def __init__(self, directory: Path) -> None:
        if not directory.is_dir():
            raise FetchError(f"{directory}: source directory not found")
        self.directory = directory

    def where(self, entry: ManifestFile) -> str:
        return str(self.directory / entry.name)

    def retrieve(self, entry: ManifestFile, part: Path) -> tuple[str, int, bool]:
        path = self.directory / entry.name
        if not path.is_file():
            raise _Refused(f"not found in the source directory {self.directory}")
        cap = entry.size + SIZE_SLACK
        try:
            if path.stat().st_size > cap:
                raise _too_large(entry, str(path))
            fh = path.open("rb")
        except OSError as exc:
            raise _Refused(f"cannot read {path} ({exc.strerror or exc})") from None
        hasher = hashlib.sha256()
        with fh:
            size, error = _copy(fh.read, part, append=False, hasher=hasher, start=0, cap=cap)
        if size > cap:
            _unlink(part)
            raise _too_large(entry, str(path))
        if error is not None:
            _unlink(part)
            raise _Refused(f"cannot read {path} ({error})")
        return hasher.hexdigest(), size, False


class _SameHostRedirects(urllib.request.HTTPRedirectHandler):
    """Follow redirects only within the same scheme, host and port: no other host is contacted."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
        old, new = urlsplit(req.full_url), urlsplit(newurl)
        if (old.scheme, old.hostname, old.port) != (new.scheme, new.hostname, new.port):
            raise urllib.error.HTTPError(newurl, code, f"redirect to another host refused ({newurl})", headers, fp)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _opener() -> urllib.request.OpenerDirector:
    """An opener for http(s) only (no ftp:, file: or data: handlers), honouring proxy settings."""
    opener = urllib.request.OpenerDirector()
    for handler in (
        urllib.request.ProxyHandler(),
        urllib.request.UnknownHandler(),
        urllib.request.HTTPHandler(),
        urllib.request.HTTPSHandler(context=ssl.create_default_context()),
        urllib.request.HTTPDefaultErrorHandler(),
        _SameHostRedirects(),
        urllib.request.HTTPErrorProcessor(),
    ):
        opener.add_handler(handler)
    return opener


class _HttpSource(_Source):
    """Files downloaded over http(s), resuming a leftover ``.part`` with a Range request."""

    def __init__(self, url_for: Callable[[ManifestFile], str], timeout: float) -> None:
        self.url_for = url_for
        self.timeout = timeout
        self.opener = _opener()

    def where(self, entry: ManifestFile) -> str:
        return self.url_for(entry)

    def retrieve(self, entry: ManifestFile, part: Path) -> tuple[str, int, bool]:
        url = self.url_for(entry)
        cap = entry.size + SIZE_SLACK
        hasher = hashlib.sha256()
        offset = 0
        if part.is_file():
            prefix, have = _hash_file(part, cap)
            if (prefix.hexdigest(), have) == (entry.sha256, entry.size):
                return entry.sha256, have, False  # complete, but a run stopped before os.replace
            if 0 < have < entry.size:
                offset, hasher = have, prefix
            else:
                _unlink(part)

        resp = self._open(url, offset)
        if offset and resp is None:  # 416: the server will not continue this .part
            _unlink(part)
            offset = 0
            resp = self._open(url, 0)
        assert resp is not None
        with resp:
            if offset and resp.status == 206:
                m = _CONTENT_RANGE.match(resp.headers.get("Content-Range", ""))
                if not m or int(m.group(1)) != offset:
                    resp.close()
                    _unlink(part)
                    return self.retrieve(entry, part)  # no .part any more: a plain download
            elif resp.status == 200:
                if offset:  # server ignored Range: start again
                    offset = 0
                    hasher = hashlib.sha256()
            else:
                raise _Refused(f"unexpected HTTP status {resp.status} from {url}")
            length = resp.headers.get("Content-Length")
            expected = int(length) if length and length.strip().isdigit() else None
            if expected is not None and offset + expected > cap:
                _unlink(part)
                raise _Refused(
                    f"server announces {offset + expected} bytes, more than the manifest size of "
                    f"{entry.size}; the file was not used (from {url})"
                )
            size, error = _copy(resp.read, part, append=offset > 0, hasher=hasher, start=offset, cap=cap)
        if size > cap:
            _unlink(part)
            raise _too_large(entry, url)
        if error is None and expected is not None and size < offset + expected:
            error = ConnectionError(f"connection closed after {size - offset} of {expected} bytes")
        if error is not None:
            raise _Refused(
                f"download from {url} interrupted after {size} of {entry.size} bytes ({_describe(error)}); "
                "rerun to resume"
            )
        return hasher.hexdigest(), size, offset > 0

    def _open(self, url: str, offset: int) -> http.client.HTTPResponse | None:
        """GET ``url`` (from ``offset`` with a Range header); None for 416 on a ranged request."""
        headers = {"User-Agent": _USER_AGENT, "Accept-Encoding": "identity"}
        if offset:
            headers["Range"] = f"bytes={offset}-"
        request = urllib.request.Request(url, headers=headers)
        try:
            return self.opener.open(request, timeout=self.timeout)  # type: ignore[no-any-return]
        except urllib.error.HTTPError as exc:
            exc.close()
            if exc.code == 416 and offset:
                return None
            raise _Refused(f"HTTP {exc.code} {exc.reason} from {url}") from None
        except urllib.error.URLError as exc:
            raise FetchError(f"{url}: cannot connect ({_describe(exc.reason)}); with a local copy of the corpus "
                             "use `ftadraft corpus fetch tota --from DIR` (or `make demo CORPUS=DIR`)") from None
        except (OSError, http.client.HTTPException, ValueError) as exc:
            raise _Refused(f"no valid response from {url} ({_describe(exc)}); rerun to retry") from None


def _describe(exc: object) -> str:
    """A one-line description of an error (its class name when the message is empty)."""
    text = " ".join(str(exc).split())
    return text or type(exc).__name__
