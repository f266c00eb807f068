"""The curated clause library: model clauses for customs, cooperation, IP-enforcement and e-commerce
chapters, written in ftadraft's own words, one YAML file each under ``clauses/<area>/``.

A clause has typed variables (``{{ name }}`` placeholders), optional paragraphs, drafting notes and
precedents that point at corpus provisions *by reference only*. Files are read with the strict reader
of :mod:`ftadraft.safe_yaml` (no tags, anchors, duplicate keys, tab indentation or impossible dates;
size limits) and every error names the file and line. :func:`render` fills placeholders by plain
substitution: no template engine, no attribute access, nothing reaches Python objects.

    >>> lib = load_library()
    >>> print(render(lib.get("e-commerce/customs-duties/standard")))
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import safe_yaml
from ..errors import FtadraftError, ReferenceNotFound
from ..safe_yaml import Map, Seq, YamlError
from ..suggest import close_matches
from ..tags.labels import LABELS

if TYPE_CHECKING:
    from ..corpus import Corpus

__all__ = [
    "AREAS", "CLAUSE_LEVELS", "Clause", "ClauseError", "ClauseLibrary", "ClausePrecedent", "Option",
    "Problem", "Variable", "adapt_text", "clause_text", "cross_references", "defined_terms", "definition_stem",
    "load_library", "placeholders", "read_yaml", "render", "scan_placeholders", "search_library", "terms_used",
    "topic_ids", "unresolved_reference", "validate",
]

AREAS = ("clearance", "cooperation", "ip-enforcement", "e-commerce", "general")
#: A clause's ambition level, least to most ambitious (not the obligation labels of ``tags.labels``, nor the
#: coverage cells of ``research.views.CELL_LEVELS``).
CLAUSE_LEVELS = ("soft", "standard", "ambitious")
VARIABLE_TYPES = ("party", "number", "choice", "text")
GENERAL_TOPICS = ("general/definitions", "general/scope")

#: Used when ``ftadraft.tags.topics`` offers no taxonomy (kept in step with taxonomy.toml).
FALLBACK_TOPICS = (
    "clearance/publication", "clearance/enquiry-points", "clearance/advance-rulings", "clearance/review-appeal",
    "clearance/release-of-goods", "clearance/automation", "clearance/paperless-trading", "clearance/single-window",
    "clearance/risk-management", "clearance/post-clearance-audit", "clearance/express-shipments",
    "clearance/authorized-operators", "clearance/valuation", "clearance/penalties", "clearance/temporary-admission",
    "clearance/transit", "clearance/fees-charges",
    "cooperation/customs-cooperation", "cooperation/mutual-assistance", "cooperation/information-exchange",
    "cooperation/confidentiality",
    "ip-enforcement/general-obligations", "ip-enforcement/civil-remedies", "ip-enforcement/provisional-measures",
    "ip-enforcement/border-measures", "ip-enforcement/criminal-enforcement", "ip-enforcement/online-intermediaries",
    "ip-enforcement/technological-measures", "ip-enforcement/rights-management-information",
    "ip-enforcement/domain-names",
    "e-commerce/customs-duties", "e-commerce/digital-products", "e-commerce/transactions-framework",
    "e-commerce/e-authentication", "e-commerce/e-contracts", "e-commerce/e-invoicing", "e-commerce/e-payments",
    "e-commerce/consumer-protection", "e-commerce/personal-information", "e-commerce/spam", "e-commerce/data-flows",
    "e-commerce/computing-facilities", "e-commerce/source-code", "e-commerce/open-government-data",
    "e-commerce/internet-access", "e-commerce/cybersecurity", "e-commerce/cooperation",
)

# Limits: a clause file is a page of text, not a data dump.
MAX_FILE_BYTES = 64 * 1024
MAX_FILES = 2000
MAX_DEPTH = 6
MAX_TEXT_CHARS = 20_000
MAX_VALUE_CHARS = 500
MAX_ITEMS = 50

_REQUIRED = ("id", "title", "topic", "level", "obligation", "notes", "since", "source")
_OPTIONAL = ("text", "text_from", "variables", "options", "precedents")
_VARIABLE_KEYS = {"type", "default", "unit", "min", "max", "values", "description"}
_OPTION_KEYS = {"id", "text", "default"}
_PRECEDENT_KEYS = {"ref", "comment"}

_NAME = re.compile(r"[a-z][a-z0-9_]{0,39}")
_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_PLACEHOLDER = re.compile(r"\{\{(.{0,80}?)\}\}", re.DOTALL)
#: A cross-reference placeholder's content: ``{{ article:cooperation/information-exchange }}``.
_XREF = re.compile(r"article:([a-z0-9]+(?:-[a-z0-9]+)*/[a-z0-9]+(?:-[a-z0-9]+)*)")
_TEMPLATE_SYNTAX = re.compile(r"\{\{|\}\}|\{%|%\}|\{#|#\}")
_NUMBERED = re.compile(r"^(\d{1,3})\.\s")


class ClauseError(YamlError):
    """A clause file (or a value for it) that cannot be used: ``FILE:LINE: problem``."""


@dataclass(frozen=True)
class Problem:
    """One finding of :func:`validate`; ``str()`` is ``FILE:LINE: message``."""

    severity: str  # "error" or "warning"
    path: str
    line: int
    message: str
    clause_id: str | None = None

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"

    @property
    def is_error(self) -> bool:
        return self.severity == "error"


@dataclass(frozen=True)
class Variable:
    """A typed ``{{ name }}`` placeholder with its default (and range, unit or allowed values)."""

    name: str
    type: str  # party | number | choice | text
    default: Any
    unit: str | None = None
    min: float | None = None
    max: float | None = None
    values: tuple[str, ...] = ()
    description: str = ""
    line: int = 0

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "type": self.type, "default": self.default}
        if self.type == "number":
            out.update(unit=self.unit, min=self.min, max=self.max)
        if self.type == "choice":
            out["values"] = list(self.values)
        if self.description:
            out["description"] = self.description
        return out


@dataclass(frozen=True)
class Option:
    """An optional paragraph, appended after the text when switched on."""

    id: str
    text: str
    default: bool = False
    line: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "text": self.text, "default": self.default}


@dataclass(frozen=True)
class ClausePrecedent:
    """A corpus provision the clause draws on, by reference (``tota-449:14.3``), never its text."""

    ref: str
    comment: str = ""
    line: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"ref": self.ref, "comment": self.comment}


@dataclass(frozen=True)
class Clause:
    """One model clause of the library (see the module docstring)."""

    id: str
    title: str
    topic: str
    level: str
    obligation: str
    text: str | None
    variables: tuple[Variable, ...]
    options: tuple[Option, ...]
    notes: str
    precedents: tuple[ClausePrecedent, ...]
    since: int
    source: str
    text_from: str | None = None
    path: str = ""  # as shown in messages: clauses/<area>/<file>.yaml
    lines: Mapping[str, int] = field(default_factory=dict, compare=False, hash=False, repr=False)
    literal: frozenset[str] = field(default_factory=frozenset, compare=False, hash=False, repr=False)

    @property
    def area(self) -> str:
        return self.topic.split("/", 1)[0]

    @property
    def level_rank(self) -> int:
        return CLAUSE_LEVELS.index(self.level) if self.level in CLAUSE_LEVELS else -1

    def variable(self, name: str) -> Variable | None:
        return next((v for v in self.variables if v.name == name), None)

    def line_of(self, key: str) -> int:
        """The line where a top-level field starts (1 if unknown)."""
        return self.lines.get(key, 1)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "title": self.title, "topic": self.topic, "level": self.level,
            "obligation": self.obligation, "text": self.text, "text_from": self.text_from,
            "variables": [v.to_dict() for v in self.variables], "options": [o.to_dict() for o in self.options],
            "notes": self.notes, "precedents": [p.to_dict() for p in self.precedents], "since": self.since,
            "source": self.source, "path": self.path,
        }


@dataclass(frozen=True)
class ClauseLibrary:
    """The clauses of one library folder, in file order."""

    root: str
    clauses: tuple[Clause, ...]

    def __iter__(self) -> Iterator[Clause]:
        return iter(self.clauses)

    def __len__(self) -> int:
        return len(self.clauses)

    def get(self, clause_id: str) -> Clause:
        """The clause with this id; an unknown id raises :class:`~ftadraft.errors.ReferenceNotFound` with the
        close ids."""
        for c in self.clauses:
            if c.id == clause_id:
                return c
        raise ReferenceNotFound(clause_id, "no such clause", close_matches(clause_id, [c.id for c in self.clauses]))

    def select(self, topic: str | None = None, level: str | None = None) -> list[Clause]:
        """Clauses of a topic (or a whole area: ``clearance``) and/or a level."""
        out = []
        for c in self.clauses:
            if topic and not (c.topic == topic or c.area == topic.rstrip("/")):
                continue
            if level and c.level != level:
                continue
            out.append(c)
        return out


# -- taxonomy ------------------------------------------------------------------------------------
def topic_ids() -> tuple[str, ...]:
    """Topic slugs a clause may use: the shipped taxonomy plus ``general/definitions`` and ``general/scope``."""
    ids: list[str] = []
    try:
        from ..tags import topics

        if hasattr(topics, "taxonomy"):
            ids = [t.id for t in topics.taxonomy()]
    except (ImportError, FtadraftError, OSError):  # pragma: no cover - taxonomy unavailable
        ids = []
    return tuple(ids or FALLBACK_TOPICS) + GENERAL_TOPICS


# -- reading -------------------------------------------------------------------------------------
def read_yaml(data: bytes, where: str) -> Any:
    """Parse one clause file with the strict reader of :mod:`ftadraft.safe_yaml` and the clause limits
    (:data:`MAX_FILE_BYTES`, :data:`MAX_DEPTH`, :data:`MAX_ITEMS`); problems raise :class:`ClauseError`."""
    try:
        return safe_yaml.load(data, where, max_bytes=MAX_FILE_BYTES, max_depth=MAX_DEPTH, max_items=MAX_ITEMS,
                              kind="clause files")
    except safe_yaml.YamlError as exc:
        raise ClauseError(exc.path, exc.line, exc.problem) from None


def default_library_path() -> Traversable:
    """The shipped library: ``ftadraft/_clauses`` in a wheel, else the checkout's ``clauses/``."""
    try:
        packaged = resources.files("ftadraft") / "_clauses"
        if packaged.is_dir():
            return packaged
    except (ModuleNotFoundError, TypeError, OSError):  # pragma: no cover - unusual loaders
        pass
    root = Path(__file__).resolve().parents[3]
    if (root / "pyproject.toml").is_file() and (root / "clauses").is_dir():
        return root / "clauses"
    raise FtadraftError("no clause library found (expected ftadraft/_clauses or the checkout's clauses/ folder)")


