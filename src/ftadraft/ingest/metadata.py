"""Agreement metadata that a file does not carry itself: command-line flags and sidecar files.

A sidecar sits next to the text with the same stem and ``.meta.toml`` or ``.meta.yaml``
(``rcep-2020.pdf`` -> ``rcep-2020.meta.toml``). Flags override the sidecar; the sidecar
overrides what the reader found in the document (e.g. its title).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, fields
from datetime import date
from pathlib import Path
from typing import Any

from ..errors import InputError

SIDECAR_SUFFIXES = (".meta.toml", ".meta.yaml", ".meta.yml")
_MAX_SIDECAR_BYTES = 64 * 1024
_ISO3 = re.compile(r"^[A-Z]{3}$")
_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{0,79}$")


@dataclass(frozen=True)
class AgreementMeta:
    """User-supplied metadata; ``None``/empty means 'not given'."""

    id: str | None = None
    name: str | None = None
    aliases: tuple[str, ...] = ()
    parties: tuple[str, ...] = ()
    signed: date | None = None
    in_force: date | None = None
    type: str | None = None
    status: str | None = None
    language: str | None = None
    licence: str | None = None
    url: str | None = None

    def merged_over(self, base: AgreementMeta) -> AgreementMeta:
        """This metadata with gaps filled from ``base``."""
        values = {}
        for f in fields(self):
            mine = getattr(self, f.name)
            values[f.name] = mine if mine not in (None, ()) else getattr(base, f.name)
        return AgreementMeta(**values)

    def is_empty(self) -> bool:
        return all(getattr(self, f.name) in (None, ()) for f in fields(self))

    def as_key(self) -> str:
        """A stable string of the values (part of the ingest key: other metadata, other result)."""
        return repr(tuple(getattr(self, f.name) for f in fields(self)))


def build_meta(
    *,
    id: str | None = None,
    name: str | None = None,
    aliases: tuple[str, ...] | list[str] = (),
    parties: str | tuple[str, ...] | list[str] | None = None,
    signed: str | date | None = None,
    in_force: str | date | None = None,
    type: str | None = None,
    status: str | None = None,
    language: str | None = None,
    licence: str | None = None,
    url: str | None = None,
    origin: str = "--",
) -> AgreementMeta:
    """Validate raw values (from flags or a sidecar) into :class:`AgreementMeta`.

    ``origin`` names where the values came from, for error messages.
    """
    if isinstance(parties, str):
        parties = [p for p in re.split(r"[,\s]+", parties) if p]
    party_codes = tuple(p.strip().upper() for p in (parties or ()))
    for code in party_codes:
        if not _ISO3.match(code):
            raise InputError(origin, f"party {code!r} is not an ISO 3166-1 alpha-3 code (e.g. USA, GBR, JPN)")
    if id is not None and not _ID.match(id):
        raise InputError(origin, f"id {id!r} must be lower-case letters, digits, '.', '_' or '-' (e.g. rcep-2020)")
    alias_list = tuple(a.strip().lower() for a in aliases if a and a.strip())
    for alias in alias_list:
        if not _ID.match(alias):
            raise InputError(origin, f"alias {alias!r} must be lower-case letters, digits, '.', '_' or '-'")
    return AgreementMeta(
        id=id, name=name.strip() if name else None, aliases=alias_list, parties=party_codes,
        signed=_as_date(signed, "signed", origin), in_force=_as_date(in_force, "in_force", origin),
        type=type, status=status, language=language.lower() if language else None, licence=licence, url=url,
    )


def _as_date(value: str | date | None, key: str, origin: str) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    text = str(value).strip()
    if re.fullmatch(r"\d{4}", text):
        return date(int(text), 1, 1)
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError(origin, f"{key} {text!r} is not a date (YYYY-MM-DD or YYYY)") from None


def sidecar_for(path: Path) -> Path | None:
    """The sidecar metadata file next to ``path``, if there is one."""
    stem = path.name[: -len(path.suffix)] if path.suffix else path.name
    for suffix in SIDECAR_SUFFIXES:
        candidate = path.with_name(stem + suffix)
        if candidate.is_file():
            return candidate
    return None


def is_sidecar(path: Path) -> bool:
    return path.name.lower().endswith(SIDECAR_SUFFIXES)


def read_sidecar(path: Path) -> AgreementMeta:
    """Parse a ``.meta.toml``/``.meta.yaml`` file (safe loaders only, small files only)."""
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise InputError(path, f"cannot read sidecar ({e.strerror})") from None
    if len(raw) > _MAX_SIDECAR_BYTES:
        raise InputError(path, f"sidecar larger than {_MAX_SIDECAR_BYTES:,} bytes")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise InputError(path, f"sidecar is not UTF-8 (byte {e.start})") from None
    data: Any
    if path.name.lower().endswith(".toml"):
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as e:
            raise InputError(path, f"invalid TOML: {e}") from None
    else:
        from ..safe_yaml import load

        data = load(raw, str(path), max_bytes=_MAX_SIDECAR_BYTES, kind="sidecar files")
    if not isinstance(data, dict):
        raise InputError(path, "sidecar must be a mapping of keys to values")
    allowed = {f.name for f in fields(AgreementMeta)}
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise InputError(path, f"unknown key {unknown[0]!r}; allowed: {', '.join(sorted(allowed))}")
    for key in ("aliases", "parties"):
        if key in data and isinstance(data[key], str):
            data[key] = [data[key]] if key == "aliases" else data[key]
    return build_meta(**{k: v for k, v in data.items()}, origin=str(path))


__all__ = ["AgreementMeta", "build_meta", "is_sidecar", "read_sidecar", "sidecar_for"]
