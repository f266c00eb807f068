"""Draft specs: a small YAML file that says which library clauses (with which values), which competing
wordings and which free text make up a proposal, and :func:`build_proposal` to turn it into a
:class:`~ftadraft.drafting.proposal.Proposal` for the Word writer.

    >>> lib = load_library()
    >>> spec = load_spec("examples/draft-ecommerce.yaml")
    >>> [str(p) for p in check_spec(spec, lib)]
    []
    >>> write_proposal(build_proposal(spec, lib), Path("out.docx"))

Specs are read with the strict reader of :mod:`ftadraft.safe_yaml` (no tags, anchors, duplicate keys,
tab indentation or impossible dates), and every problem names ``FILE:LINE``. Square brackets in any text mark unagreed language.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date as _date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml  # type: ignore[import-untyped]

from .. import safe_yaml
from ..errors import FtadraftError, ReferenceNotFound
from . import clauses as _clauses
from .clauses import LEVELS, Clause, ClauseError, ClauseLibrary, Problem, render
from .docx_writer import clean_text
from .proposal import Alternative, Alternatives, Article, Block, Note, Paragraph, PartyName, Proposal, bracket_depth

if TYPE_CHECKING:
    from ..corpus import Corpus

__all__ = [
    "Setting",
    "Spec",
    "SpecAlternative",
    "SpecArticle",
    "SpecError",
    "SpecParty",
    "article_heading",
    "article_lines",
    "build_proposal",
    "check_spec",
    "load_spec",
    "new_spec",
    "proposal_html",
    "proposal_markdown",
    "redline_pairs",
    "spec_problems_from",
    "split_paragraphs",
]

_CODE = re.compile(r"^[A-Z]{2,3}$")
_DATE = re.compile(r"^\d{4}-\d\d-\d\d$")
_TOP = ("agreement", "parties", "chapter", "round", "date", "author", "articles")
_ARTICLE_KEYS = {"clause", "values", "options", "alternatives", "style", "title", "text", "notes"}
_ALT_KEYS = {"party", "clause", "values", "options", "text"}
_CHAPTER_TITLES = {
    "clearance": "Customs Administration and Trade Facilitation", "cooperation": "Customs Cooperation",
    "ip-enforcement": "Enforcement of Intellectual Property Rights", "e-commerce": "Electronic Commerce",
}
_GENERAL_STEM = {"clearance": "customs", "cooperation": "customs", "ip-enforcement": "ip-enforcement",
                 "e-commerce": "e-commerce"}


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
    code: str
    name: str
    line: int


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
    """One article: ``kind`` is ``clause``, ``alternatives`` or ``text``."""

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
    notes: tuple[Setting, ...] = ()  # name = party code, value = note text


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


# -- reading -------------------------------------------------------------------------------------------
def load_spec(path: Path | str) -> Spec:
    """Read and structurally check a spec; problems raise :class:`SpecError` (``FILE:LINE: problem``)."""
    where = str(path)
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise SpecError(where, 1, f"cannot be read ({exc.strerror or exc})") from None
    try:
        root = safe_yaml.load(data, where, kind="specs")
    except safe_yaml.YamlError as exc:
        raise SpecError(exc.path, exc.line, exc.problem) from None
    return _parse(root, where)


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


def _parse(root: Any, where: str) -> Spec:
    parties_raw: Any
    articles_raw: Any
    _keys(root, _TOP, where, "the spec")
    for key in _TOP:
        if key not in root:
            raise _fail(where, root.line, f"missing {key!r}")
    parties_raw = root["parties"]
    if not isinstance(parties_raw, list) or not parties_raw:
        raise _fail(where, root.lines["parties"], "'parties' must be a list of {code, name}")
    parties: list[SpecParty] = []
    for item, line in zip(parties_raw, _ln(parties_raw)):
        _keys(item, {"code", "name"}, where, "a party")
        code, name = _str(item, "code", where), _str(item, "name", where)
        assert code is not None and name is not None
        if not _CODE.match(code):
            raise _fail(where, item.lines["code"], f"party code {code!r} must be 2-3 upper-case letters (USA, EU)")
        if any(p.code == code for p in parties):
            raise _fail(where, item.lines["code"], f"party {code} is listed twice")
        parties.append(SpecParty(code, name, line))
    chapter = root["chapter"]
    _keys(chapter, {"number", "title"}, where, "'chapter'")
    number = chapter.get("number")
    if isinstance(number, bool) or not isinstance(number, int) or not 1 <= number <= 999:
        raise _fail(where, chapter.lines.get("number", chapter.line), "chapter number must be a whole number 1-999")
    day = _str(root, "date", where)
    assert day is not None
    try:
        if not _DATE.match(day):
            raise ValueError
        _date.fromisoformat(day)
    except ValueError:
        raise _fail(where, root.lines["date"], f"date {day!r} must be a calendar date YYYY-MM-DD") from None
    articles_raw = root["articles"]
    if not isinstance(articles_raw, list) or not articles_raw:
        raise _fail(where, root.lines["articles"], "'articles' must be a list of articles")
    articles = tuple(_article(a, line, where) for a, line in zip(articles_raw, _ln(articles_raw)))
    return Spec(path=where, agreement=_str(root, "agreement", where) or "", parties=tuple(parties),
                chapter_number=number, chapter_title=_str(chapter, "title", where) or "",
                round=_str(root, "round", where) or "", date=day, author=_str(root, "author", where) or "",
                author_line=root.lines["author"], articles=articles)


def _notes(m: Any, where: str) -> tuple[Setting, ...]:
    """``notes``: text, a list of texts, or a list of {party, text}; party "" means the spec's author."""
    if "notes" not in m:
        return ()
    raw: Any = m["notes"]
    line: int = m.lines["notes"]
    items = raw if isinstance(raw, list) else [raw]
    lines = _ln(raw) if isinstance(raw, list) else [line]
    out = []
    for item, at in zip(items, lines):
        if isinstance(item, str) and item.strip():
            out.append(Setting("", item.strip(), at))
        elif isinstance(item, dict):
            _keys(item, {"party", "text"}, where, "a note")
            out.append(Setting(_str(item, "party", where) or "", _str(item, "text", where), _ln(item)["party"]))
        else:
            raise _fail(where, at, "a note is text, or {party, text}")
    return tuple(out)