def _walk(folder: Traversable, rel: str = "", depth: int = 0) -> Iterator[tuple[str, Traversable]]:
    if depth > 3:
        return
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.startswith((".", "_")):
            continue
        name = f"{rel}{entry.name}"
        if entry.is_dir():
            yield from _walk(entry, name + "/", depth + 1)
        elif entry.is_file() and entry.name.endswith((".yaml", ".yml")):
            yield name, entry


def load_library(path: Path | str | Traversable | None = None, *,
                 problems: list[Problem] | None = None) -> ClauseLibrary:
    """Read every ``*.yaml`` clause under ``path`` (default: the shipped library).

    The first unreadable file raises :class:`ClauseError` (``FILE:LINE: problem``). Pass a
    ``problems`` list to collect such errors instead and skip the files concerned.
    """
    root: Traversable = (default_library_path() if path is None
                         else Path(path) if isinstance(path, str | Path) else path)
    if not root.is_dir():
        raise FtadraftError(f"{root}: not a folder of clause files")
    label = "clauses" if root.name in ("", "_clauses") else root.name
    clauses: list[Clause] = []
    files = list(_walk(root))
    if len(files) > MAX_FILES:
        raise FtadraftError(f"{root}: {len(files)} clause files; the limit is {MAX_FILES}")
    for rel, entry in files:
        where = f"{label}/{rel}"
        try:
            clauses.append(_parse_clause(read_yaml(entry.read_bytes(), where), where))
        except ClauseError as exc:
            if problems is None:
                raise
            problems.append(Problem("error", exc.path, exc.line, exc.problem))
        except OSError as exc:
            if problems is None:
                raise ClauseError(where, 1, f"cannot be read ({exc.strerror or exc})") from None
            problems.append(Problem("error", where, 1, f"cannot be read ({exc.strerror or exc})"))
    return ClauseLibrary(root=str(root), clauses=tuple(clauses))


def _parse_clause(data: Any, where: str) -> Clause:
    """Typed clause from parsed YAML; structural problems raise ``ClauseError`` at their line."""
    if not isinstance(data, Map):
        raise ClauseError(where, getattr(data, "line", 1), "a clause file must be a mapping of fields")
    lines = data.lines
    unknown = [k for k in data if k not in _REQUIRED and k not in _OPTIONAL]
    if unknown:
        raise ClauseError(where, lines[unknown[0]], f"unknown field {unknown[0]!r}; fields are "
                                                    + ", ".join(_REQUIRED + _OPTIONAL))
    missing = [k for k in _REQUIRED if k not in data]
    if missing:
        raise ClauseError(where, data.line, f"missing field {missing[0]!r}")
    if ("text" in data) == ("text_from" in data):
        raise ClauseError(where, data.line, "give either 'text' or 'text_from' (a precedent reference), not both")

    def text(key: str, *, value: Any = None, line: int | None = None, limit: int = MAX_TEXT_CHARS) -> str:
        v = data[key] if value is None else value
        at = lines.get(key, data.line) if line is None else line
        if not isinstance(v, str) or not v.strip():
            raise ClauseError(where, at, f"{key!r} must be non-empty text")
        if len(v) > limit:
            raise ClauseError(where, at, f"{key!r} is {len(v):,} characters; the limit is {limit:,}")
        return v.strip()

    if isinstance(data.get("text"), str) and "text" in data.literal:
        lead = len(data["text"]) - len(data["text"].lstrip("\n"))
        lines["text"] += lead  # keep line numbers exact for placeholders in the block
        data["text"] = data["text"][lead:].rstrip()
    since = data["since"]
    if isinstance(since, bool) or not isinstance(since, int):
        raise ClauseError(where, lines["since"], "'since' must be a year (e.g. 2004)")
    return Clause(
        id=text("id", limit=120), title=text("title", limit=200), topic=text("topic", limit=80),
        level=text("level", limit=20), obligation=text("obligation", limit=20),
        text=text("text") if "text" in data else None,
        text_from=text("text_from", limit=120) if "text_from" in data else None,
        variables=_parse_variables(data.get("variables"), lines.get("variables", data.line), where),
        options=_parse_options(data.get("options"), lines.get("options", data.line), where),
        notes=text("notes"), precedents=_parse_precedents(data.get("precedents"), lines.get("precedents", 1), where),
        since=since, source=text("source", limit=500), path=where, lines=dict(lines), literal=frozenset(data.literal),
    )


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


