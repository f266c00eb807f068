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
    """Decode text: a BOM wins, else UTF-8 (or ``encoding`` if given); never guess silently. A NUL
    character anywhere in the text refuses the file: it is never stored (nor silently stripped)."""
    return _refuse_nul(_decode(data, path, encoding), path)


def _decode(data: bytes, path: Path, encoding: str | None) -> str:
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


def _refuse_nul(text: str, path: Path) -> str:
    at = text.find("\x00")
    if at >= 0:
        raise InputError(path, f"a NUL character at character {at:,}: binary data, not text; refused")
    return text


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


def parse_xml(data: bytes, path: Path, part: str | None = None) -> etree._Element:
    """Parse untrusted XML; documents with a DOCTYPE (the door to entity attacks) are refused, in any
    encoding and wherever the prolog puts it (see :func:`refuse_doctype`)."""
    refuse_doctype(data, path, part)
    try:
        root = etree.fromstring(data, parser=xml_parser())
    except etree.XMLSyntaxError as e:
        raise InputError(path, _malformed(e, part)) from None
    if root is None:
        raise InputError(path, "malformed XML: no root element")
    if _has_doctype(root):  # cannot happen after refuse_doctype; kept so the refusal never depends on it alone
        raise InputError(path, _DOCTYPE_REFUSED.format(where=f"DOCX part {part}" if part else "XML"))
    return root


_DOCTYPE_REFUSED = "{where} with a DOCTYPE or entity declarations is refused (entity expansion is never allowed)"
_PROLOG_CHUNK = 64 * 1024


def refuse_doctype(data: bytes, path: Path, part: str | None = None, *, malformed_ok: bool = False) -> None:
    """Refuse XML whose parser finds a DOCTYPE (internal subset, entity declarations, external DTD).

    The parser itself decides, so the encoding (UTF-8, UTF-16, UTF-32, with or without a BOM) and the
    length of the prolog (comments, whitespace) cannot hide it. A DOCTYPE can only come before the root
    element, so parsing stops at the root's start tag: no entity reference in the content is ever read.
    With ``malformed_ok``, XML the parser cannot read up to its root passes (whoever parses it next fails
    on the same bytes, before any DOCTYPE could take effect).
    """
    parser = etree.XMLPullParser(events=("start",), resolve_entities=False, no_network=True, load_dtd=False,
                                 dtd_validation=False, huge_tree=False)
    where = f"DOCX part {part}" if part else "XML"
    try:
        for i in range(0, len(data), _PROLOG_CHUNK):
            parser.feed(data[i : i + _PROLOG_CHUNK])
            for _event, element in parser.read_events():
                if _has_doctype(element):
                    raise InputError(path, _DOCTYPE_REFUSED.format(where=where))
                return
        parser.close()
    except etree.XMLSyntaxError as e:
        if malformed_ok:
            return
        raise InputError(path, _malformed(e, part)) from None
    if malformed_ok:
        return
    raise InputError(path, f"malformed XML{f' in {part}' if part else ''}: no root element")


def _has_doctype(element: etree._Element) -> bool:
    info = element.getroottree().docinfo
    return bool(info.doctype) or info.internalDTD is not None or info.externalDTD is not None


def _malformed(e: etree.XMLSyntaxError, part: str | None) -> str:
    line = f" at line {e.lineno}" if getattr(e, "lineno", None) else ""
    msg = str(e.msg if hasattr(e, "msg") else e).split("\n")[0]
    return f"malformed XML{f' in {part}' if part else ''}{line}: {msg}"


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


#: Bytes decompressed per read: a member is never inflated in one call, whatever its headers say.
_UNZIP_CHUNK = 1024 * 1024
#: Below this many bytes in all, an archive is never judged by its compression ratio.
_RATIO_FLOOR = 4 * 1024 * 1024


def unzip_bounded(zf: zipfile.ZipFile, path: Path, archive_bytes: int) -> dict[str, bytes]:
    """Every member of a DOCX (zip) archive, decompressed in bounded chunks while counting the bytes
    that actually come out: reading stops as soon as the archive expands beyond
    :data:`MAX_UNZIPPED_BYTES` or :data:`MAX_ZIP_RATIO` times its own size, whatever sizes its headers
    declare (they are the attacker's to write). Compression methods other than stored and deflate (bzip2
    and LZMA inflate without a bound per call; Word never writes them), encrypted parts, duplicate part
    names and CRC errors are refused. Readers then parse only these bytes, never the archive again."""
    check_zip(zf, path)  # the honest bombs: refused from the directory, before any decompression
    limit = min(MAX_UNZIPPED_BYTES, max(MAX_ZIP_RATIO * archive_bytes, _RATIO_FLOOR))
    out: dict[str, bytes] = {}
    total = 0
    for info in zf.infolist():
        name = info.filename
        if name in out:
            raise InputError(path, f"DOCX has two parts named {name}; refused")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise InputError(path, f"DOCX part {name} uses an unsupported compression method "
                                   f"({info.compress_type}); Word writes only deflate")
        if info.flag_bits & 0x1:
            raise InputError(path, f"DOCX part {name} is encrypted; save the document without a password")
        chunks: list[bytes] = []
        try:
            with zf.open(info) as fh:
                while chunk := fh.read(_UNZIP_CHUNK):
                    total += len(chunk)
                    if total > limit:
                        raise InputError(path, f"DOCX expands beyond {limit:,} bytes (at part {name}); "
                                               "refused as a possible zip bomb")
                    chunks.append(chunk)
        except InputError:
            raise
        except Exception as e:  # noqa: BLE001 - BadZipFile (CRC), zlib.error, EOFError, NotImplementedError, ...
            text = " ".join(str(e).split())[:200] or type(e).__name__
            raise InputError(path, f"not a valid DOCX file: {name}: {text}") from None
        out[name] = b"".join(chunks)
    return out