def _article(m: Any, line: int, where: str) -> SpecArticle:
    _keys(m, _ARTICLE_KEYS, where, "an article")
    kinds = [k for k in ("clause", "alternatives", "text") if k in m]
    if len(kinds) != 1:
        raise _fail(where, m.line, "an article needs exactly one of 'clause', 'alternatives' or 'text'")
    kind = kinds[0]
    title = _str(m, "title", where, required=False)
    notes = _notes(m, where)
    if kind != "clause" and ("values" in m or "options" in m):
        key = "values" if "values" in m else "options"
        raise _fail(where, m.lines[key], f"{key!r} belongs to a clause article (or to an alternative)")
    if kind != "alternatives" and "style" in m:
        raise _fail(where, m.lines["style"], "'style' belongs to an alternatives article")
    if kind == "clause":
        return SpecArticle("clause", line, title=title, clause=_str(m, "clause", where), clause_line=m.lines["clause"],
                           values=_settings(m, "values", where), options=_settings(m, "options", where), notes=notes)
    if kind == "text":
        if title is None:
            raise _fail(where, m.line, "a free-text article needs a 'title'")
        return SpecArticle("text", line, title=title, text=_str(m, "text", where), text_line=m.lines["text"],
                           notes=notes)
    raw: Any = m["alternatives"]
    if not isinstance(raw, list) or len(raw) < 2:
        raise _fail(where, m.lines["alternatives"], "'alternatives' must list two or more party wordings")
    style = _str(m, "style", where, required=False) or "inline"
    if style not in ("inline", "stacked"):
        raise _fail(where, m.lines["style"], f"style must be inline or stacked, not {style!r}")
    alts = []
    for item, at in zip(raw, _ln(raw)):
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
    return SpecArticle("alternatives", line, title=title, alternatives=tuple(alts), style=style, notes=notes)


# -- checking ------------------------------------------------------------------------------------------
def _party_values(clause: Clause, spec: Spec) -> dict[str, str]:
    """Party-typed variables take the spec's party names in order (party_a: first party, ...)."""
    names = [p.name for p in spec.parties]
    party_vars = [v.name for v in clause.variables if v.type == "party"]
    return {n: names[i] for i, n in enumerate(party_vars) if i < len(names)}


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