def _parse_variables(raw: Any, line: int, where: str) -> tuple[Variable, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, Map):
        raise ClauseError(where, line, "'variables' must map each variable name to its definition")
    out = []
    for name, spec in raw.items():
        at = raw.lines[name]
        if not isinstance(spec, Map):
            raise ClauseError(where, at, f"variable {name!r}: give its type and default")
        extra = sorted(set(spec) - _VARIABLE_KEYS)
        if extra:
            raise ClauseError(where, spec.lines[extra[0]], f"variable {name!r}: unknown key {extra[0]!r}")
        vtype = spec.get("type")
        if vtype not in VARIABLE_TYPES:
            raise ClauseError(where, spec.lines.get("type", at),
                              f"variable {name!r}: type must be one of {', '.join(VARIABLE_TYPES)}")
        if "default" not in spec:
            raise ClauseError(where, at, f"variable {name!r}: missing default")
        default = spec["default"]
        values: tuple[str, ...] = ()
        unit = spec.get("unit")
        lo, hi = spec.get("min"), spec.get("max")
        if vtype == "number":
            for key, v in (("default", default), ("min", lo), ("max", hi)):
                if v is not None and not _is_number(v):
                    raise ClauseError(where, spec.lines.get(key, at), f"variable {name!r}: {key} must be a number")
            if not isinstance(unit, str) or not unit.strip():
                raise ClauseError(where, spec.lines.get("unit", at),
                                  f"variable {name!r}: a number needs a unit (days, hours, USD...)")
        elif any(k in spec for k in ("unit", "min", "max")):
            key = next(k for k in ("unit", "min", "max") if k in spec)
            raise ClauseError(where, spec.lines[key], f"variable {name!r}: {key!r} applies to numbers only")
        if vtype == "choice":
            raw_values = spec.get("values")
            if not isinstance(raw_values, list) or not raw_values or not all(isinstance(v, str) for v in raw_values):
                raise ClauseError(where, spec.lines.get("values", at),
                                  f"variable {name!r}: a choice needs a list of text values")
            values = tuple(raw_values)
        elif "values" in spec:
            raise ClauseError(where, spec.lines["values"], f"variable {name!r}: 'values' applies to choices only")
        if vtype in ("choice", "text", "party") and not isinstance(default, str):
            raise ClauseError(where, spec.lines["default"], f"variable {name!r}: default must be text")
        description = spec.get("description", "")
        if not isinstance(description, str):
            raise ClauseError(where, spec.lines["description"], f"variable {name!r}: description must be text")
        out.append(Variable(name=str(name), type=vtype, default=default, unit=unit, min=lo, max=hi, values=values,
                            description=description.strip(), line=at))
    return tuple(out)


def _parse_options(raw: Any, line: int, where: str) -> tuple[Option, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, Seq):
        raise ClauseError(where, line, "'options' must be a list of {id, text, default}")
    out = []
    for item, at in zip(raw, raw.lines, strict=False):
        if not isinstance(item, Map) or not {"id", "text"} <= set(item) or set(item) - _OPTION_KEYS:
            raise ClauseError(where, at, "each option needs exactly id, text and (optionally) default")
        default = item.get("default", False)
        if not isinstance(default, bool):
            raise ClauseError(where, item.lines["default"], "option default must be on or off (true/false)")
        if not isinstance(item["id"], str) or not isinstance(item["text"], str) or not item["text"].strip():
            raise ClauseError(where, at, "option id and text must be text")
        out.append(Option(id=item["id"], text=item["text"].strip(), default=default, line=item.lines["text"]))
    return tuple(out)


def _parse_precedents(raw: Any, line: int, where: str) -> tuple[ClausePrecedent, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, Seq):
        raise ClauseError(where, line, "'precedents' must be a list of {ref, comment}")
    out = []
    for item, at in zip(raw, raw.lines, strict=False):
        if not isinstance(item, Map) or "ref" not in item or set(item) - _PRECEDENT_KEYS:
            raise ClauseError(where, at, "each precedent needs ref (e.g. tota-449:14.3) and an optional comment")
        ref, comment = item["ref"], item.get("comment", "")
        if not isinstance(ref, str) or not ref.strip() or not isinstance(comment, str):
            raise ClauseError(where, at, "precedent ref and comment must be text")
        out.append(ClausePrecedent(ref=ref.strip(), comment=" ".join(comment.split()), line=at))
    return tuple(out)


# -- placeholders and rendering -----------------------------------------------------------------
def scan_placeholders(text: str) -> tuple[list[tuple[str, int]], list[tuple[str, int]]]:
    """``([(name, offset)], [(problem, offset)])``: the ``{{ name }}`` placeholders of ``text`` and
    anything template-like that is not one (``{{ __class__ }}``, ``{{ a.b }}``, ``{%``, stray braces)."""
    found: list[tuple[str, int]] = []
    problems: list[tuple[str, int]] = []
    for m in _PLACEHOLDER.finditer(text):
        name = m.group(1).strip()
        if _NAME.fullmatch(name):
            found.append((name, m.start()))
        elif not _XREF.fullmatch(name):  # cross-references: see cross_references()
            problem = (f"invalid placeholder {m.group(0)!r}: only {{{{ name }}}} with a lower-case name (letters, "
                       "digits, _) or a cross-reference {{ article:<topic> }}")
            problems.append((problem + " is allowed", m.start()))
    rest = _PLACEHOLDER.sub("", text)
    stray = _TEMPLATE_SYNTAX.search(rest)  # one report is enough: "{% x %}" would otherwise give two
    if stray:
        problems.append((f"stray template syntax {stray.group(0)!r}: only {{{{ name }}}} placeholders are allowed",
                         _offset_in(text, rest, stray.start())))
    return found, sorted(problems, key=lambda p: p[1])


def cross_references(text: str) -> list[tuple[str, int]]:
    """``(topic, offset)`` of every cross-reference ``{{ article:<topic> }}`` in ``text``: a reference to the
    article of the draft that has that topic, filled at assembly with its number and title ("Article 1.5
    (Exchange of Information)")."""
    out = []
    for m in _PLACEHOLDER.finditer(text):
        x = _XREF.fullmatch(m.group(1).strip())
        if x:
            out.append((x.group(1), m.start()))
    return out


