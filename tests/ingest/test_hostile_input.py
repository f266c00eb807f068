"""Hostile input (issue 16): zip bombs that lie in their headers, DOCTYPEs the old byte search could not see,
NUL bytes deep in a text. Each is refused with one line naming the file, and nothing is indexed."""

from __future__ import annotations

import io
import json
import struct
import subprocess
import sys
import time
import zipfile
import zlib
from pathlib import Path

import docx as pydocx
import pytest

from conftest import RunCli, refused_add
from ftadraft.errors import InputError
from ftadraft.ingest import guard
from ftadraft.ingest.load import load_file

# --- helpers ---------------------------------------------------------------------------------------------


def _zip(members: list[tuple[str, bytes, int, int, int]]) -> bytes:
    """A zip archive written by hand, so its headers say what an attacker wants: per member (name, the bytes
    stored, compression method, CRC-32, declared uncompressed size)."""
    out = io.BytesIO()
    central: list[bytes] = []
    for name, data, method, crc, size in members:
        offset = out.tell()
        n = name.encode()
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, method, 0, 0, crc, len(data), size, len(n), 0))
        out.write(n + data)
        central.append(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, method, 0, 0, crc, len(data), size,
                                   len(n), 0, 0, 0, 0, 0, offset) + n)
    start = out.tell()
    for c in central:
        out.write(c)
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), out.tell() - start, start, 0))
    return out.getvalue()


def _deflated_zeros(mib: int) -> bytes:
    """A raw deflate stream of ``mib`` MiB of zero bytes (~1 KB per MiB), made in milliseconds: after a full
    flush every MiB compresses to the same bytes."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = c.compress(b"\0" * (1 << 20)) + c.flush(zlib.Z_FULL_FLUSH)
    return block * mib + c.flush()


_CONTENT_TYPES = (b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
                  b'content-types"/>')


def _lying_bomb(crc_matches: bool) -> bytes:
    """A 0.8 MB DOCX whose word/document.xml inflates to 768 MiB, while the headers declare 1 MiB (a ratio
    the directory check accepts). With ``crc_matches`` the CRC is that of the first MiB, so a reader that
    trusts the declared size reads "successfully"."""
    declared = 1 << 20
    crc = zlib.crc32(b"\0" * declared) if crc_matches else 0x12345678
    return _zip([("[Content_Types].xml", _CONTENT_TYPES, 0, zlib.crc32(_CONTENT_TYPES), len(_CONTENT_TYPES)),
                 ("word/document.xml", _deflated_zeros(768), 8, crc, declared)])






# --- 1. zip bombs with falsified size headers ---------------------------------------------------------------

# The peak resident memory of this process since it started (VmHWM: getrusage's ru_maxrss would include the
# memory of the pytest process it was forked from).
_PEAK = """
import re, sys, time
from pathlib import Path
from ftadraft.errors import InputError
from ftadraft.ingest.load import load_file
t = time.perf_counter()
try:
    load_file(sys.argv[1])
    print("read")
except InputError as e:
    print(e)