def check_spec(spec: Spec, library: ClauseLibrary, corpus: Corpus | None = None) -> list[Problem]:
    """Everything wrong with a spec against the library: unknown clauses, parties, undeclared or empty
    variables, out-of-range values, unknown options, unbalanced brackets. Each names ``FILE:LINE``."""
    problems: list[Problem] = []

    def add(line: int, message: str, severity: str = "error") -> None:
        problems.append(Problem(severity, spec.path, line, message))

    codes = {p.code for p in spec.parties}
    if spec.author not in codes:
        add(spec.author_line, f"author {spec.author!r} is not one of the parties ({', '.join(sorted(codes))})")
    _brackets(spec.chapter_title, 1, add)
    for art in spec.articles:
        if art.title:
            _brackets(art.title, art.line, add)
        for n in art.notes:
            if n.name and not all(c in codes for c in n.name.split("/")):
                add(n.line, f"note by unknown party {n.name!r} (parties: {', '.join(sorted(codes))})")
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
    return problems


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


def _values(clause: Clause, spec: Spec, values: Sequence[Setting]) -> dict[str, object]:
    return _party_values(clause, spec) | {s.name: s.value for s in values}


def _opts(options: Sequence[Setting]) -> dict[str, bool]:
    return {s.name: s.value for s in options}


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


def _topic_name(topic: str) -> str | None:
    try:
        from ..tags.topics import taxonomy

        return next((t.name for t in taxonomy() if t.id == topic), None)
    except (ImportError, FtadraftError, OSError):  # pragma: no cover - taxonomy unavailable
        return None


def _default_title(clause: Clause) -> str:
    if clause.topic in ("general/definitions", "general/scope"):
        return clause.topic.split("/")[1].capitalize()
    return _topic_name(clause.topic) or clause.title


def build_proposal(spec: Spec, library: ClauseLibrary, corpus: Corpus | None = None, *,
                   library_notes: bool = True) -> Proposal:
    """The proposal a spec describes; a spec with errors (see :func:`check_spec`) raises :class:`SpecError`
    naming the first one. ``library_notes=False`` leaves out the clause library's drafting notes (they
    include negotiating considerations a delegation may not want to send); the spec's own notes stay."""
    errors = [p for p in check_spec(spec, library, corpus) if p.is_error]
    if errors:
        raise SpecError(spec.path, errors[0].line, errors[0].message
                        + (f" (and {len(errors) - 1} more problems)" if len(errors) > 1 else ""))
    articles = []
    for art in spec.articles:
        notes: list[Note] = []
        precedents: list[str] = []
        body: list[Block] = []

        def use(clause: Clause, values: Sequence[Setting], options: Sequence[Setting], line: int,
                notes: list[Note] = notes, precedents: list[str] = precedents) -> list[Paragraph]:
            try:
                text = render(clause, _values(clause, spec, values), _opts(options), corpus=corpus)
            except ClauseError as exc:
                raise SpecError(spec.path, line, str(exc)) from None
            if library_notes:
                notes.append(Note(spec.author, clause.notes))
            precedents.extend(_citation(p.ref, corpus) for p in clause.precedents if p.ref)
            return split_paragraphs(text)

        title = art.title
        if art.kind == "clause":
            clause = library.get(art.clause or "")
            body.extend(use(clause, art.values, art.options, art.clause_line))
            title = title or _default_title(clause)
        elif art.kind == "text":
            body.extend(split_paragraphs(art.text or ""))
        else:
            options = []
            for alt in art.alternatives:
                if alt.clause is not None:
                    clause = library.get(alt.clause)
                    blocks = use(clause, alt.values, alt.options, alt.clause_line)
                    title = title or _default_title(clause)
                else:
                    blocks = split_paragraphs(alt.text or "")
                options.append(Alternative(alt.party, tuple(blocks)))
            try:
                body.append(Alternatives(tuple(options), art.style))  # type: ignore[arg-type]
            except ValueError as exc:
                raise SpecError(spec.path, art.line, str(exc)) from None
        notes.extend(Note(n.name or spec.author, n.value) for n in art.notes)
        try:
            articles.append(Article(title or "Article", tuple(body), tuple(notes), tuple(dict.fromkeys(precedents))))
        except ValueError as exc:
            raise SpecError(spec.path, art.line, str(exc)) from None
    try:
        return Proposal(agreement=spec.agreement, parties=tuple(PartyName(p.code, p.name) for p in spec.parties),
                        chapter_number=spec.chapter_number, chapter_title=spec.chapter_title, round=spec.round,
                        date=spec.date, author=spec.author, articles=tuple(articles))
    except ValueError as exc:
        raise SpecError(spec.path, 1, str(exc)) from None


