"""Draft specs: a small YAML file that says which library clauses (with which values), which competing
wordings and which free text make up a proposal, and :func:`build_proposal` to assemble it into a
:class:`~ftadraft.drafting.proposal.Proposal` for the Word writer.

    >>> lib = load_library()
    >>> spec = load_spec("examples/draft-ecommerce.yaml")
    >>> [str(p) for p in check_spec(spec, lib) if p.is_error]
    []
    >>> write_proposal(build_proposal(spec, lib), Path("out.docx"))

Assembly makes one coherent chapter: cross-references between clauses (``{{ article:<topic> }}``) name the
assembled articles ("Article 19.5 (Personal Information Protection)"); parties appear as the spec names
them (``name``, the short ``short`` used in brackets, ``in_text`` for running text: "the United States");
a bilateral draft reads "Neither Party" and "the other Party" where the library writes the plurilateral
forms; optional definitions are sorted into the definitions list. What a delegation sends is safe by
default: the clause library's drafting notes and the spec's notes stay out unless asked for
(``internal=True``) or marked ``tabled: true``, and precedents only come with ``precedents=True``.

Specs are read with the strict reader of :mod:`ftadraft.safe_yaml` (no tags, anchors, duplicate keys,
tab indentation or impossible dates), and every problem names ``FILE:LINE``; :func:`read_spec` collects
all of them instead of stopping at the first. Square brackets in any text mark unagreed language.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date as _date
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml  # type: ignore[import-untyped]

from .. import safe_yaml
from ..errors import FtadraftError, ReferenceNotFound
from . import clauses as _clauses
from .clauses import (
    CLAUSE_LEVELS,
    Clause,
    ClauseError,
    ClauseLibrary,
    Problem,
    article_title,
    cross_references,
    defined_terms,
    render,
    terms_used,
)
from .docx_writer import clean_text
from .proposal import (
    LIBRARY,
    PAPERS,
    Alternative,
    Alternatives,
    Article,
    Block,
    Note,
    Paragraph,
    PartyName,
    Proposal,
    bracket_depth,
    default_short,
)

if TYPE_CHECKING:
    from ..corpus import Corpus

__all__ = [
    "Spec",
    "SpecAlternative",
    "SpecArticle",
    "SpecError",
    "SpecNote",
    "SpecParty",
    "article_heading",
    "article_lines",
    "bilateral",
    "build_proposal",
    "check_spec",
    "load_spec",
    "missing_levels",
    "new_spec",
    "proposal_html",
    "proposal_markdown",
    "read_spec",
    "spec_problems_from",
    "split_paragraphs",
]

_CODE = re.compile(r"^[A-Z]{2,3}$")
_DATE = re.compile(r"^\d{4}-\d\d-\d\d$")
_TOP = ("agreement", "parties", "chapter", "round", "date", "author", "articles")
_TOP_OPTIONAL = ("paper",)
_PARTY_KEYS = {"code", "name", "short", "in_text"}
_ARTICLE_KEYS = {"clause", "values", "options", "alternatives", "style", "title", "text", "notes", "topic"}
_ALT_KEYS = {"party", "clause", "values", "options", "text"}
_NOTE_KEYS = {"party", "text", "tabled"}
_CHAPTER_TITLES = {
    "clearance": "Customs Administration and Trade Facilitation", "cooperation": "Customs Cooperation",
    "ip-enforcement": "Enforcement of Intellectual Property Rights", "e-commerce": "Electronic Commerce",
}
_PARTY_LETTER = re.compile(r"\bParty ([A-Z])\b")
_UNRESOLVED = re.compile(r"\[Articles? X(?:\.Y)?\]")


class SpecError(ClauseError):
    """A draft spec that cannot be read: ``FILE:LINE: problem``."""


@dataclass(frozen=True)
class Setting:
    """One ``name: value`` of an article's ``values`` or ``options``, with its line."""

    name: str
    value: Any
    line: int


@dataclass(frozen=True)
class SpecParty:
    """A party: its code, its name, its short name in brackets ("US") and its name in running text
    ("the United States")."""

    code: str
    name: str
    line: int
    short: str = ""
    in_text: str = ""


@dataclass(frozen=True)
class SpecNote:
    """A note on an article by ``party`` (a code, "" for the spec's author); ``tabled`` notes go into what
    the delegation sends, the others are internal."""

    party: str
    text: str
    line: int
    tabled: bool = False


@dataclass(frozen=True)
class SpecAlternative:
    """One party's wording: a library clause (with values/options) or literal text."""

    party: str
    clause: str | None
    text: str | None
    values: tuple[Setting, ...]
    options: tuple[Setting, ...]
    line: int
    clause_line: int


@dataclass(frozen=True)
class SpecArticle:
    """One article: ``kind`` is ``clause``, ``alternatives`` or ``text``; ``topic`` makes a free-text (or
    alternatives) article the target of cross-references to that topic."""

    kind: str
    line: int
    title: str | None = None
    clause: str | None = None
    clause_line: int = 0
    values: tuple[Setting, ...] = ()
    options: tuple[Setting, ...] = ()
    text: str | None = None
    text_line: int = 0
    alternatives: tuple[SpecAlternative, ...] = ()
    style: str = "inline"
    notes: tuple[SpecNote, ...] = ()
    topic: str | None = None


@dataclass(frozen=True)
class Spec:
    """A parsed draft spec (see the module docstring)."""

    path: str
    agreement: str
    parties: tuple[SpecParty, ...]
    chapter_number: int
    chapter_title: str
    round: str
    date: str
    author: str
    author_line: int
    articles: tuple[SpecArticle, ...]
    paper: str = "A4"


# -- reading -------------------------------------------------------------------------------------------
def load_spec(path: Path | str) -> Spec:
    """Read and structurally check a spec; the first problem raises :class:`SpecError` (``FILE:LINE: problem``)."""
    spec, problems = read_spec(path)
    if problems:
        first = problems[0]
        raise SpecError(first.path, first.line, first.message)
    assert spec is not None
    return spec