#: Article titles as treaties write them, by topic ("Article 19.3: Customs Duties"); other topics use their
#: taxonomy name in title case.
ARTICLE_TITLES = {
    "general/definitions": "Definitions", "general/scope": "Scope",
    "clearance/publication": "Publication", "clearance/enquiry-points": "Enquiry Points",
    "clearance/advance-rulings": "Advance Rulings", "clearance/review-appeal": "Review and Appeal",
    "clearance/release-of-goods": "Release of Goods", "clearance/automation": "Automation",
    "clearance/paperless-trading": "Paperless Trading", "clearance/single-window": "Single Window",
    "clearance/risk-management": "Risk Management", "clearance/post-clearance-audit": "Post-Clearance Audit",
    "clearance/express-shipments": "Express Shipments", "clearance/authorized-operators": "Authorized Operators",
    "clearance/valuation": "Customs Valuation", "clearance/penalties": "Penalties",
    "clearance/temporary-admission": "Temporary Admission of Goods", "clearance/transit": "Goods in Transit",
    "clearance/fees-charges": "Fees and Charges",
    "cooperation/customs-cooperation": "Customs Cooperation",
    "cooperation/mutual-assistance": "Mutual Administrative Assistance",
    "cooperation/information-exchange": "Exchange of Information", "cooperation/confidentiality": "Confidentiality",
    "ip-enforcement/general-obligations": "General Obligations",
    "ip-enforcement/civil-remedies": "Civil and Administrative Procedures and Remedies",
    "ip-enforcement/provisional-measures": "Provisional Measures", "ip-enforcement/border-measures": "Border Measures",
    "ip-enforcement/criminal-enforcement": "Criminal Procedures and Penalties",
    "ip-enforcement/online-intermediaries": "Online Intermediaries",
    "ip-enforcement/technological-measures": "Technological Protection Measures",
    "ip-enforcement/rights-management-information": "Rights Management Information",
    "ip-enforcement/domain-names": "Domain Names",
    "e-commerce/customs-duties": "Customs Duties",
    "e-commerce/digital-products": "Non-Discriminatory Treatment of Digital Products",
    "e-commerce/transactions-framework": "Domestic Electronic Transactions Framework",
    "e-commerce/e-authentication": "Electronic Authentication and Electronic Signatures",
    "e-commerce/e-contracts": "Electronic Contracts", "e-commerce/e-invoicing": "Electronic Invoicing",
    "e-commerce/e-payments": "Electronic Payments", "e-commerce/consumer-protection": "Online Consumer Protection",
    "e-commerce/personal-information": "Personal Information Protection",
    "e-commerce/spam": "Unsolicited Commercial Electronic Messages",
    "e-commerce/data-flows": "Cross-Border Transfer of Information by Electronic Means",
    "e-commerce/computing-facilities": "Location of Computing Facilities", "e-commerce/source-code": "Source Code",
    "e-commerce/open-government-data": "Open Government Data",
    "e-commerce/internet-access": "Access to and Use of the Internet for Electronic Commerce",
    "e-commerce/cybersecurity": "Cybersecurity", "e-commerce/cooperation": "Cooperation",
}
_SMALL_WORDS = frozenset("a an and as at by for in of on or the to with".split())


def article_title(topic: str) -> str:
    """The title an article on ``topic`` gets by default: :data:`ARTICLE_TITLES`, else the taxonomy name
    in title case, else the topic's last part."""
    if topic in ARTICLE_TITLES:
        return ARTICLE_TITLES[topic]
    name = None
    try:
        from ..tags.topics import taxonomy

        name = next((t.name for t in taxonomy() if t.id == topic), None)
    except (ImportError, FtadraftError, OSError):  # pragma: no cover - taxonomy unavailable
        pass
    words = (name or topic.rsplit("/", 1)[-1].replace("-", " ")).split()
    return " ".join(w if k and w in _SMALL_WORDS else w[:1].upper() + w[1:] for k, w in enumerate(words))


def unresolved_reference(topic: str) -> str:
    """How a cross-reference reads before assembly numbers the draft: "[Article X.Y] (Exchange of
    Information)"."""
    return f"[Article X.Y] ({article_title(topic)})"


def placeholders(text: str) -> list[tuple[str, int]]:
    """``(name, offset)`` of every ``{{ name }}`` in ``text``; ``ValueError(problem, offset)`` for
    anything else template-like."""
    found, problems = scan_placeholders(text)
    if problems:
        raise ValueError(*problems[0])
    return found


def _offset_in(text: str, rest: str, pos: int) -> int:
    """Offset in ``text`` of the ``pos``-th character of ``rest`` (text with placeholders removed)."""
    shift = 0
    for m in _PLACEHOLDER.finditer(text):
        if m.start() - shift > pos:
            break
        shift += m.end() - m.start()
    return pos + shift


def _line_at(clause: Clause, key: str, base_line: int, text: str, offset: int) -> int:
    return base_line + text.count("\n", 0, offset) if key in clause.literal else base_line


def _format_number(v: float) -> str:
    if float(v).is_integer():
        n = int(v)
        return f"{n:,}" if abs(n) >= 10_000 else str(n)
    return f"{v:g}"


def _check_value(clause: Clause, var: Variable, value: object) -> str:
    """The text a value renders as; out-of-range or ill-typed values raise, naming the variable."""

    def fail(problem: str) -> ClauseError:
        return ClauseError(clause.path, var.line, f"{clause.id}: variable {var.name!r}: {problem}")

    if var.type == "number":
        number: float
        if isinstance(value, str):
            try:
                number = int(value.strip().replace(",", "").replace("_", ""))
            except ValueError:
                try:
                    number = float(value.strip())
                except ValueError:
                    raise fail(f"{value!r} is not a number") from None
        elif _is_number(value):
            number = value  # type: ignore[assignment]
        else:
            raise fail(f"{value!r} is not a number")
        if not math.isfinite(number):
            raise fail(f"{value!r} is not a finite number")
        if var.min is not None and number < var.min:
            raise fail(f"{_format_number(number)} {var.unit} is below the minimum {_format_number(var.min)}")
        if var.max is not None and number > var.max:
            raise fail(f"{_format_number(number)} {var.unit} is above the maximum {_format_number(var.max)}")
        return _format_number(number)
    if not isinstance(value, str):
        raise fail(f"{value!r} must be text")
    value = " ".join(value.split())
    if var.type == "choice":
        if value not in var.values:
            raise fail(f"{value!r} is not one of: " + "; ".join(var.values))
        return value
    if not value:
        raise fail("empty value")
    if len(value) > MAX_VALUE_CHARS:
        raise fail(f"value longer than {MAX_VALUE_CHARS} characters")
    if _TEMPLATE_SYNTAX.search(value):
        raise fail("values may not contain template syntax ({{, }}, {%, {#)")
    return value


def render(
    clause: Clause,
    values: Mapping[str, object] = {},  # read only
    options: Mapping[str, bool] = {},  # read only
    *,
    corpus: Corpus | None = None,
    refs: Mapping[str, str] | None = None,
) -> str:
    """The clause text with ``{{ name }}`` filled (defaults unless ``values`` says otherwise) and the
    optional paragraphs that are switched on (``options``, else their default) appended. In a definitions
    clause, optional definitions are sorted into the list and the list's punctuation follows ("; and" on
    the last but one entry).

    Cross-references ``{{ article:<topic> }}`` take their text from ``refs`` (topic → "Article 1.5
    (Exchange of Information)", made by the assembly); without ``refs`` they read as
    :func:`unresolved_reference`. ``text_from`` clauses need ``corpus`` to take the precedent's text.
    Unknown variables, options or reference targets, bad values and invalid placeholders raise
    :class:`ClauseError` naming file, line and variable.
    """
    declared = {v.name: v for v in clause.variables}
    for name in values:
        if name not in declared:
            known = ", ".join(declared) or "none"
            raise ClauseError(clause.path, clause.line_of("variables"),
                              f"{clause.id}: no variable {name!r} (variables: {known})")
    option_ids = {o.id for o in clause.options}
    for oid, on in options.items():
        if oid not in option_ids:
            known = ", ".join(option_ids) or "none"
            raise ClauseError(clause.path, clause.line_of("options"),
                              f"{clause.id}: no option {oid!r} (options: {known})")
        if not isinstance(on, bool):
            raise ClauseError(clause.path, clause.line_of("options"), f"{clause.id}: option {oid!r} must be on or off")
    filled = {name: _check_value(clause, var, values.get(name, var.default)) for name, var in declared.items()}
    base = clause_text(clause, corpus)
    key = "text" if clause.text is not None else "text_from"
    parts = [(base, key, clause.line_of(key))]
    number = _last_paragraph_number(base)
    for opt in clause.options:
        if options.get(opt.id, opt.default):
            body = opt.text
            if number is not None:
                number += 1
                body = f"{number}. {body}"
            parts.append((body, f"option {opt.id}", opt.line))
    out = []
    for body, key, line in parts:
        def fill(m: re.Match[str], body: str = body, key: str = key, line: int = line) -> str:
            name = m.group(1).strip()
            at = _line_at(clause, "text", line, body, m.start()) if key == "text" else line
            xref = _XREF.fullmatch(name)
            if xref:
                topic = xref.group(1)
                if refs is None:
                    return unresolved_reference(topic)
                if topic not in refs:
                    raise ClauseError(clause.path, at, f"{clause.id}: cross-reference to {topic}: the draft has no "
                                                       "article on that topic")
                return refs[topic]
            if name not in filled:
                raise ClauseError(clause.path, at, f"{clause.id}: placeholder {{{{ {name} }}}} has no variable")
            return filled[name]

        try:
            placeholders(body)
        except ValueError as exc:
            problem, offset = exc.args
            at = _line_at(clause, "text", line, body, offset) if key == "text" else line
            raise ClauseError(clause.path, at, f"{clause.id}: {problem}") from None
        out.append(_PLACEHOLDER.sub(fill, body))
    if clause.topic == "general/definitions":
        out = sort_definitions([p for body in out for p in re.split(r"\n\s*\n", body.strip()) if p.strip()])
    return "\n\n".join(out)