# -- scaffolding ---------------------------------------------------------------------------------------
_MORE_NAMES = {"UK": ("the United Kingdom",), "US": ("the United States",)}  # common non-ISO codes


def _party_name(code: str) -> str:
    """A display name for a party code ("United States" for USA), else the code itself."""
    forms = _clauses.PARTY_NAMES.get(code, ()) or _MORE_NAMES.get(code, ())
    if not forms:
        return code
    name = forms[-1] if len(forms) > 1 else forms[0]
    return name.removeprefix("the ")


def _nearest(candidates: Sequence[Clause], level: str) -> Clause:
    """The clause closest to ``level`` (less ambitious wins a tie); the plain variant before named ones."""
    want = LEVELS.index(level)
    return min(candidates, key=lambda c: (abs(c.level_rank - want), c.level_rank > want,
                                          not c.id.endswith("/" + c.level), c.id))


def new_spec(library: ClauseLibrary, chapter: str, level: str, parties: Sequence[str]) -> str:
    """YAML text of a starting spec for ``chapter`` (an area: ``e-commerce``): scope and definitions, then
    one article per topic of the area at ``level`` (or the nearest level there is), values at their defaults."""
    area = chapter.strip().strip("/")
    if area not in _CHAPTER_TITLES:
        raise FtadraftError(f"{chapter}: no such chapter area; areas are {', '.join(_CHAPTER_TITLES)}")
    if level not in LEVELS:
        raise FtadraftError(f"{level}: no such level; levels are {', '.join(LEVELS)}")
    codes = [p.strip().upper() for p in parties if p.strip()]
    if len(codes) < 2 or len(set(codes)) != len(codes) or not all(_CODE.match(c) for c in codes):
        raise FtadraftError(f"{','.join(parties)}: give two or more different party codes (e.g. USA,GBR)")
    stem = _GENERAL_STEM[area]
    chosen: list[Clause] = []
    for topic in ("general/scope", "general/definitions"):
        general = [c for c in library.select(topic) if c.id.split("/")[-1].startswith(stem + "-")]
        if general:
            chosen.append(_nearest(general, level))
    by_topic: dict[str, list[Clause]] = {}
    for c in library.select(area):
        by_topic.setdefault(c.topic, []).append(c)
    order = {t: i for i, t in enumerate(_clauses.topic_ids())}
    for topic in sorted(by_topic, key=lambda t: (order.get(t, len(order)), t)):
        chosen.append(_nearest(by_topic[topic], level))
    if len(chosen) <= 2:
        raise FtadraftError(f"{area}: the clause library has no clauses for this chapter")
    names = {c: _party_name(c) for c in codes}
    articles = []
    for c in chosen:
        entry: dict[str, Any] = {"clause": c.id}
        party_vars = [v for v in c.variables if v.type == "party"]
        values = {v.name: (names[codes[party_vars.index(v)]] if v in party_vars and party_vars.index(v) < len(codes)
                           else v.default) for v in c.variables}
        if values:
            entry["values"] = values
        if c.options:
            entry["options"] = {o.id: o.default for o in c.options}
        articles.append(entry)
    data = {
        "agreement": " - ".join(names[c] for c in codes) + " Free Trade Agreement",
        "parties": [{"code": c, "name": names[c]} for c in codes],
        "chapter": {"number": 1, "title": _CHAPTER_TITLES[area]},
        "round": "Round 1",
        "date": _date.today().isoformat(),
        "author": codes[0],
        "articles": articles,
    }
    body = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100, default_flow_style=False)
    return (f"# Draft spec: {_CHAPTER_TITLES[area]} at the {level!r} level (ftadraft draft new).\n"
            "# Edit values, add 'alternatives' or free-text articles, then: ftadraft draft check / build.\n"
            + body)