def read_spec(path: Path | str) -> tuple[Spec | None, list[Problem]]:
    """The spec at ``path`` and every problem found reading it (not only the first). A spec comes back
    whenever the file is YAML of the right shape, even with problems, so that it can still be checked."""
    where = str(path)
    problems: list[Problem] = []
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        return None, [Problem("error", where, 1, f"cannot be read ({exc.strerror or exc})")]
    root = None
    for _attempt in range(50):
        try:
            root = safe_yaml.load(data, where, kind="specs")
            break
        except safe_yaml.YamlError as exc:
            problems.append(Problem("error", exc.path, exc.line, exc.problem))
            patched = _quote_value(data, exc)
            if patched is None:
                return None, problems
            data = patched  # read on, with the value taken as text, to find the other problems
    if root is None:
        return None, problems
    reported = {p.line for p in problems}
    later: list[Problem] = []
    spec = _parse(root, where, later)
    problems += [p for p in later if p.line not in reported]  # one report per refused value
    problems.sort(key=lambda p: p.line)
    return spec, problems


_BAD_VALUE = re.compile(r"^'([^']{1,40})' is not a calendar date|^cannot read the value '([^']{1,40})'")


def _quote_value(data: bytes, exc: safe_yaml.YamlError) -> bytes | None:
    """``data`` with the scalar the reader refused on ``exc.line`` quoted (so reading can go on), or None."""
    m = _BAD_VALUE.match(exc.problem)
    if not m:
        return None
    value = m.group(1) or m.group(2)
    lines = data.split(b"\n")
    k = exc.line - 1
    if not 0 <= k < len(lines):
        return None
    raw = value.encode()
    fixed, n = re.subn(rb"(?<![\w'\"-])" + re.escape(raw) + rb"(?![\w'\"-])", b"'" + raw + b"'", lines[k], count=1)
    if not n:
        return None
    lines[k] = fixed
    return b"\n".join(lines)


def _ln(node: Any) -> Any:
    """The line numbers the strict YAML reader attaches to a mapping or list."""
    return node.lines


def _fail(where: str, line: int, problem: str) -> SpecError:
    return SpecError(where, line, problem)


def _str(m: Any, key: str, where: str, *, required: bool = True) -> str | None:
    if key not in m:
        if required:
            raise _fail(where, m.line, f"missing {key!r}")
        return None
    v = m[key]
    if isinstance(v, int | float) and not isinstance(v, bool):
        v = str(v)
    if not isinstance(v, str) or not v.strip():
        raise _fail(where, m.lines[key], f"{key!r} must be non-empty text")
    if key == "text" and key in m.literal:
        return v.strip("\n").rstrip()
    return v.strip()


def _keys(m: Any, allowed: set[str] | tuple[str, ...], where: str, what: str) -> None:
    if not isinstance(m, dict):
        raise _fail(where, getattr(m, "line", 1), f"{what} must be a mapping of fields")
    for k in m:
        if k not in allowed:
            raise _fail(where, _ln(m)[k], f"unknown field {k!r} in {what}; fields are {', '.join(sorted(allowed))}")


def _settings(m: Any, key: str, where: str) -> tuple[Setting, ...]:
    if key not in m or m[key] is None:
        return ()
    raw: Any = m[key]
    if not isinstance(raw, dict):
        raise _fail(where, m.lines[key], f"{key!r} must map names to values")
    return tuple(Setting(str(k), v, _ln(raw)[k]) for k, v in raw.items())


def _parse(root: Any, where: str, problems: list[Problem]) -> Spec | None:
    def collect(fn: Callable[[], Any], default: Any = None) -> Any:
        try:
            return fn()
        except SpecError as exc:
            problems.append(Problem("error", exc.path, exc.line, exc.problem))
            return default

    if not isinstance(root, safe_yaml.Map):
        problems.append(Problem("error", where, getattr(root, "line", 1), "the spec must be a mapping of fields"))
        return None
    for k in root:
        if k not in _TOP + _TOP_OPTIONAL:
            problems.append(Problem("error", where, root.lines[k], f"unknown field {k!r} in the spec; fields are "
                                    + ", ".join(sorted(_TOP + _TOP_OPTIONAL))))
    for key in _TOP:
        if key not in root:
            problems.append(Problem("error", where, root.line, f"missing {key!r}"))
    def each(key: str, of: str, parse: Callable[[Any, int, list[Any]], Any]) -> list[Any]:
        """The items of the list ``key`` that parse (``parse(item, line, earlier)``), each problem reported."""
        out: list[Any] = []
        raw: Any = root.get(key)
        if key in root and (not isinstance(raw, list) or not raw):
            problems.append(Problem("error", where, root.lines[key], f"'{key}' must be a list of {of}"))
        elif isinstance(raw, list):
            for item, line in zip(raw, _ln(raw), strict=False):
                got = collect(partial(parse, item, line, out))
                if got is not None:
                    out.append(got)
        return out

    parties: list[SpecParty] = each("parties", "{code, name}",
                                     lambda item, line, earlier: _party(item, line, where, earlier))
    number, title = collect(partial(_chapter, root, where), (1, "")) if "chapter" in root else (1, "")
    day = collect(partial(_day, root, where), "1980-01-01") if "date" in root else "1980-01-01"
    paper = collect(partial(_paper, root, where), "A4")
    articles: list[SpecArticle] = each("articles", "articles", lambda item, line, _: _article(item, line, where))
    text = {key: (collect(partial(_str, root, key, where), "") if key in root else "")
            for key in ("agreement", "round", "author")}
    return Spec(path=where, agreement=text["agreement"], parties=tuple(parties), chapter_number=number,
                chapter_title=title, round=text["round"], date=day, author=text["author"],
                author_line=root.lines.get("author", root.line), articles=tuple(articles), paper=paper)


