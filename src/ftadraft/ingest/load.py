"""Turn one file into a :class:`~ftadraft.model.Document`: detect the format, run its reader,
merge metadata, and give every provision its stable id, order and normalised text."""

from __future__ import annotations

import hashlib
import importlib
import re
from pathlib import Path

from ..errors import InputError
from ..model import Agreement, Chapter, Document, Extract, Provision
from ..normalize import normalize_text
from . import guard
from .metadata import AgreementMeta, read_sidecar, sidecar_for

#: Format name -> reader module (``ftadraft.ingest.<module>``).
FORMATS: dict[str, str] = {
    "tota": "tota",
    "text": "text",
    "markdown": "text",
    "pdf": "pdf",
    "docx": "docx",
    "html": "html",
}
SUFFIXES = {
    ".md": "markdown", ".markdown": "markdown", ".txt": "text", ".text": "text",
    ".pdf": "pdf", ".docx": "docx", ".html": "html", ".htm": "html", ".xhtml": "html", ".xml": "tota",
}
#: Bump when a reader changes what it extracts, so unchanged files are re-read once.
READER_VERSION = "1"


def detect_format(path: Path, data: bytes) -> str:
    """Decide the format from the content first (magic bytes), the file name second."""
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n")
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        return "docx"
    lower = head.lower()
    if lower.startswith((b"<!doctype html", b"<html")) or b"<html" in lower[:1024]:
        return "html"
    if lower.startswith((b"<?xml", b"<treaty")):
        return "tota" if b"<treaty" in data[:4096] else "xml"
    fmt = SUFFIXES.get(path.suffix.lower())
    if fmt == "tota":
        return "xml"
    return fmt or "text"


def ingest_key(sha256: str, fmt: str, meta: AgreementMeta) -> str:
    """Identity of one ingest: same bytes, format, metadata and reader version -> nothing to do."""
    return hashlib.sha256(f"{sha256}|{fmt}|{meta.as_key()}|{READER_VERSION}".encode()).hexdigest()


def read_source(
    path: Path, fmt: str | None = None, meta: AgreementMeta | None = None
) -> tuple[bytes, str, str, AgreementMeta]:
    """Read and check a source file: (bytes, format, sha256, effective metadata incl. sidecar)."""
    data = guard.read_bytes(path)
    if fmt is not None and fmt not in FORMATS:
        raise InputError(path, f"unknown format {fmt!r}; known: {', '.join(sorted(FORMATS))}")
    detected = fmt or detect_format(path, data)
    if detected == "xml":
        raise InputError(path, "XML that is not a ToTA <treaty> file; no reader for this XML")
    sidecar = sidecar_for(path)
    effective = meta or AgreementMeta()
    if sidecar is not None:
        effective = effective.merged_over(read_sidecar(sidecar))
    return data, detected, hashlib.sha256(data).hexdigest(), effective


def read_document(
    path: Path, data: bytes, fmt: str, sha256: str, meta: AgreementMeta, *, encoding: str | None = None
) -> Document:
    """Run the format's reader and build the Document with ids, order and normalised text."""
    reader = importlib.import_module(f"{__package__}.{FORMATS[fmt]}")
    extract: Extract = reader.read(data, path, encoding=encoding)
    _refuse_nul(extract, path)
    agreement = _agreement(extract, meta, path, fmt, sha256)
    provisions: list[Provision] = []
    chapters: dict[tuple[str | None, str | None], Chapter] = {}
    keys: set[str] = set()
    for order, d in enumerate(extract.provisions, start=1):
        ch = (d.chapter_number, d.chapter_title)
        if ch != (None, None) and ch not in chapters:
            chapters[ch] = Chapter(agreement.id, len(chapters) + 1, d.chapter_number, d.chapter_title)
        key = _provision_key(d.source, d.number, d.title, d.chapter_number, order, keys)
        keys.add(key)
        source = dict(d.source) if agreement.source.get("dataset") == "tota" else {
            "file": path.name, "sha256": sha256, **{k: str(v) for k, v in d.source.items()}
        }
        provisions.append(
            Provision(
                id=f"{agreement.id}/{key}", agreement_id=agreement.id, order=order, number=d.number, title=d.title,
                text=d.text, normalized=normalize_text(d.text), chapter_number=d.chapter_number,
                chapter_title=d.chapter_title, section=d.section, footnotes=d.footnotes, source=source,
                flags=d.flags,
            )
        )
    return Document(
        agreement=agreement, chapters=tuple(chapters.values()), provisions=tuple(provisions),
        path=str(path), format=fmt, sha256=sha256, warnings=extract.warnings,
    )