def _last_paragraph_number(text: str) -> int | None:
    """The number of the last numbered top-level paragraph ("3. ..."), if the text is numbered."""
    numbers = [int(m.group(1)) for p in re.split(r"\n\s*\n", text) if (m := _NUMBERED.match(p.strip()))]
    return numbers[-1] if numbers else None


# -- definitions and defined terms --------------------------------------------------------------
#: A definitions entry: ``"term" means …`` (straight or curly quotes; "includes" for inclusive ones).
DEFINITION = re.compile(r'^["\u201c]([^"\u201d\n]{1,80})["\u201d]\s+(?:means|includes)\b')
_ENDING = re.compile(r"(?:;\s*(?:and|or)|[;.,])\s*$")


def defined_terms(text: str) -> list[str]:
    """The terms ``text`` defines, in order: the ``"term" means …`` entries of a definitions article."""
    return [m.group(1).strip() for p in re.split(r"\n\s*\n", text)
            if (m := DEFINITION.match(p.strip()))]


def sort_definitions(paragraphs: Sequence[str]) -> list[str]:
    """A definitions article's paragraphs with its entries in alphabetical order (by term, ignoring case)
    and punctuated as a list: ";" after each entry, "; and" after the last but one, "." after the last.
    Paragraphs before the first entry (the lead-in) stay first, other paragraphs follow the list."""
    entries = [p for p in paragraphs if DEFINITION.match(p.strip())]
    if not entries:
        return list(paragraphs)
    first = next(k for k, p in enumerate(paragraphs) if DEFINITION.match(p.strip()))
    lead = list(paragraphs[:first])
    rest = [p for p in paragraphs[first:] if not DEFINITION.match(p.strip())]
    entries.sort(key=lambda p: _term_key(DEFINITION.match(p.strip()).group(1)))  # type: ignore[union-attr]
    out = []
    for k, entry in enumerate(entries):
        end = "." if k == len(entries) - 1 else "; and" if k == len(entries) - 2 else ";"
        lines = entry.rstrip().split("\n")
        lines[-1] = _ENDING.sub("", lines[-1].rstrip()) + end
        out.append("\n".join(lines))
    return lead + out + rest


def _term_key(term: str) -> str:
    return term.casefold().strip()


def terms_used(text: str, terms: Sequence[str]) -> list[str]:
    """Which of ``terms`` occur in ``text`` as words (any case, singular or plural), in ``terms`` order."""
    out = []
    for term in terms:
        *head, last = term.split()
        forms = {last, last + "s", last + "es"}
        if last.endswith("ies"):
            forms.add(last[:-3] + "y")
        elif last.endswith("y"):
            forms.add(last[:-1] + "ies")
        elif last.endswith("s"):
            forms.add(last[:-1])
        words = r"\s+".join([re.escape(w) for w in head] + ["(?:" + "|".join(sorted(map(re.escape, forms))) + ")"])
        if re.search(rf"(?<![\w-]){words}(?![\w-])", text, re.IGNORECASE):
            out.append(term)
    return out


#: The folder stem of the definitions and scope clauses each area uses (``general/definitions/<stem>-…``).
DEFINITION_STEMS = {"clearance": "customs", "cooperation": "customs", "ip-enforcement": "ip-enforcement",
                    "e-commerce": "e-commerce"}


def definition_stem(area: str) -> str | None:
    return DEFINITION_STEMS.get(area)


# -- text taken from a precedent ----------------------------------------------------------------
#: Name forms of frequent parties by code, formal first (longest first when replacing); "the Parties" and
#: "each Party" are untouched.
PARTY_NAMES: dict[str, tuple[str, ...]] = {
    "USA": ("the United States of America", "the United States", "United States"),
    "KOR": ("the Republic of Korea", "Korea"), "JPN": ("Japan",), "CHN": ("the People's Republic of China", "China"),
    "AUS": ("Australia",), "NZL": ("New Zealand",), "CAN": ("Canada",),
    "MEX": ("the United Mexican States", "Mexico"), "CHL": ("the Republic of Chile", "Chile"),
    "PER": ("the Republic of Peru", "Peru"), "SGP": ("the Republic of Singapore", "Singapore"), "MYS": ("Malaysia",),
    "VNM": ("Viet Nam", "Vietnam"), "BRN": ("Brunei Darussalam",), "THA": ("the Kingdom of Thailand", "Thailand"),
    "IDN": ("the Republic of Indonesia", "Indonesia"), "PHL": ("the Republic of the Philippines", "the Philippines"),
    "IND": ("the Republic of India", "India"), "PAK": ("Pakistan",), "LKA": ("Sri Lanka",),
    "TWN": ("Chinese Taipei",), "HKG": ("Hong Kong, China",), "MAC": ("Macao, China",), "MNG": ("Mongolia",),
    "LAO": ("Lao PDR",), "COL": ("the Republic of Colombia", "Colombia"), "PAN": ("the Republic of Panama", "Panama"),
    "CRI": ("the Republic of Costa Rica", "Costa Rica"), "GTM": ("Guatemala",), "HND": ("Honduras",),
    "SLV": ("El Salvador",), "NIC": ("Nicaragua",), "DOM": ("the Dominican Republic",), "URY": ("Uruguay",),
    "CUB": ("Cuba",), "JOR": ("the Hashemite Kingdom of Jordan", "Jordan"),
    "MAR": ("the Kingdom of Morocco", "Morocco"), "BHR": ("the Kingdom of Bahrain", "Bahrain"),
    "OMN": ("the Sultanate of Oman", "Oman"), "ISR": ("the State of Israel", "Israel"), "EGY": ("Egypt",),
    "TUN": ("Tunisia",), "TUR": ("the Republic of Turkey", "Turkey"),
    "CHE": ("the Swiss Confederation", "Switzerland"), "ISL": ("Iceland",),
    "NOR": ("the Kingdom of Norway", "Norway"), "UKR": ("Ukraine",), "GEO": ("Georgia",),
    "MDA": ("the Republic of Moldova", "Moldova"), "RUS": ("the Russian Federation",),
    "KAZ": ("the Republic of Kazakhstan", "Kazakhstan"), "ARM": ("the Republic of Armenia", "Armenia"),
    "BLR": ("the Republic of Belarus", "Belarus"), "KGZ": ("the Kyrgyz Republic",), "MUS": ("Mauritius",),
    "PNG": ("Papua New Guinea",), "EU": ("the European Union", "the EU Party"),
    "GBR": ("the United Kingdom of Great Britain and Northern Ireland", "the United Kingdom"), "IRL": ("Ireland",),
    "ZAF": ("the Republic of South Africa", "South Africa"), "ARG": ("the Argentine Republic", "Argentina"),
    "BRA": ("the Federative Republic of Brazil", "Brazil"),
}