def _party(item: Any, line: int, where: str, earlier: Sequence[SpecParty]) -> SpecParty:
    _keys(item, _PARTY_KEYS, where, "a party")
    code, name = _str(item, "code", where), _str(item, "name", where)
    assert code is not None and name is not None
    if not _CODE.match(code):
        raise _fail(where, item.lines["code"], f"party code {code!r} must be 2-3 upper-case letters (USA, EU)")
    if any(p.code == code for p in earlier):
        raise _fail(where, item.lines["code"], f"party {code} is listed twice")
    short = _str(item, "short", where, required=False) or default_short(code)
    if not re.fullmatch(r"[A-Za-z][A-Za-z.]{0,11}", short):
        raise _fail(where, item.lines["short"], f"short name {short!r} must be 1-12 letters (US, EU, UK)")
    in_text = _str(item, "in_text", where, required=False) or running_name(code, name)
    return SpecParty(code, name, line, short, in_text)


def running_name(code: str, name: str) -> str:
    """A party's name in running text: "the United States", "the European Union", "Japan"."""
    if name.lower().startswith("the "):
        return name
    forms = _clauses.PARTY_NAMES.get(code, ())
    if "the " + name in forms or name.startswith(("United ", "European ", "Republic ", "Kingdom ", "Federal ",
                                                  "Philippines", "Netherlands", "Russian ", "Czech ")):
        return "the " + name
    return name


def _chapter(root: Any, where: str) -> tuple[int, str]:
    chapter = root["chapter"]
    _keys(chapter, {"number", "title"}, where, "'chapter'")
    number = chapter.get("number")
    if isinstance(number, bool) or not isinstance(number, int) or not 1 <= number <= 999:
        raise _fail(where, chapter.lines.get("number", chapter.line), "chapter number must be a whole number 1-999")
    return number, _str(chapter, "title", where) or ""


def _day(root: Any, where: str) -> str:
    day = _str(root, "date", where)
    assert day is not None
    try:
        if not _DATE.match(day):
            raise ValueError
        _date.fromisoformat(day)
    except ValueError:
        raise _fail(where, root.lines["date"], f"date {day!r} must be a calendar date YYYY-MM-DD") from None
    if day < "1980-01-01":
        raise _fail(where, root.lines["date"], f"date {day!r} is before 1980")
    return day


def _paper(root: Any, where: str) -> str:
    if "paper" not in root:
        return "A4"
    paper = _str(root, "paper", where) or ""
    match = next((p for p in PAPERS if p.lower() == paper.lower()), None)
    if match is None:
        raise _fail(where, root.lines["paper"], f"paper must be {' or '.join(PAPERS)}, not {paper!r}")
    return match


def _notes(m: Any, where: str) -> tuple[SpecNote, ...]:
    """``notes``: text, a list of texts, or a list of {party, text, tabled}; party "" means the author."""
    if "notes" not in m:
        return ()
    raw: Any = m["notes"]
    line: int = m.lines["notes"]
    items = raw if isinstance(raw, list) else [raw]
    lines = _ln(raw) if isinstance(raw, list) else [line]
    out = []
    for item, at in zip(items, lines, strict=False):
        if isinstance(item, str) and item.strip():
            out.append(SpecNote("", item.strip(), at))
        elif isinstance(item, safe_yaml.Map):
            _keys(item, _NOTE_KEYS, where, "a note")
            tabled = item.get("tabled", False)
            if not isinstance(tabled, bool):
                raise _fail(where, item.lines["tabled"], "'tabled' must be true or false")
            out.append(SpecNote(_str(item, "party", where, required=False) or "", _str(item, "text", where) or "",
                                item.lines.get("party", item.line), tabled))
        else:
            raise _fail(where, at, "a note is text, or {party, text, tabled}")
    return tuple(out)


def _article(m: Any, line: int, where: str) -> SpecArticle:
    _keys(m, _ARTICLE_KEYS, where, "an article")
    kinds = [k for k in ("clause", "alternatives", "text") if k in m]
    if len(kinds) != 1:
        raise _fail(where, m.line, "an article needs exactly one of 'clause', 'alternatives' or 'text'")
    kind = kinds[0]
    title = _str(m, "title", where, required=False)
    topic = _str(m, "topic", where, required=False)
    if topic is not None and topic not in _clauses.topic_ids():
        raise _fail(where, m.lines["topic"], f"unknown topic {topic!r} (see ftadraft topics)")
    notes = _notes(m, where)
    if kind != "clause" and ("values" in m or "options" in m):
        key = "values" if "values" in m else "options"
        raise _fail(where, m.lines[key], f"{key!r} belongs to a clause article (or to an alternative)")
    if kind != "alternatives" and "style" in m:
        raise _fail(where, m.lines["style"], "'style' belongs to an alternatives article")
    if kind == "clause":
        return SpecArticle("clause", line, title=title, clause=_str(m, "clause", where), clause_line=m.lines["clause"],
                           values=_settings(m, "values", where), options=_settings(m, "options", where), notes=notes,
                           topic=topic)
    if kind == "text":
        if title is None:
            raise _fail(where, m.line, "a free-text article needs a 'title'")
        return SpecArticle("text", line, title=title, text=_str(m, "text", where), text_line=m.lines["text"],
                           notes=notes, topic=topic)
    raw: Any = m["alternatives"]
    if not isinstance(raw, list) or len(raw) < 2:
        raise _fail(where, m.lines["alternatives"], "'alternatives' must list two or more party wordings")
    style = _str(m, "style", where, required=False) or "inline"
    if style not in ("inline", "stacked"):
        raise _fail(where, m.lines["style"], f"style must be inline or stacked, not {style!r}")
    alts = []
    for item, at in zip(raw, _ln(raw), strict=False):
        _keys(item, _ALT_KEYS, where, "an alternative")
        if ("clause" in item) == ("text" in item):
            raise _fail(where, at, "an alternative needs either 'clause' or 'text'")
        if "text" in item and ("values" in item or "options" in item):
            raise _fail(where, at, "'values' and 'options' go with a 'clause' alternative")
        alts.append(SpecAlternative(
            party=_str(item, "party", where) or "", clause=_str(item, "clause", where, required=False),
            text=_str(item, "text", where, required=False), values=_settings(item, "values", where),
            options=_settings(item, "options", where), line=at,
            clause_line=item.lines.get("clause", item.lines.get("text", at))))
    return SpecArticle("alternatives", line, title=title, alternatives=tuple(alts), style=style, notes=notes,
                       topic=topic)


