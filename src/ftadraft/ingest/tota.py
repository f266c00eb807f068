"""Reader for the ToTA corpus XML (Texts of Trade Agreements, github.com/mappingtreaties/tota).

Keeps every metadata field, every chapter and every article. About 17% of ToTA articles carry no
``name`` attribute and some no ``number``: where the heading is printed at the start of the text
("PreambleCanada and…", "Article 5 Customs Cooperation 1. The Parties…") it is recovered and the
provision flagged ``heading-from-text``; texts whose structure cannot be recovered are kept as
they are, never dropped.
"""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from lxml import etree

from ..errors import InputError
from ..model import Agreement, Extract, ProvisionDraft
from ..normalize import clean_heading
from .guard import parse_xml
from .manifest import load_aliases

LICENCE = "CC BY-NC 4.0"
DATASET = "tota"

_ARTICLE_WORD = r"(?:art[ií]+culo|article|art\.|articolo|artikel)"
# "ARTICLE 14.3", "ARTÍCULO 9-9", "ARTICLE - 9", "ARTICLE G-9", "ARTICLE 9 BIS"
_NUMBER_ATTR = re.compile(rf"^\s*{_ARTICLE_WORD}\s*[-–:]?\s*(?P<num>.+?)\s*$", re.IGNORECASE)
_CHAPTER_ATTR = re.compile(r"^\s*(?:chapter|cap[ií]tulo|chapitre)\s+(?P<num>.+?)\s*$", re.IGNORECASE)
_PREAMBLE = re.compile(r"^\s*(pr[eé][aá]mbu?l[eo])(?=[\s:.A-Z]|$)", re.IGNORECASE)
# "Article 5 Customs Cooperation 1. The Parties" / "Article 5: Customs Cooperation\n"
_INLINE_HEADING = re.compile(
    rf"^\s*{_ARTICLE_WORD}\s*(?P<num>[0-9]+(?:[.\-][0-9]+)*(?:\s*bis)?|[IVXLC]+)\s*[:.\-–—]?\s*(?P<rest>.*)$",
    re.IGNORECASE | re.DOTALL,
)
# Where a recovered inline title ends: a line break, a paragraph number "1." / "(1)", or a sentence start.
_TITLE_END = re.compile(r"\n|\s(?=(?:\d{1,2}\.|\(\d{1,2}\)|\([a-z]\))\s)"
                        r"|\s(?=(?:The|Each|A|An|No|Nothing|For|Where|Subject|With|This|Unless|Neither|Notwithstanding"
                        r"|Los|Las|El|La|Cada|Para)\s)")
_SMALL_WORDS = {"a", "an", "and", "the", "of", "on", "in", "to", "for", "or", "with", "by",
                "de", "del", "la", "el", "y", "en", "et", "des", "du", "le"}


def read(data: bytes, path: Path, *, encoding: str | None = None) -> Extract:
    """Read one ToTA ``pta_N.xml`` file into an :class:`Extract` with full agreement metadata."""
    root = parse_xml(data, path)
    if root.tag != "treaty" or root.find("meta") is None or root.find("body") is None:
        raise InputError(path, f"not a ToTA treaty file (root <{root.tag}>, expected <treaty> with <meta> and <body>)")
    agreement = _agreement(root.find("meta"), path)
    treaty = agreement.source["treaty"]
    drafts: list[ProvisionDraft] = []
    warnings: list[str] = []
    for chapter in root.find("body").iterfind("chapter"):
        ch_number = _chapter_number(chapter.get("number"))
        ch_title = clean_heading(chapter.get("name"))
        for article in chapter.iterfind("article"):
            drafts.append(_provision(article, treaty, ch_number, ch_title))
    if not drafts:
        warnings.append(f"{path}: no articles in <body>")
    return Extract(provisions=tuple(drafts), title=agreement.name, agreement=agreement, warnings=tuple(warnings))


def _text(meta: etree._Element, tag: str) -> str | None:
    value = meta.findtext(tag)
    return value.strip() if value and value.strip() else None


def _date(meta: etree._Element, tag: str, path: Path) -> date | None:
    value = _text(meta, tag)
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputError(path, f"<{tag}> is not a date: {value!r}") from None