def clause_text(clause: Clause, corpus: Corpus | None = None) -> str:
    """The clause's text; for ``text_from`` clauses, the precedent's text adapted for redrafting:
    party names become ``{{ party_a }}``-style placeholders (in the order of the agreement's parties),
    references to articles and chapters outside the precedent's own chapter become ``[Article X.Y]``
    and ``[Chapter X]``, footnote markers are removed; paragraph numbering is kept."""
    if clause.text_from is None:
        return clause.text or ""
    if corpus is None:
        raise ClauseError(clause.path, clause.line_of("text_from"),
                          f"{clause.id}: takes its text from {clause.text_from}; give an index (--db) to build it")
    try:
        p = corpus.provision(clause.text_from)
    except ReferenceNotFound as exc:
        raise ClauseError(clause.path, clause.line_of("text_from"), f"{clause.id}: text_from {exc}") from None
    agreement = corpus.index.agreement(p.agreement_id)
    return adapt_text(p.text, parties=agreement.parties if agreement else (), chapter=p.chapter_number,
                      other_chapter=lambda number: _other_chapter(corpus, p.agreement_id, p.chapter_number, number),
                      footnote_markers=[f.marker for f in p.footnotes])


def _other_chapter(corpus: Corpus, agreement_id: str, own: str | None, number: str) -> bool | None:
    """Whether article ``number`` of the agreement lies in another chapter than ``own`` (None: unknown)."""
    try:
        target = corpus.provision(f"{agreement_id}:{number}")
    except ReferenceNotFound:
        return None
    return _chapter_key(target.chapter_number) != _chapter_key(own)


_FOOTNOTE_REF = re.compile(r"\[\^[^\]\s]{1,8}\]")
_TOTA_FOOTNOTE = re.compile(r"^(\d{1,3})\s{2,}(?=\S)")  # ToTA prints footnote text as "2  Notwithstanding ..."
_ARTICLE_REF = re.compile(r"\b(Articles?)\s+(\d+(?:[.\-]\d+)?)\b(?!\s+of\s+(?!this\b))")
_UNITS = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
          "seventeen eighteen nineteen")
_NUMBER_WORDS = {w: i for i, w in enumerate(_UNITS.split())} | {"twenty": 20, "thirty": 30, "forty": 40}
_WORD_NUMBER = (r"(?:twenty|thirty|forty)(?:[ -](?:one|two|three|four|five|six|seven|eight|nine))?|"
                + "|".join(sorted(_UNITS.split()[1:], key=len, reverse=True)))
_CHAPTER_REF = re.compile(rf"\b(Chapter)\s+(\d+|(?i:{_WORD_NUMBER}))\b")


def _chapter_key(number: str | None) -> str:
    """'SEVEN' -> '7', 'TWENTY ONE' -> '21', '07' -> '7'; anything else lower-cased."""
    s = (number or "").strip().lower()
    if s.isdigit():
        return str(int(s))
    words = s.replace("-", " ").split()
    if words and all(w in _NUMBER_WORDS for w in words):
        return str(sum(_NUMBER_WORDS[w] for w in words))
    return s


def adapt_text(
    text: str,
    *,
    parties: Sequence[str] = (),
    chapter: str | None = None,
    other_chapter: Any = None,
    footnote_markers: Sequence[str] = (),
) -> str:
    """A published article made into a drafting base (see :func:`clause_text`)."""
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text.replace("\r", "")) if p.strip()]
    markers = set(footnote_markers)
    kept = []
    for para in paragraphs:
        m = _TOTA_FOOTNOTE.match(para)
        if m and not _NUMBERED.match(para):
            markers.add(m.group(1))
            continue
        kept.append(" ".join(para.split()))
    out = []
    for para in kept:
        para = _FOOTNOTE_REF.sub("", para)
        for marker in sorted(markers, key=len, reverse=True):
            para = re.sub(rf"(?<=[A-Za-z.,;:)’'\"])(?<!\d\.)({re.escape(marker)})(?=[\s,;:.]|$)", "", para)
        para = _replace_refs(para, chapter, other_chapter)
        para = _replace_parties(para, parties)
        out.append(para)
    return "\n\n".join(out)


def _replace_refs(para: str, chapter: str | None, other_chapter: Any) -> str:
    own = _chapter_key(chapter)

    def article(m: re.Match[str]) -> str:
        word, number = m.group(1), m.group(2)
        sep = "." if "." in number else "-" if "-" in number else ""
        elsewhere: bool | None = None
        if sep:
            elsewhere = _chapter_key(number.split(sep, 1)[0]) != own if own else None
        if elsewhere is None and other_chapter is not None:
            elsewhere = other_chapter(number)
        if not elsewhere:
            return m.group(0)
        return f"[{word} X{sep}Y]" if sep else f"[{word} X]"

    def chap(m: re.Match[str]) -> str:
        if own and _chapter_key(m.group(2)) == own:
            return m.group(0)
        return "[Chapter X]"

    return _CHAPTER_REF.sub(chap, _ARTICLE_REF.sub(article, para))


def _replace_parties(para: str, parties: Sequence[str]) -> str:
    forms: list[tuple[str, str]] = []
    for i, code in enumerate(parties[:26]):
        for form in PARTY_NAMES.get(code, ()):
            placeholder = f"{{{{ party_{chr(ord('a') + i)} }}}}"
            forms.append((form, placeholder))
            if form.startswith("the "):
                forms.append(("The " + form[4:], placeholder))
    for form, placeholder in sorted(forms, key=lambda f: len(f[0]), reverse=True):
        para = re.sub(rf"(?<![\w{{]){re.escape(form)}(?!\w)", placeholder, para)
    return para


# -- validation ----------------------------------------------------------------------------------
def validate(library: ClauseLibrary, index: Corpus | None = None) -> list[Problem]:
    """Everything wrong with the library: schema values, ids, placeholders, cross-references and variables,
    topics, (with an index) precedent references, and the drafting rules:

    * register: none of the phrases treaties do not use (:data:`FORBIDDEN`: "shall try", "shall aim",
      "shall work towards", "business days"), and one term per concept (:data:`SYNONYMS`);
    * level discipline, read by ftadraft's own obligation classifier (:mod:`ftadraft.tags.obligation`): a
      soft clause classifies ``soft``, a standard or ambitious one ``binding`` (or ``mixed``, where a
      recognition paragraph opens it); a declared ``obligation`` the classifier disagrees with is a warning;
    * definitions: entries ``"term" means …``, in alphabetical order, ";" after each, "; and" after the last
      but one, "." after the last (optional definitions are sorted in when switched on);
    * defined terms across the library: a clause that uses a term some definitions clause defines (in its
      text, not only in an optional definition) must have it defined by the definitions clause of its own
      chapter (``general/definitions/<stem>-…``, options included); a one-word term of another chapter's
      definitions ("release") gives a warning, since it may be plain English there.

    Without an index, precedents give a warning, not an error, and ``text_from`` clauses are not read."""
    problems: list[Problem] = []
    allowed_topics = set(topic_ids())
    seen: dict[str, Clause] = {}
    rendered: dict[str, tuple[str, str]] = {}  # clause id -> (defaults, all options on)
    for c in library:
        def add(message: str, line: int | None = None, key: str = "id", severity: str = "error", c: Clause = c) -> None:
            problems.append(Problem(severity, c.path, line if line is not None else c.line_of(key), message, c.id))

        if c.id in seen:
            add(f"duplicate id {c.id!r} (also in {seen[c.id].path})")
        seen.setdefault(c.id, c)
        if c.topic not in allowed_topics:
            close = close_matches(c.topic, sorted(allowed_topics), limit=3)  # as many as topics.suggest offers
            add(f"unknown topic {c.topic!r}" + ("; did you mean: " + ", ".join(close) if close else ""), key="topic")
        else:
            name = c.id[len(c.topic) + 1:] if c.id.startswith(c.topic + "/") else ""
            if not _SLUG.fullmatch(name):
                add(f"id {c.id!r} must be the topic followed by a slug: {c.topic}/<level or variant-level>")
            _check_location(c, add)
        if c.level not in CLAUSE_LEVELS:
            add(f"unknown level {c.level!r}; levels are {' < '.join(CLAUSE_LEVELS)}", key="level")
        elif c.id.rsplit("/", 1)[-1].rsplit("-", 1)[-1] in CLAUSE_LEVELS and not c.id.endswith(c.level):
            add(f"id {c.id!r} names another level than {c.level!r}", key="level")
        if c.obligation not in LABELS:
            add(f"unknown obligation {c.obligation!r}; use {', '.join(LABELS)}", key="obligation")
        if not 1947 <= c.since <= date.today().year:
            add(f"'since' {c.since} is not a plausible year", key="since")
        _check_variables(c, add)
        _check_options(c, add)
        if c.text is not None:
            bodies = [("text", c.text, c.line_of("text"))] + [(f"option {o.id}", o.text, o.line) for o in c.options]
            _check_placeholders(c, bodies, add)
            _check_cross_references(c, bodies, allowed_topics, add)
            _check_register(c, bodies, add)
        _check_precedents(c, index, add)
        texts = _renderings(c, index)
        if texts is not None:
            rendered[c.id] = texts
            _check_level(c, texts, add)
            if c.topic == "general/definitions":
                _check_definitions(c, add)
    problems += _check_defined_terms(library, rendered)
    return problems


