"""The Draft page: start from ``draft new`` choices or a loaded spec, edit it one step at a time, see the
consolidated text, download the Word documents and the spec.

The spec's YAML text is the whole state: the page carries it in its form, and every button sends it back
with one change (:func:`ftadraft.drafting.editing.apply_edit`); values typed into the article fields are
applied first, so typing and then pressing any button never loses an edit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.datastructures import UploadFile
from starlette.responses import Response

from ..errors import FtadraftError, InputError
from . import forms

if TYPE_CHECKING:
    from starlette.requests import Request

    from .workbench import Workbench

KINDS = {"consolidated": "the consolidated text with internal notes, for the team",
         "tabled": "what the delegation tables (no internal notes)",
         "clean": "clean text: the first wording of each alternative, no brackets"}


def _spec_text(posted: Any) -> str:
    upload = posted.get("spec_file")
    if isinstance(upload, UploadFile) and upload.filename:
        data = upload.file.read(forms.MAX_SPEC + 1)
        if len(data) > forms.MAX_SPEC:
            raise InputError(upload.filename[:80], f"larger than {forms.MAX_SPEC:,} bytes")
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise InputError(upload.filename[:80], "not UTF-8 text") from None
    return forms.text_field(posted, "spec", forms.MAX_SPEC)


def _typed_edits(posted: Any, data: dict[str, Any]) -> list[Any]:
    """The value and level fields whose content differs from the spec, as edits."""
    from ..drafting.editing import DraftEdit

    edits = []
    articles = data.get("articles") or []
    for key in posted.keys():
        if key.startswith("v:"):
            _, index, name = key.split(":", 2)
            if not index.isdigit() or int(index) >= len(articles):
                continue
            art = articles[int(index)]
            current = {**(art.get("values") or {}), **(art.get("options") or {})}.get(name)
            value = forms.text_field(posted, key, 500)
            shown = "" if current is None else ("true" if current is True else "false" if current is False
                                                 else str(current))
            if value != shown:
                edits.append(DraftEdit("value", index=int(index), name=name, value=value))
        elif key.startswith("level:"):
            index = key.split(":", 1)[1]
            if not index.isdigit() or int(index) >= len(articles):
                continue
            wanted = forms.text_field(posted, key, 20)
            clause = articles[int(index)].get("clause")
            if wanted and isinstance(clause, str) and not clause.endswith("/" + wanted) and wanted != _level(clause):
                edits.append(DraftEdit("level", index=int(index), level=wanted))
    return edits


def _level(clause_id: str) -> str:
    return clause_id.rsplit("/", 1)[-1].split("-")[-1]


def handle(request: Request, posted: Any, wb: Workbench, common: dict[str, Any]) -> Response:
    """GET: the start form. POST: ``op`` is new, load, download:KIND, or ACTION:INDEX on the posted spec."""
    from ..drafting.clauses import AREAS, CLAUSE_LEVELS
    from ..drafting.editing import ACTIONS, DraftEdit, apply_edit, spec_data
    from ..drafting.spec import new_spec
    from .render import page

    library = wb.library
    start = {**common, "areas_draft": [a for a in AREAS if a != "general"], "levels": CLAUSE_LEVELS, "kinds": KINDS,
             "clauses": library.clauses}
    if posted is None:
        return page(request, "draft.html", {**start, "spec": "", "draft": None}, {"spec": None})
    op = forms.text_field(posted, "op", 40)
    notice = ""
    if op == "new":
        parties = [p for p in forms.text_field(posted, "parties", 100).replace(" ", ",").split(",") if p]
        text = new_spec(library, forms.text_field(posted, "area", 40), forms.text_field(posted, "level", 20),
                        parties, nearest=bool(posted.get("nearest")))
    elif op == "load":
        text = _spec_text(posted)
        if not text.strip():
            raise FtadraftError("choose a spec file or paste a spec to load")
    else:
        text = forms.text_field(posted, "spec", forms.MAX_SPEC)
        if not text.strip():
            raise FtadraftError("the draft is empty: start a new one or load a spec")
        data = spec_data(text)
        for edit in _typed_edits(posted, data):
            text = apply_edit(text, edit, library)
        action, _, index = op.partition(":")
        if action == "download":
            return _download(text, index, wb)
        if action in ACTIONS:
            n = int(index) if index.isdigit() else -1
            text = apply_edit(text, DraftEdit(
                action, index=n,  # type: ignore[arg-type]
                clause=forms.text_field(posted, "add_clause"),
                title=forms.text_field(posted, "new_title"), text=forms.pasted(
                    posted, f"alt_text:{n}" if action == "alternative" else "new_text", required=False),
                party=forms.text_field(posted, f"alt_party:{n}", 3)), library)
            notice = {"add-clause": "Article added.", "add-text": "Article added.", "remove": "Article removed.",
                      "up": "Article moved up.", "down": "Article moved down.", "level": "Level switched.",
                      "alternative": "Alternative added."}.get(action, "")
        elif action not in ("apply", ""):
            raise FtadraftError(f"{op[:40]}: not something this page can do")
        else:
            notice = "Changes applied."
    return _render(request, text, wb, start, notice)


def _render(request: Request, text: str, wb: Workbench, start: dict[str, Any], notice: str) -> Response:
    from ..drafting.clauses import CLAUSE_LEVELS
    from ..drafting.editing import spec_data
    from ..drafting.spec import article_heading, article_lines, build_proposal, check_spec, read_spec_text
    from .render import page

    library = wb.library
    spec, problems = read_spec_text(text)
    proposal = None
    if spec is not None and not any(p.is_error for p in problems):
        with wb.corpus() as c:
            problems += check_spec(spec, library, c)
            if not any(p.is_error for p in problems):
                proposal = build_proposal(spec, library, c, checked=True)
    data = spec_data(text)
    rows = []
    for i, art in enumerate(data.get("articles") or []):
        clause = None
        if isinstance(art.get("clause"), str):
            try:
                clause = library.get(art["clause"])
            except FtadraftError:
                clause = None
        levels = sorted({c.level for c in library.select(clause.topic) if c.topic == clause.topic},
                        key=CLAUSE_LEVELS.index) if clause else []
        built = proposal.articles[i].title if proposal is not None and i < len(proposal.articles) else None
        rows.append({"i": i, "art": art, "clause": clause, "levels": levels,
                     "kind": "clause" if "clause" in art else "alternatives" if "alternatives" in art else "text",
                     "title": built or art.get("title") or (clause.title if clause else f"Article {i + 1}")})
    consolidated = []
    if proposal is not None:
        for k, article in enumerate(proposal.articles):
            consolidated.append((article_heading(proposal, k), article_lines(article, label=proposal.party_label)))
    parties = [p.get("code") for p in data.get("parties") or [] if isinstance(p, dict)]
    json_data = {"spec": text, "problems": [str(p) for p in problems],
                 "articles": [{"heading": h, "lines": lines} for h, lines in consolidated]}
    return page(request, "draft.html", {**start, "spec": text, "draft": data, "rows": rows, "problems": problems,
                                        "consolidated": consolidated, "parties": parties, "notice": notice},
                json_data)


def _download(text: str, kind: str, wb: Workbench) -> Response:
    from ..drafting.docx_writer import render_proposal
    from ..drafting.spec import build_proposal, read_spec_text
    from .render import DOCX, download

    spec, problems = read_spec_text(text)
    errors = [p for p in problems if p.is_error]
    if spec is None or errors:
        raise FtadraftError(f"the draft has problems; fix them first ({errors[0] if errors else 'unreadable'})")
    stem = "draft-" + "-".join(p.code for p in spec.parties) + "-" + spec.round.replace(" ", "")
    if kind == "yaml":
        return download(text.encode("utf-8"), forms.safe_filename(stem, ".yaml"), "application/yaml")
    if kind not in KINDS:
        raise FtadraftError(f"{kind[:20]}: downloads are {', '.join(KINDS)} or yaml")
    with wb.corpus() as c:
        proposal = build_proposal(spec, wb.library, c, internal=kind == "consolidated")
    data = render_proposal(proposal, clean=kind == "clean", footnotes=False, annex=False)
    return download(data, forms.safe_filename(f"{stem}-{kind}", ".docx"), DOCX)