def _agreement(meta: etree._Element, path: Path) -> Agreement:
    treaty = _text(meta, "treaty_identifier")
    if not treaty or not treaty.isdigit():
        raise InputError(path, "ToTA <meta> lacks a numeric <treaty_identifier>")
    parties = tuple(p.text.strip().upper() for p in meta.iterfind("parties/partyisocode") if p.text and p.text.strip())
    original = tuple(p.text.strip().upper() for p in meta.iterfind("parties_original/partyisocode")
                     if p.text and p.text.strip())
    urls = [(s.get("type") or "", s.text.strip()) for s in meta.iterfind("source") if s.text and s.text.strip()]
    extra: dict[str, Any] = {
        key: value
        for key in ("notification", "composition", "region", "parties_wto", "crossregional", "wto_rta_id",
                    "related_agreement_wto_id", "date_notification", "end_implementation", "date_inactive")
        if (value := _text(meta, key)) is not None
    }
    if original and original != parties:
        extra["parties_original"] = list(original)
    if urls:
        extra["source_urls"] = [{"type": t, "url": u} for t, u in urls]
    name = _text(meta, "name") or f"ToTA treaty {treaty}"
    aliases = [alias for alias, target in _curated_aliases() if target == treaty]
    if len(parties) == 2:
        aliases.append("-".join(sorted(parties)).lower())
    return Agreement(
        id=f"tota-{treaty}",
        name=name,
        aliases=tuple(aliases),
        parties=parties,
        signed=_date(meta, "date_signed", path),
        in_force=_date(meta, "date_into_force", path),
        type=_text(meta, "type"),
        status=_text(meta, "status"),
        language=_text(meta, "language"),
        source={"dataset": DATASET, "treaty": treaty, "file": path.name},
        licence=LICENCE,
        extra=extra,
    )


@lru_cache(maxsize=1)
def _curated_aliases() -> tuple[tuple[str, str], ...]:
    return tuple(load_aliases(DATASET).items())


def _chapter_number(raw: str | None) -> str | None:
    """'CHAPTER 14' -> '14'; other kinds keep their word ('TITLE III', 'PART I', 'SECTION II')."""
    if not raw or not raw.strip():
        return None
    m = _CHAPTER_ATTR.match(raw)
    return m.group("num") if m else " ".join(raw.split())


def _article_number(raw: str | None) -> str | None:
    """'ARTICLE 14.3' -> '14.3'; 'ARTÍCULO 9-9' -> '9-9'; 'ARTICLE 9 BIS' -> '9 bis'."""
    if not raw or not raw.strip():
        return None
    m = _NUMBER_ATTR.match(raw)
    num = (m.group("num") if m else raw).strip(" .:-–")
    return re.sub(r"\bBIS\b", "bis", num)


def _looks_like_title(text: str) -> bool:
    words = text.split()
    if not 1 <= len(words) <= 10 or not text[:1].isupper() or any(c in text for c in ",;()⊥"):
        return False
    if words[0] in {"The", "Les", "Los", "Las", "El", "La", "Le", "A", "An"} or any(len(w) > 25 for w in words):
        return False
    if words[-1].lower() in _SMALL_WORDS:
        return False
    caps = [w for w in words if w.lower() not in _SMALL_WORDS]
    return bool(caps) and all(w[:1].isupper() or not w[:1].isalpha() for w in caps)


def _provision(article: etree._Element, treaty: str, ch_number: str | None, ch_title: str | None) -> ProvisionDraft:
    text = (article.text or "").strip()
    number = _article_number(article.get("number"))
    title = clean_heading(article.get("name"))
    flags: list[str] = []
    if title is None:
        recovered = _recover_heading(text, number)
        if recovered is not None:
            rec_number, title = recovered
            if number is None and rec_number:
                number = rec_number
            flags.append("heading-from-text")
        elif number is None and ch_title and ch_title.lower() in {"preamble", "conclusion", "preámbulo"}:
            title = ch_title
            flags.append("title-from-chapter")
        elif number is None:
            flags.append("no-structure")
    if not text:
        flags.append("empty")
    return ProvisionDraft(
        text=text,
        number=number,
        title=title,
        chapter_number=ch_number,
        chapter_title=ch_title,
        flags=tuple(flags),
        source={"dataset": DATASET, "treaty": treaty, "article": article.get("article_identifier") or ""},
    )


def _recover_heading(text: str, number: str | None) -> tuple[str | None, str] | None:
    """Find a heading printed at the start of an article's text: (number or None, title)."""
    if not text:
        return None
    m = _PREAMBLE.match(text)
    if m:
        return None, "Preamble"
    m = _INLINE_HEADING.match(text[:400])
    if m:
        rest = m.group("rest").lstrip()
        end = _TITLE_END.search(rest)
        candidate = clean_heading(rest[: end.start()] if end else "")
        if candidate and _looks_like_title(candidate):
            return m.group("num"), candidate
        return None
    first_line, sep, rest = text.partition("\n")
    candidate = clean_heading(first_line)
    following = rest.lstrip()[:1]
    if (sep and number is not None and candidate and len(candidate) <= 90 and _looks_like_title(candidate)
            and (following.isdigit() or following == "(" or following.isupper())):
        return None, candidate
    return None