# -- values --------------------------------------------------------------------------------------------
def _party_values(clause: Clause, spec: Spec) -> dict[str, str]:
    """Party-typed variables take the spec's parties in order (party_a: the first), by their running-text
    name ("the United States")."""
    names = [p.in_text or p.name for p in spec.parties]
    party_vars = [v.name for v in clause.variables if v.type == "party"]
    return {n: names[i] for i, n in enumerate(party_vars) if i < len(names)}


def _values(clause: Clause, spec: Spec, values: Sequence[Setting]) -> dict[str, object]:
    """The values a clause is rendered with: the spec's, party variables from the parties, and defaults in
    which "Party A", "Party B", … name the spec's first, second, … party ("[name of the customs authority
    of the United States]")."""
    names = [p.in_text or p.name for p in spec.parties]
    given = {s.name: s.value for s in values}
    out: dict[str, object] = {}
    for v in clause.variables:
        if v.type == "text" and v.name not in given and isinstance(v.default, str):
            named = _PARTY_LETTER.sub(lambda m: _party_letter(m, names), v.default)
            if named != v.default:
                out[v.name] = named
    return out | _party_values(clause, spec) | given


def _party_letter(m: re.Match[str], names: Sequence[str]) -> str:
    k = ord(m.group(1)) - ord("A")
    return names[k] if k < len(names) else m.group(0)


def _opts(options: Sequence[Setting]) -> dict[str, bool]:
    return {s.name: s.value for s in options}


_BILATERAL = (
    (re.compile(r"\bthe other Parties'"), "the other Party's"),
    (re.compile(r"\b(?:the|any|each) other Parties\b"), "the other Party"),
    (re.compile(r"\b(?:any|each) other Party\b"), "the other Party"),
    (re.compile(r"\banother Party\b"), "the other Party"),
    (re.compile(r"\bAnother Party\b"), "The other Party"),
    (re.compile(r"\bNo Party\b"), "Neither Party"),
    (re.compile(r"\bno Party\b"), "neither Party"),
    (re.compile(r"\ball the Parties\b|\ball Parties\b"), "both Parties"),
)


def bilateral(text: str) -> str:
    """Library text (written in the plurilateral forms) for an agreement of two parties: "No Party" becomes
    "Neither Party", "another Party" and "the other Parties" become "the other Party", "all Parties" "both
    Parties"."""
    for pattern, replacement in _BILATERAL:
        text = pattern.sub(replacement, text)
    return text


# -- checking ------------------------------------------------------------------------------------------
def _check_clause(spec: Spec, library: ClauseLibrary, clause_id: str, line: int, values: Sequence[Setting],
                  options: Sequence[Setting], add: Any) -> Clause | None:
    try:
        clause = library.get(clause_id)
    except FtadraftError as exc:
        add(line, f"unknown clause {exc!s}")
        return None
    shape = replace(clause, text="", text_from=None)  # checks values and options without needing the text
    declared = {v.name: v for v in clause.variables}
    for s in values:
        if s.name not in declared:
            add(s.line, f"{clause.id}: undeclared variable {s.name!r} (variables: {', '.join(declared) or 'none'})")
        elif s.value is None or (isinstance(s.value, str) and not s.value.strip()):
            add(s.line, f"{clause.id}: missing value for variable {s.name!r}")
        else:
            try:
                render(shape, {s.name: s.value})
            except ClauseError as exc:
                add(s.line, exc.problem)
            if isinstance(s.value, str):
                _brackets(s.value, s.line, add)
    given = {s.name for s in values} | set(_party_values(clause, spec))
    for v in clause.variables:
        if v.name not in given:
            add(line, f"{clause.id}: variable {v.name!r} not set; using the default {v.default!r}", "warning")
    for s in options:
        try:
            render(shape, {}, {s.name: s.value})
        except ClauseError as exc:
            add(s.line, exc.problem)
    return clause


def _brackets(text: str, line: int, add: Any) -> None:
    for para in re.split(r"\n", text):
        try:
            bracket_depth(para)
        except ValueError as exc:
            add(line, f"square brackets: {exc}")
            return


_Use = tuple[Clause, Sequence[Setting], Sequence[Setting], int]  # clause, values, options, line


def _clauses_of(art: SpecArticle, library: ClauseLibrary) -> list[_Use]:
    """The library clauses an article uses (one, or one per clause alternative) that exist."""
    wanted = [(art.clause, art.values, art.options, art.clause_line)] if art.kind == "clause" else [
        (a.clause, a.values, a.options, a.clause_line) for a in art.alternatives if a.clause is not None]
    out: list[_Use] = []
    for cid, values, options, line in wanted:
        try:
            out.append((library.get(cid or ""), values, options, line))
        except FtadraftError:
            continue
    return out


def _topics(spec: Spec, library: ClauseLibrary) -> list[set[str]]:
    """The topics each article covers: its clauses' topics and its own ``topic``."""
    out = []
    for art in spec.articles:
        topics = {c.topic for c, *_rest in _clauses_of(art, library)}
        if art.topic:
            topics.add(art.topic)
        out.append(topics)
    return out


def _wanted_references(clause: Clause, options: Sequence[Setting]) -> list[str]:
    """Topics ``clause`` refers to with the options as set (cross-references in switched-off options do
    not count)."""
    on = _opts(options)
    bodies = [clause.text or ""] + [o.text for o in clause.options if on.get(o.id, o.default)]
    return [topic for body in bodies for topic, _offset in cross_references(body)]