#: Phrases modern treaties do not use, with the term of art to use instead.
FORBIDDEN = {
    r"shall\s+try\b": '"shall endeavour to"', r"shall\s+aim\b": '"shall endeavour to"',
    r"shall\s+work\s+towards?\b": '"shall endeavour to" or "shall cooperate"',
    r"business\s+days?\b": '"working days" (defined once)',
}
#: One term per concept: a variant and the library's term, flagged where the library defines that term.
SYNONYMS = {
    "personal data": "personal information", "customs authority": "customs administration",
    "customs authorities": "customs administration",
}


def _body_line(c: Clause, key: str, body: str, line: int, offset: int) -> int:
    return _line_at(c, "text", line, body, offset) if key == "text" else line


def _check_cross_references(c: Clause, bodies: Sequence[tuple[str, str, int]], topics: set[str], add: Any) -> None:
    for key, body, line in bodies:
        for topic, offset in cross_references(body):
            if topic not in topics:
                add(f"cross-reference {{{{ article:{topic} }}}}: no such topic", _body_line(c, key, body, line, offset))


def _check_register(c: Clause, bodies: Sequence[tuple[str, str, int]], add: Any) -> None:
    for key, body, line in bodies:
        for pattern, instead in FORBIDDEN.items():
            for m in re.finditer(rf"(?<!\w){pattern}", body, re.IGNORECASE):
                add(f"register: {' '.join(m.group(0).split())!r} is not treaty language; use {instead}",
                    _body_line(c, key, body, line, m.start()))


def _renderings(c: Clause, index: Corpus | None) -> tuple[str, str] | None:
    """The clause with its defaults, and with every option on (None when it cannot be rendered here)."""
    if c.text_from is not None and index is None:
        return None
    try:
        return render(c, corpus=index), render(c, options={o.id: True for o in c.options}, corpus=index)
    except ClauseError:  # reported by the placeholder and value checks
        return None


def _check_level(c: Clause, texts: tuple[str, str], add: Any) -> None:
    from ..research.views import BINDS
    from ..tags.obligation import classify

    if c.area == "general" or c.level not in CLAUSE_LEVELS:
        return
    for text, which in zip(texts, ("", " with all options on"), strict=False):
        result = classify(text)
        ok = ("soft",) if c.level == "soft" else BINDS  # the labels that bind, as research counts them
        if result.label not in ok:
            wrong = result.binding if c.level == "soft" else result.soft
            because = f': "{_short(wrong[0])}"' if wrong else ""
            add(f"level {c.level}: ftadraft's obligation classifier reads the clause{which} as {result.label} "
                f"(a {c.level} clause must read as {' or '.join(ok)}){because}", key="level")
            return
    label = classify(texts[0]).label
    if c.obligation in LABELS and label != c.obligation:
        add(f"obligation {c.obligation!r}, but the obligation classifier reads the clause as {label!r}",
            key="obligation", severity="warning")


def _short(sentence: str, limit: int = 90) -> str:
    text = " ".join(sentence.split())
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def _check_definitions(c: Clause, add: Any) -> None:
    """The definitions list as written: entries ``"term" means …``, alphabetical, punctuated as a list."""
    if c.text is None:
        return
    paragraphs = [p for p in re.split(r"\n\s*\n", c.text) if p.strip()]
    first = next((k for k, p in enumerate(paragraphs) if DEFINITION.match(p.strip())), None)
    lead = next((k for k, p in enumerate(paragraphs) if p.rstrip().endswith(":")), None)
    if first is not None and lead is not None and lead < first:
        first = lead + 1  # everything after "For the purposes of this Chapter:" is an entry
    line = c.line_of("text")
    if first is None:
        add('a definitions clause lists entries of the form "term" means …;', line)
        return
    entries = paragraphs[first:]
    last_entry = max(k for k, p in enumerate(entries) if DEFINITION.match(p.strip()))
    entries = entries[:last_entry + 1]

    def at(p: str) -> int:
        return _line_at(c, "text", line, c.text or "", (c.text or "").find(p))

    for p in entries:
        if not DEFINITION.match(p.strip()):
            add(f'definition entry {_short(p, 50)!r}: write "term" means …', at(p))
    terms = [m.group(1) for p in entries if (m := DEFINITION.match(p.strip()))]
    if [_term_key(t) for t in terms] != sorted(_term_key(t) for t in terms):
        wrong = next(t for t, u in zip(terms, sorted(terms, key=_term_key), strict=False) if t != u)
        add(f"definitions are not in alphabetical order (first out of place: {wrong!r})", line)
    for k, p in enumerate(entries):
        want = "." if k == len(entries) - 1 else "; and" if k == len(entries) - 2 else ";"
        end = p.rstrip()
        ok = end.endswith(want) and not (want == ";" and re.search(r";\s*(?:and|or)$", end))
        if not ok:
            add(f"definition entry {_short(p, 40)!r} must end with {want!r}", at(p))
    for o in c.options:
        if DEFINITION.match(o.text.strip()) is None and " means " in o.text:
            add(f'optional definition {o.id!r}: write "term" means …', o.line)


