"""Defences for reading files from outside: size limits, text decoding, safe XML parsing.

Every reader goes through here, so hostile input (entity expansion, network access, huge or
compressed-bomb files, wrong encodings) is refused in one place with a one-line error.
"""

from __future__ import annotations

import codecs
import os
import zipfile
from pathlib import Path

from lxml import etree

from ..errors import InputError

#: Largest source file read at all (bytes). RCEP's PDF is 3.8 MB; ToTA's largest XML ~2 MB.
MAX_FILE_BYTES = int(os.environ.get("FTADRAFT_MAX_FILE_BYTES") or 200 * 1024 * 1024)
#: Largest total uncompressed size of a DOCX (zip) archive, and largest compression ratio.
MAX_UNZIPPED_BYTES = 256 * 1024 * 1024
MAX_ZIP_RATIO = 200
MAX_ZIP_MEMBERS = 10_000


def read_bytes(path: Path, max_bytes: int | None = None) -> bytes:
    """Read a whole source file, refusing missing, empty, special or oversized files."""
    limit = MAX_FILE_BYTES if max_bytes is None else max_bytes
    try:
        st = path.stat()
    except FileNotFoundError:
        raise InputError(path, "no such file") from None
    except OSError as e:
        raise InputError(path, f"cannot read file ({e.strerror})") from None
    if not path.is_file():
        raise InputError(path, "not a regular file")
    if st.st_size > limit:
        raise InputError(
            path,
            f"file too large ({st.st_size:,} bytes; the limit is {limit:,}; set FTADRAFT_MAX_FILE_BYTES to raise it)"
        )
    if st.st_size == 0:
        raise InputError(path, "empty file")
    try:
        with path.open("rb") as fh:
            data = fh.read(limit + 1)
    except OSError as e:
        raise InputError(path, f"cannot read file ({e.strerror})") from None
    if len(data) > limit:
        raise InputError(path, f"file too large (more than {limit:,} bytes)")
    return data


def decode_text(data: bytes, path: Path, encoding: str | None = None) -> str:
    """Decode text: a BOM wins, else UTF-8 (or ``encoding`` if given); never guess silently."""
    if encoding:
        try:
            return data.decode(encoding)
        except LookupError:
            raise InputError(path, f"unknown encoding {encoding!r}") from None
        except UnicodeDecodeError as e:
            raise InputError(path, f"not valid {encoding} at byte {e.start}") from None
    for bom, enc in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            try:
                return data.decode(enc)
            except UnicodeDecodeError as e:
                raise InputError(path, f"not valid {enc} at byte {e.start}") from None
    if b"\x00" in data[:4096]:
        raise InputError(path, "binary data, not text (NUL bytes); pass --format if this is a DOCX or PDF")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise InputError(
            path,
            f"not valid UTF-8 at byte {e.start}; re-save it as UTF-8 or pass --encoding (e.g. --encoding cp1252)",
        ) from None


def xml_parser() -> etree.XMLParser:
    """An lxml parser that never resolves entities, loads DTDs or touches the network."""
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


def parse_xml(data: bytes, path: Path) -> etree._Element:
    """Parse untrusted XML; documents with a DOCTYPE (the door to entity attacks) are refused."""
    if b"<!DOCTYPE" in data[:65536].upper() or b"<!ENTITY" in data.upper():
        raise InputError(path,
                         "XML with a DOCTYPE or entity declarations is refused (entity expansion is never allowed)")
    try:
        root = etree.fromstring(data, parser=xml_parser())
    except etree.XMLSyntaxError as e:
        line = f" at line {e.lineno}" if getattr(e, "lineno", None) else ""
        msg = str(e.msg if hasattr(e, "msg") else e).split("\n")[0]
        raise InputError(path, f"malformed XML{line}: {msg}") from None
    if root is None:
        raise InputError(path, "malformed XML: no root element")
    return root


def check_zip(zf: zipfile.ZipFile, path: Path) -> None:
    """Refuse zip archives (DOCX) that would expand beyond the limits (zip bombs), judged from the
    archive directory of the bytes actually parsed, before anything is decompressed."""
    infos = zf.infolist()
    if len(infos) > MAX_ZIP_MEMBERS:
        raise InputError(path, f"DOCX has {len(infos):,} parts (limit {MAX_ZIP_MEMBERS:,}); "
                               "refused as a possible zip bomb")
    total = 0
    for info in infos:
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > 1024 * 1024 and ratio > MAX_ZIP_RATIO:
            raise InputError(
                path, f"DOCX part {info.filename} expands {ratio:,.0f}-fold; refused as a possible zip bomb"
            )
    if total > MAX_UNZIPPED_BYTES:
        raise InputError(
            path, f"DOCX expands to {total:,} bytes (limit {MAX_UNZIPPED_BYTES:,}); refused as a possible zip bomb"
        )