def check_spec(spec: Spec, library: ClauseLibrary, corpus: Corpus | None = None) -> list[Problem]:
    """Everything wrong with a spec against the library: unknown clauses, parties, undeclared or empty
    variables, out-of-range values, unknown options, unbalanced brackets, cross-references to topics no
    article covers (errors); defaults left in place, a term the draft uses but does not define, and
    unresolved "[Article X.Y]" references (warnings). Each names ``FILE:LINE``."""
    problems: list[Problem] = []

    def add(line: int, message: str, severity: str = "error") -> None:
        problems.append(Problem(severity, spec.path, line, message))

    codes = {p.code for p in spec.parties}
    if spec.parties and spec.author not in codes:
        add(spec.author_line, f"author {spec.author!r} is not one of the parties ({', '.join(sorted(codes))})")
    _brackets(spec.chapter_title, 1, add)
    topics = _topics(spec, library)
    covered = {t for ts in topics for t in ts}
    for _k, art in enumerate(spec.articles):
        if art.title:
            _brackets(art.title, art.line, add)
        for n in art.notes:
            if n.party and not all(c in codes for c in n.party.split("/")):
                add(n.line, f"note by unknown party {n.party!r} (parties: {', '.join(sorted(codes))})")
        if art.kind == "clause":
            clause = _check_clause(spec, library, art.clause or "", art.clause_line, art.values, art.options, add)
            if clause is not None and clause.text_from and corpus is None:
                add(art.clause_line, f"{clause.id}: takes its text from {clause.text_from}; building needs an index",
                    "warning")
        elif art.kind == "text":
            _brackets(art.text or "", art.text_line, add)
        else:
            for alt in art.alternatives:
                if not all(c in codes for c in alt.party.split("/")):
                    add(alt.line, f"alternative by unknown party {alt.party!r} (parties: {', '.join(sorted(codes))})")
                if alt.clause is not None:
                    c = _check_clause(spec, library, alt.clause, alt.clause_line, alt.values, alt.options, add)
                    if c is not None and art.style == "inline" and c.text_from is None:
                        try:
                            count = len(split_paragraphs(render(c, _values(c, spec, alt.values), _opts(alt.options))))
                        except ClauseError:
                            count = 1
                        if count != 1:
                            add(alt.clause_line, f"{c.id} has {count} paragraphs; inline alternatives hold one "
                                                 "paragraph each: use style: stacked")
                else:
                    _brackets(alt.text or "", alt.clause_line, add)
            if art.title is None and not any(a.clause for a in art.alternatives):
                add(art.line, "alternatives of free text need a 'title'")
        for clause, _settings, options, line in _clauses_of(art, library):
            for topic in dict.fromkeys(_wanted_references(clause, options)):
                if topic not in covered:
                    add(line, f"{clause.id}: refers to {{{{ article:{topic} }}}} ({article_title(topic)}), but no "
                              f"article of this draft covers {topic}; add one (a library clause, or an article "
                              f"with 'topic: {topic}')")
                elif sum(topic in ts for ts in topics) > 1:
                    first = next(j for j, ts in enumerate(topics) if topic in ts)
                    add(line, f"{clause.id}: several articles cover {topic}; the reference names the first "
                              f"(Article {spec.chapter_number}.{first + 1})", "warning")
    if not any(p.is_error for p in problems):
        problems += _check_terms(spec, library, corpus)
    return problems


def _check_terms(spec: Spec, library: ClauseLibrary, corpus: Corpus | None) -> list[Problem]:
    """Warnings: terms the library defines that an article uses but the draft's definitions do not define,
    and references left as "[Article X.Y]"."""
    out: list[Problem] = []
    try:
        proposal = build_proposal(spec, library, corpus, checked=True)
    except (SpecError, ClauseError, ValueError):
        return out
    library_terms: dict[str, tuple[Clause, str | None]] = {}  # term -> definitions clause, option id
    topics = _topics(spec, library)
    definitions = [k for k, ts in enumerate(topics) if "general/definitions" in ts]
    own = {c.id for k in definitions for c, *_rest in _clauses_of(spec.articles[k], library)}
    for c in sorted(library.select("general/definitions"), key=lambda c: c.id not in own):
        if c.text is None:
            continue
        for t in defined_terms(render(c, options={o.id: False for o in c.options})):
            library_terms.setdefault(t, (c, None))
        for o in c.options:
            for t in defined_terms(o.text):
                library_terms.setdefault(t, (c, o.id))
    defined: set[str] = set()
    for k in definitions:
        defined |= {t.casefold() for t in defined_terms("\n\n".join(_paragraphs(proposal.articles[k])))}
    for k, (art, article) in enumerate(zip(spec.articles, proposal.articles, strict=False)):
        text = _article_text(article)
        for match in _UNRESOLVED.finditer(text):
            out.append(Problem("warning", spec.path, art.line, f"Article {spec.chapter_number}.{k + 1} refers to "
                               f"{match.group(0)}: fill in the number, or use a cross-reference "
                               "{{ article:<topic> }}"))
        if k in definitions:
            continue
        for term in terms_used(text, list(library_terms)):
            if term.casefold() in defined:
                continue
            clause, option = library_terms[term]
            if option and clause.id in own:
                how = f"switch on option {option!r} of {clause.id}"
            elif definitions:
                how = f"add it to the definitions ({clause.id} defines it)"
            else:
                how = f"the draft has no definitions article ({clause.id} defines it)"
            out.append(Problem("warning", spec.path, art.line,
                               f"Article {spec.chapter_number}.{k + 1} ({clean_text(article.title)}) uses "
                               f"{term!r}, which the draft does not define; {how}"))
    return out


def _article_text(article: Article) -> str:
    return "\n".join(article_lines(article))


def _paragraphs(article: Article) -> list[str]:
    """The text of every paragraph of ``article``, every alternative's included."""
    out = []
    for block in article.body:
        blocks = [block] if isinstance(block, Paragraph) else [b for o in block.options for b in o.blocks]
        out += [b.text for b in blocks]
    return out


# -- building ------------------------------------------------------------------------------------------
_NUM = re.compile(r"^(\d{1,3})\.\s+")
_SUB = re.compile(r"^\(([a-z]{1,4})\)\s+")