def _check_defined_terms(library: ClauseLibrary, rendered: Mapping[str, tuple[str, str]]) -> list[Problem]:
    """Library-wide: terms used by clauses are defined by their chapter's definitions clause, and one term
    per concept (:data:`SYNONYMS`)."""
    problems: list[Problem] = []
    families: dict[str, set[str]] = {}
    all_terms: dict[str, str] = {}  # term -> stem of a definitions clause defining it (not in an option only)
    for c in library:
        if c.topic == "general/definitions" and c.id in rendered:
            stem = c.id.rsplit("/", 1)[-1].rsplit("-", 1)[0]
            families.setdefault(stem, set()).update(_term_key(t) for t in defined_terms(rendered[c.id][1]))
            for t in defined_terms(rendered[c.id][0]):
                all_terms.setdefault(t, stem)
    if not all_terms:
        return problems
    for c in library:
        if c.id not in rendered or c.topic == "general/definitions":
            continue
        text = rendered[c.id][1]
        stem = definition_stem(c.area) or (c.id.rsplit("/", 1)[-1].rsplit("-", 1)[0] if c.area == "general" else "")
        own = families.get(stem, set())
        for term in terms_used(text, list(all_terms)):
            if _term_key(term) in own:
                continue
            where = f"general/definitions/{stem}-…" if stem in families else f"a general/definitions/{stem}-… clause"
            foreign = len(term.split()) == 1 and all_terms[term] != stem  # one word, another chapter's term
            problems.append(Problem("warning" if foreign else "error", c.path,
                                    c.line_of("text" if c.text is not None else "text_from"),
                                    f"uses the defined term {term!r}, which {where} does not define"
                                    + (f" (general/definitions/{all_terms[term]}-… does; plain English here?)"
                                       if foreign else ""), c.id))
        plain = re.sub(r"\[[^\[\]]*\]", "", text)  # placeholders in brackets are not the clause's words
        for variant, term in SYNONYMS.items():
            if term in all_terms and terms_used(plain, [variant]):
                problems.append(Problem("error", c.path, c.line_of("text" if c.text is not None else "text_from"),
                                        f"one term per concept: {variant!r} where the library defines {term!r}",
                                        c.id))
    return problems


def _check_location(c: Clause, add: Any) -> None:
    parts = c.path.split("/")
    if len(parts) < 3 or parts[-2] != c.area:
        add(f"clause of area {c.area!r} belongs in the folder {c.area}/")
        return
    stem = parts[-1].rsplit(".", 1)[0]
    expected = c.id[len(c.area) + 1:].replace("/", "-")
    if stem != expected:
        add(f"file name should be {expected}.yaml for id {c.id!r}")


def _check_variables(c: Clause, add: Any) -> None:
    for v in c.variables:
        if not _NAME.fullmatch(v.name):
            add(f"variable name {v.name!r}: use lower-case letters, digits and _ (starting with a letter)", v.line)
            continue
        if v.type == "number" and v.min is not None and v.max is not None and v.min > v.max:
            add(f"variable {v.name!r}: min {v.min} is above max {v.max}", v.line)
            continue
        if v.type == "choice" and len(set(v.values)) != len(v.values):
            add(f"variable {v.name!r}: a value is listed twice", v.line)
        try:
            _check_value(c, v, v.default)
        except ClauseError as exc:
            add(f"default of {exc.problem.split(': ', 1)[-1]}", v.line)


def _check_options(c: Clause, add: Any) -> None:
    seen: set[str] = set()
    for o in c.options:
        if not _SLUG.fullmatch(o.id):
            add(f"option id {o.id!r}: use lower-case words joined by -", o.line)
        if o.id in seen:
            add(f"option id {o.id!r} is used twice", o.line)
        seen.add(o.id)
        if _NUMBERED.match(o.text):
            add(f"option {o.id!r}: leave out the paragraph number; it is added when the option is on", o.line)


def _check_placeholders(c: Clause, bodies: Sequence[tuple[str, str, int]], add: Any) -> None:
    declared = {v.name for v in c.variables}
    used: set[str] = set()
    for key, body, line in bodies:
        found, problems = scan_placeholders(body)
        for problem, offset in problems:
            add(problem, _line_at(c, "text", line, body, offset) if key == "text" else line)
        for name, offset in found:
            used.add(name)
            if name not in declared:
                add(f"undeclared variable {name!r} in {{{{ {name} }}}}; declare it under variables",
                    _line_at(c, "text", line, body, offset) if key == "text" else line)
    for v in c.variables:
        if v.name not in used:
            add(f"unused variable {v.name!r}: no {{{{ {v.name} }}}} in the text or options", v.line)


def _check_precedents(c: Clause, index: Corpus | None, add: Any) -> None:
    refs = [(p.ref, p.line) for p in c.precedents]
    if c.text_from:
        refs.append((c.text_from, c.line_of("text_from")))
    if not refs:
        return
    if index is None:
        if c.text_from:
            add(f"text_from {c.text_from} not built: no index", c.line_of("text_from"), severity="warning")
        return
    for ref, line in refs:
        try:
            index.provision(ref)
        except ReferenceNotFound as exc:
            add(f"precedent does not resolve: {exc}", line)
    if c.text_from:
        try:
            base = clause_text(c, index)
        except ClauseError as exc:
            add(exc.problem, exc.line)
            return
        _check_placeholders(c, [("text_from", base, c.line_of("text_from"))]
                            + [(f"option {o.id}", o.text, o.line) for o in c.options], add)


# -- search --------------------------------------------------------------------------------------
#: Where a clause's words count, and how much (title and topic name what it is about; notes only mention).
_SEARCH_FIELDS = (("title", 3.0), ("topic", 2.0), ("text", 1.0), ("notes", 0.5))
#: Among clauses that answer a query equally, the library's default level comes first.
_LEVEL_ORDER = {"standard": 0, "ambitious": 1, "soft": 2}


@functools.lru_cache(maxsize=1)
def _concept_table() -> list[tuple[tuple[str, ...], ...]]:
    from ..search.query import dictionary_lemmas
    from ..search.thesaurus import lemmatised_concepts

    return lemmatised_concepts(lambda ws: dictionary_lemmas(ws))


def _lemma_text(text: str) -> str:
    from ..search.query import dictionary_lemmas
    from ..search.thesaurus import words

    return " " + " ".join(dictionary_lemmas(words(text))) + " "


def search_library(library: ClauseLibrary, text: str, *, limit: int = 20) -> list[Clause]:
    """Clauses answering ``text``, best first, with the search machinery of the corpus: words reduced to
    their dictionary lemmas, the domain thesaurus ("fake goods at the border" finds border measures,
    "servers" computing facilities), rarer words weighing more, title and topic above text and notes.
    A clause must answer at least half of what the query asks; equal answers list the standard level first."""
    from ..search.query import STOPWORDS, dictionary_lemmas
    from ..search.thesaurus import match, words

    query = dictionary_lemmas(words(text))
    if not query:
        return list(library.clauses[:limit])
    units: list[tuple[str, ...]] = []  # each: lemma phrases any of which answers that part of the query
    covered: set[int] = set()
    for m in match(query, _concept_table()):
        units.append(m.phrases)
        covered.update(range(m.start, m.end))
    units += [(w,) for i, w in enumerate(query) if i not in covered and w not in STOPWORDS]
    if not units:
        return []
    fields = [(c, {name: _lemma_text(value) for name, value in (
        ("title", c.title), ("topic", c.topic.replace("/", " ").replace("-", " ")),
        ("text", c.text or ""), ("notes", c.notes))}) for c in library]
    n = len(fields)

    def found(unit: tuple[str, ...], field: str) -> bool:
        return any(f" {phrase} " in field for phrase in unit)

    weights = []
    for unit in units:
        df = sum(1 for _c, fs in fields if any(found(unit, v) for v in fs.values()))
        weights.append(math.log(1 + (n - df + 0.5) / (df + 0.5)) if df else 0.0)
    total = sum(weights) or 1.0
    scored: list[tuple[float, int, str, Clause]] = []
    for c, fs in fields:
        score = answered = 0.0
        for unit, w in zip(units, weights, strict=True):
            best = max((weight for name, weight in _SEARCH_FIELDS if found(unit, fs[name])), default=0.0)
            score += w * best
            answered += w if best else 0.0
        if score > 0 and answered >= 0.5 * total:
            scored.append((round(score, 6), _LEVEL_ORDER.get(c.level, 3), c.id, c))
    scored.sort(key=lambda t: (-t[0], t[1], t[2]))
    return [c for *_rest, c in scored[:limit]]
