"""Editing a draft spec one step at a time: the operations of an interactive drafting screen.

A spec is YAML text (see :mod:`.spec`); every operation takes the text and returns new text, so the text
itself is the whole state (a web form can carry it, a user can download and load it back). Comments in
the text are not kept. Each operation checks its own input and raises :class:`~ftadraft.errors.FtadraftError`
with one line; what the result means as a proposal is :func:`~.spec.check_spec`'s job.

    >>> text = new_spec(lib, "e-commerce", "standard", ["USA", "GBR"])
    >>> text = apply_edit(text, DraftEdit("level", index=2, level="ambitious"), lib)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import yaml  # type: ignore[import-untyped]

from .. import safe_yaml
from ..errors import FtadraftError
from .clauses import CLAUSE_LEVELS, ClauseLibrary

#: Most articles a draft may hold (the spec reader's limit on list items).
MAX_ARTICLES = safe_yaml.MAX_ITEMS
#: Longest text of a free-text article or alternative, and of a value.
MAX_TEXT = 20_000
MAX_VALUE = 500

Action = Literal["add-clause", "add-text", "remove", "up", "down", "level", "value", "alternative"]
ACTIONS: tuple[str, ...] = ("add-clause", "add-text", "remove", "up", "down", "level", "value", "alternative")


@dataclass(frozen=True)
class DraftEdit:
    """One change to a spec: ``action`` on article ``index`` (0-based) with the fields that action uses
    (``clause`` for add-clause; ``title``/``text`` for add-text; ``level``; ``name``/``value``; ``party``/``text``
    for a party's alternative wording)."""

    action: Action
    index: int = -1
    clause: str = ""
    level: str = ""
    name: str = ""
    value: str = ""
    party: str = ""
    title: str = ""
    text: str = ""

    def __post_init__(self) -> None:
        if self.action not in ACTIONS:
            raise FtadraftError(f"{self.action}: no such change; changes are {', '.join(ACTIONS)}")
        for field, limit in (("text", MAX_TEXT), ("value", MAX_VALUE), ("title", 200), ("name", 40),
                             ("clause", 200), ("party", 3)):
            if len(getattr(self, field)) > limit:
                raise FtadraftError(f"the {field} is too long (limit {limit:,} characters)")


def _plain(node: Any) -> Any:
    """The strict reader's Map/Seq as plain dicts and lists (for dumping back)."""
    if isinstance(node, dict):
        return {str(k): _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    return node


def spec_data(text: str, where: str = "draft.yaml") -> dict[str, Any]:
    """The spec text as plain data (read by the strict reader); not a mapping → one-line error."""
    root = safe_yaml.load(text.encode("utf-8"), where, kind="specs")
    if not isinstance(root, dict):
        raise FtadraftError(f"{where}: the spec must be a mapping of fields")
    return _plain(root)


def dump_spec(data: dict[str, Any]) -> str:
    """Spec data as YAML text, fields in the order the spec reader documents."""
    articles = data.get("articles") or []
    head = {k: v for k, v in data.items() if k != "articles"}
    text = yaml.safe_dump(head, sort_keys=False, allow_unicode=True, width=100, default_flow_style=False)
    body = yaml.safe_dump({"articles": articles}, sort_keys=False, allow_unicode=True, width=100,
                          default_flow_style=False)
    return text + body


def _articles(data: dict[str, Any]) -> list[Any]:
    articles = data.get("articles")
    if not isinstance(articles, list):
        articles = []
        data["articles"] = articles
    return articles


def _article(data: dict[str, Any], index: int) -> dict[str, Any]:
    articles = _articles(data)
    if not 0 <= index < len(articles) or not isinstance(articles[index], dict):
        raise FtadraftError(f"article {index + 1}: no such article (the draft has {len(articles)})")
    return articles[index]  # type: ignore[no-any-return]


def _author(data: dict[str, Any]) -> str:
    author = data.get("author")
    return author if isinstance(author, str) else ""


def _coerce(value: str, kind: str) -> Any:
    if kind == "number":
        try:
            return int(value)
        except ValueError:
            try:
                return float(value)
            except ValueError:
                raise FtadraftError(f"{value!r}: give a number") from None
    return value


def apply_edit(text: str, edit: DraftEdit, library: ClauseLibrary, where: str = "draft.yaml") -> str:
    """The spec ``text`` with ``edit`` applied (see :class:`DraftEdit`)."""
    data = spec_data(text, where)
    articles = _articles(data)
    a = edit.action
    if a in ("add-clause", "add-text") and len(articles) >= MAX_ARTICLES:
        raise FtadraftError(f"a draft holds at most {MAX_ARTICLES} articles")
    if a == "add-clause":
        clause = library.get(edit.clause)
        articles.append({"clause": clause.id})
    elif a == "add-text":
        if not edit.title.strip() or not edit.text.strip():
            raise FtadraftError("a free-text article needs a title and a text")
        articles.append({"title": edit.title.strip(), "text": edit.text.strip()})
    elif a == "remove":
        _article(data, edit.index)
        del articles[edit.index]
    elif a in ("up", "down"):
        _article(data, edit.index)
        j = edit.index + (-1 if a == "up" else 1)
        if 0 <= j < len(articles):
            articles[edit.index], articles[j] = articles[j], articles[edit.index]
    elif a == "level":
        _switch_level(_article(data, edit.index), edit, library)
    elif a == "value":
        _set_value(_article(data, edit.index), edit, library)
    else:
        _add_alternative(data, _article(data, edit.index), edit, library)
    return dump_spec(data)


def _switch_level(art: dict[str, Any], edit: DraftEdit, library: ClauseLibrary) -> None:
    if edit.level not in CLAUSE_LEVELS:
        raise FtadraftError(f"{edit.level}: no such level; levels are {', '.join(CLAUSE_LEVELS)}")
    if not isinstance(art.get("clause"), str):
        raise FtadraftError(f"article {edit.index + 1} is not a library clause: only those have levels")
    old = library.get(art["clause"])
    found = [c for c in library.select(old.topic, edit.level) if c.topic == old.topic]
    if not found:
        have = sorted({c.level for c in library.select(old.topic) if c.topic == old.topic}, key=CLAUSE_LEVELS.index)
        raise FtadraftError(f"{old.topic}: the library has no {edit.level} clause (it has {', '.join(have)})")
    new = min(found, key=lambda c: (not c.id.endswith("/" + c.level), c.id))
    art["clause"] = new.id
    for key, known in (("values", {v.name for v in new.variables}), ("options", {o.id for o in new.options})):
        kept = {k: v for k, v in (art.get(key) or {}).items() if k in known}
        if kept:
            art[key] = kept
        else:
            art.pop(key, None)


def _set_value(art: dict[str, Any], edit: DraftEdit, library: ClauseLibrary) -> None:
    if not isinstance(art.get("clause"), str):
        raise FtadraftError(f"article {edit.index + 1} is not a library clause: it has no variables")
    clause = library.get(art["clause"])
    option = next((o for o in clause.options if o.id == edit.name), None)
    if option is not None:
        art.setdefault("options", {})[option.id] = edit.value.strip().lower() in ("1", "true", "yes", "on")
        return
    var = clause.variable(edit.name)
    if var is None or var.type == "party":
        names = [v.name for v in clause.variables if v.type != "party"] + [o.id for o in clause.options]
        raise FtadraftError(f"{edit.name}: {clause.id} has no such variable or option"
                            + (f"; it has {', '.join(names)}" if names else ""))
    if not edit.value.strip():
        (art.get("values") or {}).pop(var.name, None)
        if not art.get("values"):
            art.pop("values", None)
        return
    art.setdefault("values", {})[var.name] = _coerce(edit.value.strip(), var.type)


def _add_alternative(data: dict[str, Any], art: dict[str, Any], edit: DraftEdit, library: ClauseLibrary) -> None:
    party = edit.party.strip().upper()
    codes = [p.get("code") for p in data.get("parties") or [] if isinstance(p, dict)]
    if party not in codes:
        raise FtadraftError(f"{party or '(no party)'}: not a party of this draft; "
                            f"parties are {', '.join(map(str, codes))}")
    if not edit.text.strip():
        raise FtadraftError("the alternative wording is empty")
    mine = {"party": party, "text": edit.text.strip()}
    if "alternatives" in art:
        if any(alt.get("party") == party for alt in art["alternatives"]):
            raise FtadraftError(f"{party} already has a wording in article {edit.index + 1}")
        art["alternatives"].append(mine)
        return
    author = _author(data)
    if party == author:
        raise FtadraftError(f"{party} is the author of this draft: edit the article's own text instead")
    if isinstance(art.get("clause"), str):
        first: dict[str, Any] = {"party": author, "clause": art.pop("clause")}
        for key in ("values", "options"):
            if key in art:
                first[key] = art.pop(key)
    else:
        first = {"party": author, "text": art.pop("text", "")}
    art["style"] = "inline" if "\n" not in edit.text.strip() and "text" in first else "stacked"
    art["alternatives"] = [first, mine]