def split_paragraphs(text: str) -> list[Paragraph]:
    """Rendered clause text as numbered paragraphs: "1. ..." is level 1, "(a) ..." level 2 (printed
    numbers removed, Word numbers them); a blank line or a number starts a paragraph, other lines join."""
    out: list[tuple[str, int]] = []
    new = lead_in = False
    for raw in text.replace("\r", "").split("\n"):
        line = " ".join(raw.split())
        if not line:
            new = True
            continue
        if m := _NUM.match(line):
            out.append((line[m.end():], 1))
            lead_in = line.endswith(":")
        elif m := _SUB.match(line):
            out.append((line[m.end():], 2))
        elif new or not out:
            out.append((line, 2 if lead_in else 1))  # unnumbered items after "In this Chapter:" are (a), (b)
            lead_in = lead_in or line.endswith(":")
        else:
            out[-1] = (out[-1][0] + " " + line, out[-1][1])
        new = False
    return [Paragraph(t, level) for t, level in out]


def _citation(ref: str, corpus: Corpus | None) -> str:
    if corpus is None:
        return ref
    from ..model import citation

    try:
        p = corpus.provision(ref)
        agreement = corpus.index.agreement(p.agreement_id)
    except ReferenceNotFound:
        return ref
    return citation(agreement, p) if agreement is not None else ref


def _title(art: SpecArticle, library: ClauseLibrary) -> str:
    """An article's title: the spec's, else the treaty title of its (first) clause's topic."""
    if art.title:
        return art.title
    used = _clauses_of(art, library)
    if used:
        return article_title(used[0][0].topic)
    return art.topic and article_title(art.topic) or "Article"


def references(spec: Spec, library: ClauseLibrary) -> dict[str, str]:
    """What each cross-referenced topic reads as in this draft: "Article 19.5 (Personal Information
    Protection)", the first article covering it."""
    out: dict[str, str] = {}
    for k, (art, topics) in enumerate(zip(spec.articles, _topics(spec, library), strict=False)):
        for topic in sorted(topics):
            out.setdefault(topic, f"Article {spec.chapter_number}.{k + 1} ({clean_text(_title(art, library))})")
    return out


def build_proposal(spec: Spec, library: ClauseLibrary, corpus: Corpus | None = None, *, internal: bool = False,
                   precedents: bool = False, library_notes: bool = True, checked: bool = False) -> Proposal:
    """The proposal a spec describes; a spec with errors (see :func:`check_spec`) raises :class:`SpecError`
    naming the first one (``checked=True``: the caller has checked it).

    What a delegation sends is the default: no internal notes (the clause library's drafting notes and the
    spec's notes not marked ``tabled``) and no precedents. ``internal=True`` adds the internal notes (the
    library's unless ``library_notes=False``) as comments marked "Internal"; ``precedents=True`` gives each
    article its precedents' citations (for footnotes or the sources annex)."""
    if not checked:
        errors = [p for p in check_spec(spec, library, corpus) if p.is_error]
        if errors:
            raise SpecError(spec.path, errors[0].line, errors[0].message
                            + (f" (and {len(errors) - 1} more problems)" if len(errors) > 1 else ""))
    refs = references(spec, library)
    two = len(spec.parties) == 2
    articles = []
    for art in spec.articles:
        notes: list[Note] = []
        cites: list[str] = []
        body: list[Block] = []

        def use(clause: Clause, values: Sequence[Setting], options: Sequence[Setting], line: int,
                notes: list[Note] = notes, cites: list[str] = cites) -> list[Paragraph]:
            try:
                text = render(clause, _values(clause, spec, values), _opts(options), corpus=corpus, refs=refs)
            except ClauseError as exc:
                raise SpecError(spec.path, line, str(exc)) from None
            if internal and library_notes:
                notes.append(Note(LIBRARY, f"{clause.id}: {' '.join(clause.notes.split())}", internal=True))
            if precedents:
                cites.extend(_citation(p.ref, corpus) for p in clause.precedents if p.ref)
            return split_paragraphs(bilateral(text) if two else text)

        if art.kind == "clause":
            body.extend(use(library.get(art.clause or ""), art.values, art.options, art.clause_line))
        elif art.kind == "text":
            body.extend(split_paragraphs(art.text or ""))
        else:
            options = []
            for alt in art.alternatives:
                if alt.clause is not None:
                    blocks = use(library.get(alt.clause), alt.values, alt.options, alt.clause_line)
                else:
                    blocks = split_paragraphs(alt.text or "")
                options.append(Alternative(alt.party, tuple(blocks)))
            try:
                body.append(Alternatives(tuple(options), art.style))  # type: ignore[arg-type]
            except ValueError as exc:
                raise SpecError(spec.path, art.line, str(exc)) from None
        notes.extend(Note(n.party or spec.author, n.text, internal=not n.tabled)
                     for n in art.notes if n.tabled or internal)
        try:
            articles.append(Article(_title(art, library), tuple(body), tuple(notes), tuple(dict.fromkeys(cites))))
        except ValueError as exc:
            raise SpecError(spec.path, art.line, str(exc)) from None
    try:
        return Proposal(agreement=spec.agreement,
                        parties=tuple(PartyName(p.code, p.name, p.short, p.in_text) for p in spec.parties),
                        chapter_number=spec.chapter_number, chapter_title=spec.chapter_title, round=spec.round,
                        date=spec.date, author=spec.author, articles=tuple(articles),
                        paper=spec.paper)  # type: ignore[arg-type]
    except ValueError as exc:
        raise SpecError(spec.path, 1, str(exc)) from None


# -- scaffolding ---------------------------------------------------------------------------------------
_MORE_NAMES = {"UK": ("the United Kingdom",), "US": ("the United States",)}  # common non-ISO codes


def _party_name(code: str) -> str:
    """A display name for a party code ("United States" for USA), else the code itself."""
    forms = [f for f in _clauses.PARTY_NAMES.get(code, ()) or _MORE_NAMES.get(code, ()) if " Party" not in f]
    if not forms:
        return code
    return forms[-1].removeprefix("the ")  # the short form: "United States", "Korea", "European Union"


def _nearest(candidates: Sequence[Clause], level: str) -> Clause:
    """The clause closest to ``level`` (less ambitious wins a tie); the plain variant before named ones."""
    want = CLAUSE_LEVELS.index(level)
    return min(candidates, key=lambda c: (abs(c.level_rank - want), c.level_rank > want,
                                          not c.id.endswith("/" + c.level), c.id))