def spec_problems_from(exc: ClauseError) -> list[Problem]:
    """A load error as a one-item problem list (what ``draft check`` prints)."""
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


def article_lines(article: Article, *, clean: bool = False, pick: int = 0) -> list[str]:
    """An article's body as numbered lines; alternatives inline ("[USA: …] [EU: …]") or stacked
    ("[Alt 1 (USA):" … "]"), or with ``clean`` only wording ``pick`` and no brackets."""
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
            out.append(number + " " + " ".join(f"[{o.party}: {o.blocks[0].text}]" for o in block.options))
        else:
            before, after = list(state), list(state)
            for k, option in enumerate(block.options):
                here = list(before)
                lines = _numbered(option.blocks, here)
                lines[-1] += "]"
                out += [f"[Alt {k + 1} ({option.party}):"] + lines
                if k == 0:
                    after = here
            state[:] = after
    if clean:
        out = [clean_text(line) for line in out]
    return out


def article_heading(p: Proposal, index: int) -> str:
    return f"Article {p.chapter_number}.{index + 1}: {p.articles[index].title}"


def proposal_markdown(p: Proposal, *, clean: bool = False) -> str:
    """The proposal as Markdown: title block, articles with numbered paragraphs, notes and precedents
    (left out with ``clean``, which also removes brackets and keeps the first wording)."""
    def c(text: str) -> str:
        return clean_text(text) if clean else text

    out = [f"# {p.agreement}", "", f"## Chapter {p.chapter_number}: {c(p.chapter_title)}", ""]
    if not clean:
        out += [f"*{p.party_name(p.author)} proposal — {p.round} — {p.date} — DRAFT, without prejudice*", ""]
    for k, a in enumerate(p.articles):
        out += [f"### {c(article_heading(p, k))}", ""]
        for line in article_lines(a, clean=clean):
            out += [line, ""]
        if not clean:
            out += [f"> **Note ({n.party}):** {' '.join(n.text.split())}" for n in a.notes]
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
           ("<style>body{font-family:serif;max-width:46em;margin:2em auto}.br{background:#ffe08a;font-weight:bold}"
            ".sub{margin-left:2em}.note{color:#555;border-left:3px solid #ccc;padding-left:.5em}</style>"),
           "</head><body>", f"<h1>{escape(p.agreement)}</h1>", f"<h2>Chapter {p.chapter_number}: {c(p.chapter_title)}</h2>"]
    if not clean:
        out.append(f"<p><em>{escape(p.party_name(p.author))} proposal — {escape(p.round)} — {p.date} — DRAFT, "
                   "without prejudice</em></p>")
    for k, a in enumerate(p.articles):
        out.append(f"<h3>{c(article_heading(p, k))}</h3>")
        for line in article_lines(a, clean=clean):
            css = ' class="sub"' if line.startswith("(") else ""
            out.append(f"<p{css}>{c(line)}</p>")
        if not clean:
            out += [f'<p class="note"><strong>Note ({escape(n.party)}):</strong> {escape(" ".join(n.text.split()))}</p>'
                    for n in a.notes]
            if a.precedents:
                out.append(f"<p><em>Precedents:</em> {escape('; '.join(a.precedents))}</p>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def redline_pairs(old: Proposal, new: Proposal) -> list[tuple[str, str, str]]:
    """``(heading, old text, new text)`` per article, paired by position, from the clean texts (first
    wording of any alternatives); an article on one side only is all inserted or all deleted."""
    out = []
    for k in range(max(len(old.articles), len(new.articles))):
        a = old.articles[k] if k < len(old.articles) else None
        b = new.articles[k] if k < len(new.articles) else None
        ta, tb = (a.title if a else ""), (b.title if b else "")
        title = clean_text(tb or ta) if not a or not b or clean_text(ta) == clean_text(tb) else \
            f"{clean_text(ta)} → {clean_text(tb)}"
        text_a = "\n".join(article_lines(a, clean=True)) if a else ""
        text_b = "\n".join(article_lines(b, clean=True)) if b else ""
        out.append((f"Article {new.chapter_number}.{k + 1}: {title}", text_a, text_b))
    return out