def load_file(path: Path | str, fmt: str | None = None, meta: AgreementMeta | None = None,
              *, encoding: str | None = None) -> Document:
    """Read one agreement file of any supported format (the library entry point)."""
    p = Path(path)
    data, detected, sha, effective = read_source(p, fmt, meta)
    return read_document(p, data, detected, sha, effective, encoding=encoding)


def _refuse_nul(extract: Extract, path: Path) -> None:
    """No reader may hand the index a NUL character (text files are refused when decoded; this holds for
    every format, e.g. a PDF text layer): the file is refused, never stored with it or silently cleaned."""
    for d in extract.provisions:
        fields = (d.text, d.title, d.chapter_title, d.chapter_number, d.number, d.section,
                  *(f.text for f in d.footnotes), *(f.marker for f in d.footnotes))
        if any(f and "\x00" in f for f in fields):
            raise InputError(path, "a NUL character in the extracted text: binary data, not text; refused")
    if extract.title and "\x00" in extract.title:
        raise InputError(path, "a NUL character in the document title: binary data, not text; refused")


_SMALL = {"a", "an", "and", "as", "at", "by", "for", "in", "of", "on", "or", "the", "to", "with", "between"}


def display_title(title: str) -> str:
    """'AGREEMENT ON ELECTRONIC COMMERCE' -> 'Agreement on Electronic Commerce' (all-caps titles only)."""
    if not title.isupper():
        return title
    words = title.lower().split()
    return " ".join(w if (i and w in _SMALL) else w[:1].upper() + w[1:] for i, w in enumerate(words))


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:80] or "agreement"


def _agreement(extract: Extract, meta: AgreementMeta, path: Path, fmt: str, sha256: str) -> Agreement:
    base = extract.agreement
    if base is not None:  # dataset files carry their own metadata; user values still win
        aliases = tuple(dict.fromkeys(base.aliases + meta.aliases))
        return Agreement(
            id=meta.id or base.id, name=meta.name or base.name, aliases=aliases,
            parties=meta.parties or base.parties, signed=meta.signed or base.signed,
            in_force=meta.in_force or base.in_force, type=meta.type or base.type, status=meta.status or base.status,
            language=meta.language or base.language, source={**base.source, "sha256": sha256},
            licence=meta.licence or base.licence, extra=base.extra,
        )
    stem = path.name.split(".")[0]
    source = {"file": path.name, "sha256": sha256, "format": fmt}
    if meta.url:
        source["url"] = meta.url
    return Agreement(
        id=meta.id or _slug(stem), name=meta.name or (display_title(extract.title) if extract.title else stem),
        aliases=meta.aliases,
        parties=meta.parties, signed=meta.signed, in_force=meta.in_force, type=meta.type, status=meta.status,
        language=meta.language or "en", source=source, licence=meta.licence,
    )


def _provision_key(source: object, number: str | None, title: str | None, chapter: str | None,
                   order: int, taken: set[str]) -> str:
    """The id part after ``<agreement>/``: ToTA's article identifier, else the printed number."""
    article = getattr(source, "get", lambda _k: None)("article")
    if article:
        key = str(article)
    elif number:
        key = _slug(number.replace(".", "-")).replace("-", ".") or f"p{order}"
        if key in taken and chapter:
            key = f"{_slug(chapter)}.{key}"
    elif title and title.lower() in {"preamble", "conclusion"}:
        key = title.lower()
    else:
        key = f"p{order}"
    base, n = key, 2
    while key in taken:
        key = f"{base}~{n}"
        n += 1
    return key