def _area(chapter: str) -> str:
    area = chapter.strip().strip("/")
    if area not in _CHAPTER_TITLES:
        raise FtadraftError(f"{chapter}: no such chapter area; areas are {', '.join(_CHAPTER_TITLES)}")
    return area


def _by_topic(library: ClauseLibrary, area: str) -> dict[str, list[Clause]]:
    stem = _clauses.DEFINITION_STEMS[area]
    out: dict[str, list[Clause]] = {}
    for topic in ("general/scope", "general/definitions"):
        general = [c for c in library.select(topic) if c.id.split("/")[-1].startswith(stem + "-")]
        if general:
            out[topic] = general
    order = {t: i for i, t in enumerate(_clauses.topic_ids())}
    for c in sorted(library.select(area), key=lambda c: (order.get(c.topic, len(order)), c.topic)):
        out.setdefault(c.topic, []).append(c)
    return out


def missing_levels(library: ClauseLibrary, chapter: str, level: str) -> dict[str, list[str]]:
    """Topics of ``chapter`` with no clause at ``level``: topic → the levels the library has for it."""
    area = _area(chapter)
    out = {}
    for topic, found in _by_topic(library, area).items():
        if topic.startswith("general/"):
            continue
        if not any(c.level == level for c in found):
            out[topic] = sorted({c.level for c in found}, key=CLAUSE_LEVELS.index)
    return out


def new_spec(library: ClauseLibrary, chapter: str, level: str, parties: Sequence[str], *, nearest: bool = False,
             today: str | None = None) -> str:
    """YAML text of a starting spec for ``chapter`` (an area: ``e-commerce``): scope and definitions, then
    one article per topic of the area that has a clause at ``level``, values at their defaults.

    Topics with no clause at that level are left out and listed in a comment at the top (see
    :func:`missing_levels`); with ``nearest``, the nearest level stands in for them, each marked with a
    comment. A topic another chosen clause cross-references is always included (nearest level)."""
    area = _area(chapter)
    if level not in CLAUSE_LEVELS:
        raise FtadraftError(f"{level}: no such level; levels are {', '.join(CLAUSE_LEVELS)}")
    codes = [p.strip().upper() for p in parties if p.strip()]
    if len(codes) < 2 or len(set(codes)) != len(codes) or not all(_CODE.match(c) for c in codes):
        raise FtadraftError(f"{','.join(parties)}: give two or more different party codes (e.g. USA,GBR)")
    by_topic = _by_topic(library, area)
    if len(by_topic) <= 2:
        raise FtadraftError(f"{area}: the clause library has no clauses for this chapter")
    chosen: dict[str, tuple[Clause, str]] = {}  # topic -> clause, comment
    missing = []
    for topic, found in by_topic.items():
        exact = [c for c in found if c.level == level]
        if exact or topic.startswith("general/"):
            chosen[topic] = (_nearest(exact or found, level), "")
        elif nearest:
            c = _nearest(found, level)
            chosen[topic] = (c, f"no {level} clause for {topic}: the {c.level} one stands in")
        else:
            missing.append(topic)
    for c, _comment in list(chosen.values()):
        for topic in _wanted_references(c, ()):
            if topic not in chosen and topic in by_topic:
                stand_in = _nearest(by_topic[topic], level)
                note = "" if stand_in.level == level else f" ({stand_in.level}: no {level} clause)"
                chosen[topic] = (stand_in, f"{c.id} refers to this article{note}")
                if topic in missing:
                    missing.remove(topic)
    order = list(by_topic)
    switched = _definitions_needed([c for c, _comment in chosen.values()])
    names = {c: _party_name(c) for c in codes}
    in_text = [running_name(code, names[code]) for code in codes]

    def fill_party(m: re.Match[str]) -> str:
        return _party_letter(m, in_text)

    head = {
        "agreement": " - ".join(names[c] for c in codes) + " Free Trade Agreement",
        "parties": [{"code": c, "name": names[c], "short": default_short(c)}
                    | ({"in_text": running_name(c, names[c])} if running_name(c, names[c]) != names[c] else {})
                    for c in codes],
        "chapter": {"number": 1, "title": _CHAPTER_TITLES[area]},
        "round": "Round 1",
        "date": today or _date.today().isoformat(),
        "author": codes[0],
        "paper": "A4",
    }
    out = [f"# Draft spec: {_CHAPTER_TITLES[area]} at the {level!r} level (ftadraft draft new).",
           "# Edit values, add 'alternatives' or free-text articles, then: ftadraft draft check / build."]
    if missing:
        out.append(f"# No {level} clause in the library for: "
                   + "; ".join(f"{t} (has {', '.join(missing_levels(library, area, level)[t])})" for t in missing)
                   + ". Left out; `draft new --nearest` takes the nearest level instead.")
    out.append(yaml.safe_dump(head, sort_keys=False, allow_unicode=True, width=100, default_flow_style=False).rstrip())
    out.append("articles:")
    for topic in sorted(chosen, key=order.index):
        c, comment = chosen[topic]
        entry: dict[str, Any] = {"clause": c.id}
        values = {v.name: (_PARTY_LETTER.sub(fill_party, v.default) if isinstance(v.default, str) else v.default)
                  for v in c.variables if v.type != "party"}
        if values:
            entry["values"] = values
        if c.options:
            entry["options"] = {o.id: o.default or o.id in switched.get(c.id, ()) for o in c.options}
        if comment:
            out.append(f"  # {comment}")
        item = yaml.safe_dump([entry], sort_keys=False, allow_unicode=True, width=100, default_flow_style=False)
        out.append("\n".join("  " + line for line in item.rstrip().split("\n")))
    return "\n".join(out) + "\n"


def _definitions_needed(chosen: Sequence[Clause]) -> dict[str, set[str]]:
    """Optional definitions the other chosen clauses use: definitions clause id → option ids to switch on."""
    texts = []
    for c in chosen:
        if c.topic != "general/definitions" and c.text is not None:
            try:
                texts.append(render(c))
            except ClauseError:
                continue
    used = "\n".join(texts)
    out: dict[str, set[str]] = {}
    for c in chosen:
        if c.topic == "general/definitions":
            out[c.id] = {o.id for o in c.options if terms_used(used, defined_terms(o.text))}
    return out