print(time.perf_counter() - t)
print(re.search(r"VmHWM:\\s*(\\d+) kB", Path("/proc/self/status").read_text()).group(1))
"""


@pytest.mark.parametrize("crc_matches", [False, True], ids=["bad-crc", "crc-of-declared-size"])
@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads the peak memory from /proc")
def test_zip_bomb_with_lying_headers_is_refused_in_bounded_memory(tmp_path: Path, crc_matches: bool) -> None:
    """Before: 2.15 GB and 20 s for a 1.9 MB file (members inflated whole, then "Bad CRC-32"). Now members
    are read in bounded chunks, and python-docx never inflates the original archive."""
    bomb = tmp_path / "bomb.docx"
    bomb.write_bytes(_lying_bomb(crc_matches))
    assert bomb.stat().st_size < 1_000_000
    with zipfile.ZipFile(bomb) as zf:  # the headers really do lie: the directory check alone lets it through
        guard.check_zip(zf, bomb)
    out = subprocess.run([sys.executable, "-c", _PEAK, str(bomb)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    message, seconds, peak_kib = out.stdout.strip().splitlines()
    assert message.startswith(f"{bomb}: ") and "DOCX" in message, message
    assert float(seconds) < 10
    assert int(peak_kib) < 350 * 1024, f"peak RSS {int(peak_kib) // 1024} MiB"  # 768 MiB if inflated whole


def test_zip_bomb_through_the_cli_is_one_line_naming_the_file(run: RunCli, tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.docx"
    bomb.write_bytes(_lying_bomb(crc_matches=False))
    start = time.perf_counter()
    assert "DOCX" in refused_add(run, tmp_path / "i.sqlite", bomb)
    assert time.perf_counter() - start < 20


def test_expansion_is_counted_from_the_bytes_that_come_out(tmp_path: Path) -> None:
    """Honest headers, but 300 MiB that the ratio check of the directory would refuse anyway: the bounded
    reader refuses it on its own too (the limit holds whatever the directory says)."""
    declared = 300 << 20
    data = _zip([("[Content_Types].xml", _CONTENT_TYPES, 0, zlib.crc32(_CONTENT_TYPES), len(_CONTENT_TYPES)),
                 ("word/document.xml", _deflated_zeros(300), 8, 0, declared)])
    with zipfile.ZipFile(io.BytesIO(data)) as zf, pytest.raises(InputError, match="zip bomb"):
        guard.unzip_bounded(zf, tmp_path / "x.docx", len(data))


def test_other_compression_methods_arerefused_add(tmp_path: Path) -> None:
    """bzip2 and LZMA members inflate without a bound per read; Word never writes them."""
    f = tmp_path / "bz.docx"
    with zipfile.ZipFile(f, "w", compression=zipfile.ZIP_BZIP2) as zf:
        zf.writestr("[Content_Types].xml", _CONTENT_TYPES)
        zf.writestr("word/document.xml", "<w:document/>")
    with pytest.raises(InputError, match="compression method"):
        load_file(f)


def test_a_real_docx_still_reads(tmp_path: Path) -> None:
    d = pydocx.Document()
    d.add_heading("Article 1 Scope", level=2)
    d.add_paragraph("This Chapter applies to customs procedures.")
    f = tmp_path / "ok.docx"
    d.save(str(f))
    doc = load_file(f)
    assert [p.text for p in doc.provisions] == ["This Chapter applies to customs procedures."]


# --- 2. DOCTYPE / entities refused by the parser, in every encoding ----------------------------------------

_ENTITY_DOC = '<?xml version="1.0" encoding="{enc}"?><!DOCTYPE treaty [<!ENTITY x "secret">]><treaty>&x; after</treaty>'


@pytest.mark.parametrize(
    ("name", "payload"),
    [
        ("utf16.xml", _ENTITY_DOC.format(enc="UTF-16").encode("utf-16")),
        ("utf16be.xml", _ENTITY_DOC.format(enc="UTF-16BE").encode("utf-16-be")),
        ("utf16le-bom.xml", b"\xff\xfe" + _ENTITY_DOC.format(enc="UTF-16").encode("utf-16-le")),
        ("utf32.xml", _ENTITY_DOC.format(enc="UTF-32").encode("utf-32")),
        ("late.xml", ('<?xml version="1.0"?><!--' + "x" * 70_000 + '--><!DOCTYPE treaty [<!ENTITY x "s">]>'
                      "<treaty>&x; after</treaty>").encode()),
        ("lower.xml", b'<?xml version="1.0"?><!doctype treaty><treaty/>'),
        ("external.xml", b'<?xml version="1.0"?><!DOCTYPE treaty SYSTEM "http://127.0.0.1:9/t.dtd"><treaty/>'),
    ],
)
def test_doctype_is_refused_in_any_encoding_and_position(run: RunCli, tmp_path: Path, name: str,
                                                         payload: bytes) -> None:
    """Before: a byte search in the first 64 KB, blind to UTF-16/32 and to a long prolog; the text after the
    entity reference was silently dropped. Now the parser decides (or cannot parse it at all)."""
    f = tmp_path / name
    f.write_bytes(payload)
    line = refused_add(run, tmp_path / "i.sqlite", f, "--format", "tota")
    assert "DOCTYPE" in line or "malformed XML" in line, line
    with pytest.raises(InputError):
        guard.parse_xml(payload, f)


def test_utf16_doctype_reaches_the_parser_check(tmp_path: Path) -> None:
    payload = _ENTITY_DOC.format(enc="UTF-16").encode("utf-16")
    assert b"<!DOCTYPE" not in payload  # what the old byte search looked for
    with pytest.raises(InputError, match="DOCTYPE"):
        guard.parse_xml(payload, tmp_path / "t.xml")


def test_an_undeclared_entity_is_malformed_not_dropped(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="malformed XML"):
        guard.parse_xml(b"<treaty>before &x; after</treaty>", tmp_path / "t.xml")


def test_docx_part_with_a_utf16_doctype_isrefused_add(run: RunCli, tmp_path: Path) -> None:
    src = io.BytesIO()
    d = pydocx.Document()
    d.add_paragraph("Article 1 Scope")
    d.save(src)
    parts: dict[str, bytes] = {}
    with zipfile.ZipFile(src) as zf:
        for name in zf.namelist():
            parts[name] = zf.read(name)
    styles = parts["word/styles.xml"].decode("utf-8").replace('encoding="UTF-8"', 'encoding="UTF-16"', 1)
    head, _, rest = styles.partition("?>")
    parts["word/styles.xml"] = (head + '?><!DOCTYPE w:styles [<!ENTITY x "y">]>' + rest).encode("utf-16")
    f = tmp_path / "doctype.docx"
    with zipfile.ZipFile(f, "w", zipfile.ZIP_DEFLATED) as out:
        for name, blob in parts.items():
            out.writestr(name, blob)
    line = refused_add(run, tmp_path / "i.sqlite", f)
    assert "word/styles.xml" in line and "DOCTYPE" in line


# --- 3. NUL bytes anywhere: refused, never stored ------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "payload"),
    [
        ("late-nul.md", b"# Agreement\n\nArticle 1 Scope\n\n" + b"Customs procedures. " * 400 + b"\x00hidden\n"),
        ("late-nul.txt", b"Article 1 Scope\n" + b"a" * 5000 + b"\x00"),
        ("utf16-nul.txt", ("Article 1 Scope\n" + "b" * 3000 + "\x00 after").encode("utf-16")),
        ("late-nul.html", b"<html><body><h2>Article 1 Scope</h2><p>" + b"c " * 3000 + b"\x00</p></body></html>"),
    ],
)
def test_a_nul_byte_anywhere_refuses_the_file(run: RunCli, tmp_path: Path, name: str, payload: bytes) -> None:
    """Before: a NUL after the first 4 KB was stored in the provision text. Now the file is refused (not
    stripped: a NUL in a text file means it is not the text it claims to be)."""
    f = tmp_path / name
    f.write_bytes(payload)
    assert "NUL" in refused_add(run, tmp_path / "i.sqlite", f)


def test_no_reader_can_hand_the_index_a_nul(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The last guard, for every format (e.g. a PDF text layer): read_document refuses a NUL in any field."""
    from ftadraft.ingest import text as text_reader
    from ftadraft.model import Extract, ProvisionDraft

    monkeypatch.setattr(text_reader, "read", lambda data, path, encoding=None: Extract(
        provisions=(ProvisionDraft("clean", title="Sco\x00pe"),)))
    f = tmp_path / "a.md"
    f.write_text("Article 1 Scope\n\nText.\n")
    with pytest.raises(InputError, match="NUL"):
        load_file(f)


def test_clean_text_still_indexes(run: RunCli, tmp_path: Path) -> None:
    f = tmp_path / "clean.md"
    f.write_text("# Agreement\n\nArticle 1 Scope\n\nThis Chapter applies to customs procedures.\n")
    r = run("corpus", "add", str(f), "--json", db=tmp_path / "i.sqlite")
    assert r.exit_code == 0, r.stderr
    assert json.loads(r.stdout)["added"] == ["clean"]