def spec_problems_from(exc: ClauseError) -> list[Problem]:
    """A load error as a one-item problem list."""
    return [Problem("error", exc.path, exc.line, exc.problem)]


# -- plain renderings ----------------------------------------------------------------------------------
def _numbered(blocks: Sequence[Paragraph], state: list[int]) -> list[str]:
    """"1. text" / "(a) text" lines, counting on from ``state`` = [paragraph, sub-paragraph]."""
    out = []
    for b in blocks:
        if b.level == 1:
            state[0], state[1] = state[0] + 1, 0
            out.append(f"{max(state[0], 1)}. {b.text}")
        else:
            state[1] += 1
            out.append(f"({chr(ord('a') + (state[1] - 1) % 26)}) {b.text}")
    return out


def article_lines(article: Article, *, clean: bool = False, pick: int = 0,
                  label: Callable[[str], str] = lambda code: code) -> list[str]:
    """An article's body as numbered lines; alternatives inline ("[US: …] [EU: …]") or stacked
    ("[Alt 1 (US):" … "]"), parties named by ``label`` (e.g. :meth:`Proposal.party_label`), or with
    ``clean`` only wording ``pick`` and no brackets."""
    state = [0, 0]
    out: list[str] = []
    for block in article.body:
        if isinstance(block, Paragraph):
            out += _numbered([block], state)
        elif clean:
            out += _numbered(block.options[pick].blocks, state)
        elif block.style == "inline":
            line = _numbered([block.options[0].blocks[0]], state)[0]
            number = line.split(" ", 1)[0]
            out.append(number + " " + " ".join(f"[{label(o.party)}: {o.blocks[0].text}]" for o in block.options))
        else:
            before, after = list(state), list(state)
            for k, option in enumerate(block.options):
                here = list(before)
                lines = _numbered(option.blocks, here)
                lines[-1] += "]"
                out += [f"[Alt {k + 1} ({label(option.party)}):"] + lines
                if k == 0:
                    after = here
            state[:] = after
    if clean:
        out = [clean_text(line) for line in out]
    return out


def article_heading(p: Proposal, index: int) -> str:
    return f"Article {p.chapter_number}.{index + 1}: {p.articles[index].title}"


def _note_label(p: Proposal, note: Note) -> str:
    return ("Internal note" if note.internal else "Note") + f" ({p.party_label(note.party)})"


def proposal_markdown(p: Proposal, *, clean: bool = False) -> str:
    """The proposal as Markdown: title block, articles with numbered paragraphs, notes and precedents
    (left out with ``clean``, which also removes brackets and keeps the first wording)."""
    def c(text: str) -> str:
        return clean_text(text) if clean else text

    out = [f"# {p.agreement}", "", f"## Chapter {p.chapter_number}: {c(p.chapter_title)}", ""]
    if not clean:
        out += [f"*Proposal by {p.party_in_text(p.author)} — {p.round} — {p.display_date} — DRAFT, without "
                "prejudice*", ""]
    for k, a in enumerate(p.articles):
        out += [f"### {c(article_heading(p, k))}", ""]
        for line in article_lines(a, clean=clean, label=p.party_label):
            out += [line, ""]
        if not clean:
            out += [f"> **{_note_label(p, n)}:** {' '.join(n.text.split())}" for n in a.notes]
            if a.notes:
                out.append("")
            if a.precedents:
                out += ["*Precedents:* " + "; ".join(a.precedents), ""]
    return "\n".join(out).rstrip() + "\n"


def proposal_html(p: Proposal, *, clean: bool = False) -> str:
    """The proposal as a standalone HTML page (same content as :func:`proposal_markdown`); brackets are
    highlighted in the consolidated text."""
    from html import escape

    def c(text: str) -> str:
        text = escape(clean_text(text) if clean else text)
        return text.replace("[", '<span class="br">[</span>').replace("]", '<span class="br">]</span>')

    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">', f"<title>{escape(p.agreement)}</title>",
           ("<style>body{font-family:'Times New Roman',serif;max-width:46em;margin:2em auto}"
            ".br{background:#d9d9d9;font-weight:bold}.sub{margin-left:2em}"
            ".note{color:#555;border-left:3px solid #ccc;padding-left:.5em}</style>"),
           "</head><body>", f"<h1>{escape(p.agreement)}</h1>",
           f"<h2>Chapter {p.chapter_number}: {c(p.chapter_title)}</h2>"]
    if not clean:
        out.append(f"<p><em>Proposal by {escape(p.party_in_text(p.author))} — {escape(p.round)} — "
                   f"{p.display_date} — DRAFT, without prejudice</em></p>")
    for k, a in enumerate(p.articles):
        out.append(f"<h3>{c(article_heading(p, k))}</h3>")
        for line in article_lines(a, clean=clean, label=p.party_label):
            css = ' class="sub"' if line.startswith("(") else ""
            out.append(f"<p{css}>{c(line)}</p>")
        if not clean:
            out += [f'<p class="note"><strong>{escape(_note_label(p, n))}:</strong> '
                    f'{escape(" ".join(n.text.split()))}</p>' for n in a.notes]
            if a.precedents:
                out.append(f"<p><em>Precedents:</em> {escape('; '.join(a.precedents))}</p>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def read_spec_text(text: str, where: str = "draft.yaml") -> tuple[Spec | None, list[Problem]]:
    """:func:`read_spec` for a spec held in memory (a web form, a paste): the same strict reader and checks,
    problems named ``where:LINE``; stops at the first YAML problem (no retry with the value quoted)."""
    try:
        root = safe_yaml.load(text.encode("utf-8"), where, kind="specs")
    except safe_yaml.YamlError as exc:
        return None, [Problem("error", exc.path, exc.line, exc.problem)]
    problems: list[Problem] = []
    spec = _parse(root, where, problems)
    problems.sort(key=lambda p: p.line)
    return spec, problems
