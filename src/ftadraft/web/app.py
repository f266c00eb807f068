"""The ASGI application of ``ftadraft serve``: routes, pages, JSON twins, downloads and error pages.

Every page is a plain function of the request that calls the library and renders a template; with
``?format=json`` (or ``Accept: application/json``) the same data comes back as JSON. Nothing a visitor does
writes to the index: the workbench opens it read-only. Errors are pages with one sentence (status 400 for
bad input, 404 for an unknown reference, 500 with no detail for a bug, whose traceback goes to the log).
"""

from __future__ import annotations

import logging
import re
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from ..errors import FtadraftError, ReferenceNotFound
from ..model import Provision, citation
from . import forms
from .render import DOCX, ENV, download, page, wants_json
from .workbench import Workbench

if TYPE_CHECKING:
    from ..compare.align import Alignment
    from ..compare.diff import Op
    from ..corpus import Corpus
    from ..provenance.precedents import Lineage
    from ..research.articles import ChapterSide
    from ..research.facets import Facets

log = logging.getLogger("ftadraft.web")

#: Sent with every response: no inline scripts or styles, no framing, no referrer, no sniffing.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                               "frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}



async def form_data(request: Request) -> Any:
    """The posted form, refused above :data:`forms.MAX_BODY` bytes before it is parsed."""
    length = request.headers.get("content-length")
    if length is None or not length.isdigit():
        raise FtadraftError("the form was sent without a length; send it from the page")
    if int(length) > forms.MAX_BODY:
        raise FtadraftError(f"the form is too large ({int(length):,} bytes; the limit is {forms.MAX_BODY:,})")
    return await request.form(max_files=1, max_fields=400, max_part_size=forms.MAX_BODY)


def params_of(request: Request, posted: Any = None) -> Any:
    return posted if posted is not None else request.query_params


# -- pages ---------------------------------------------------------------------------------------------
def make_pages(wb: Workbench) -> dict[str, Callable[..., Any]]:
    """The page functions, closed over one workbench."""
    from ..research.facets import facets
    from ..search.engine import Hit, search
    from ..tags import topics as tx

    topic_list = tx.taxonomy()
    topic_names = {t.id: t.name for t in topic_list}
    areas = tx.areas()
    common = {"topic_names": topic_names, "topic_list": topic_list, "areas": areas, "labels": forms.LABELS,
              "langs": forms.LANGS, "page_sizes": forms.PAGE_SIZES}

    def home(request: Request) -> Response:
        return RedirectResponse("/search", status_code=302)

    def _hits(c: Corpus, state: forms.SearchState) -> list[Hit]:
        """The hits behind a search: its first :data:`forms.FACET_DEPTH` matches, so that every page of it
        and its facet counts come from one search (cached); a snippet is made only when a page shows its
        hit. A grouped search fetches only as far as the page goes (grouping compares texts: costly)."""
        limit = min(forms.FACET_DEPTH, state.offset + state.size + 1) if state.group else forms.FACET_DEPTH
        key = (state.cache_key(), limit, wb.version(c))
        return wb.searches.get_or(key, lambda: search(c, state.q, limit=limit, filters=state.filters(),
                                                       group=state.group))

    def _facets(c: Corpus, state: forms.SearchState) -> Facets:
        plain = replace(state, group=False)  # copies are counted anyway; grouping 500 candidates costs seconds
        key = ("facets", plain.cache_key(), wb.version(c))
        return wb.facets.get_or(key, lambda: facets(_hits(c, plain)))

    def search_page(request: Request) -> Response:
        """The hits of one page; the facet counts come with the page for scripts (JSON) and without
        JavaScript (``facets=1``), else the page's script loads them afterwards (from the same cached search)."""
        state = forms.SearchState.from_query(request.query_params)
        inline = wants_json(request) or request.query_params.get("facets") == "1"
        if state.empty:
            with wb.corpus() as c:
                stats = wb.pages.get_or(("stats", wb.version(c)), c.stats)
            data: dict[str, Any] = {"state": state.to_dict(), "hits": [], "facets": None}
            return page(request, "search.html", {**common, "state": state, "hits": [], "stats": stats,
                                                 "facets": None}, data)
        with wb.corpus() as c:
            fetched = _hits(c, state)
            counts = _facets(c, state) if inline else None
        shown = fetched[state.offset: state.offset + state.size]
        more = len(fetched) > state.offset + state.size
        return page(request, "search.html", {**common, "state": state, "hits": shown, "facets": counts,
                                             "more": more, "depth": forms.FACET_DEPTH},
                    lambda: {"state": state.to_dict(), "hits": [h.to_dict() for h in shown], "more": more,
                             "facets": counts.to_dict() if counts else None})

    def facets_fragment(request: Request) -> Response:
        """The facet panel of a search, as an HTML fragment the search page's script inserts (or JSON)."""
        state = forms.SearchState.from_query(request.query_params)
        if state.empty:
            raise FtadraftError("no search to count: give words or a filter")
        with wb.corpus() as c:
            counts = _facets(c, state)
        return page(request, "_facets.html", {**common, "state": state, "facets": counts,
                                              "depth": forms.FACET_DEPTH}, counts.to_dict())

    def article_page(request: Request) -> Response:
        """An article; its lineage (the slowest part) comes inline for JSON and ``lineage=1``, else the page's
        script loads it afterwards from :func:`lineage_fragment`."""
        pid = request.path_params["ref"]
        if len(pid) > forms.MAX_FIELD:
            raise FtadraftError("the article reference is too long")
        inline = wants_json(request) or request.query_params.get("lineage") == "1"
        with wb.corpus() as c:
            ctx = wb.articles.get_or((pid, wb.version(c)), lambda: _article(c, pid))
            chrono = _lineage(c, ctx["p"]) if inline else None
        data = {**ctx["data"], "lineage": chrono.to_dict() if chrono else None}
        return page(request, "article.html", {**common, **ctx, "lineage": chrono}, data)

    def lineage_fragment(request: Request) -> Response:
        pid = request.path_params["ref"]
        if len(pid) > forms.MAX_FIELD:
            raise FtadraftError("the article reference is too long")
        with wb.corpus() as c:
            p = c.provision(pid)
            chrono = _lineage(c, p)
        return page(request, "_lineage.html", {"lineage": chrono, "p": p}, chrono.to_dict())

    def _lineage(c: Corpus, p: Provision) -> Lineage:
        from ..provenance.precedents import lineage

        return wb.pages.get_or(("lineage", p.id, wb.version(c)), lambda: lineage(c, p.text, provision=p))

    def _article(c: Corpus, ref: str) -> dict[str, Any]:
        from ..normalize import paragraphs as split_paragraphs
        from ..research.articles import source_line
        from ..tags.evidence import provision_evidence
        from ..tags.obligation import classify

        p = c.provision(ref)
        a = c.agreement(p.agreement_id)
        basis = classify(p.normalized, None, p.title)
        evidence = provision_evidence(p, a.language or "en")
        near = wb.wordings(c).closest(p.text, tuple(p.topics), limit=5)
        paragraphs = split_paragraphs(p.text) or [p.text]
        data = {"article": p.to_dict() | {"lemmas": None, "normalized": None}, "agreement": a.to_dict(),
                "citation": citation(a, p), "source": source_line(a),
                "obligation": {"label": p.obligation, "binding": list(basis.binding), "soft": list(basis.soft)},
                "topics": [e.to_dict() for e in evidence], "closest_clauses": [n.to_dict() for n in near]}
        return {"p": p, "a": a, "cite": citation(a, p), "source": source_line(a), "paragraphs": paragraphs,
                "basis": basis, "evidence": evidence, "near": near, "data": data}

    async def compare_page(request: Request) -> Response:
        posted = await form_data(request) if request.method == "POST" else None
        params = params_of(request, posted)
        return await _run(lambda: _compare(request, params))

    def _compare(request: Request, params: Any) -> Response:
        from ..compare.align import align_articles, article_label
        from ..compare.texts import compare_texts, render_html
        from ..index.refs import split_ref
        from ..research.articles import chapter_side, source_line

        a_ref = forms.text_field(params, "a")
        b_ref = forms.text_field(params, "b")
        text_b = forms.pasted(params, "text_b", required=False)
        chapter_a = forms.text_field(params, "chapter") or None
        chapter_b = forms.text_field(params, "chapter_b") or chapter_a
        fmt = forms.text_field(params, "format", 10)
        if not a_ref:
            return page(request, "compare.html", {**common, "cmp": None, "a_ref": "", "b_ref": b_ref,
                                                  "chapter": chapter_a or "", "chapter_b": ""}, {"comparison": None})
        with wb.corpus() as c:
            chapters = chapter_a is not None or (not text_b and split_ref(a_ref)[1] is None)
            if chapters:
                if not b_ref:
                    raise FtadraftError("name the second agreement (or article) to align with")
                side_a, side_b = chapter_side(c, a_ref, chapter_a), chapter_side(c, b_ref, chapter_b)
                alignment = align_articles(list(side_a.articles), list(side_b.articles))
                rows, furthest = [], -1
                for pair in alignment.pairs:
                    left, right = side_a.articles[pair.index_a], side_b.articles[pair.index_b]
                    cmp = None if pair.status == "identical" else compare_texts(left.text, right.text)
                    rows.append({"a": left, "b": right, "pair": pair, "cmp": cmp, "moved": pair.index_b < furthest})
                    furthest = max(furthest, pair.index_b)
                if fmt == "docx":
                    return _chapter_docx(side_a, side_b, alignment, article_label)
                data = {"a": side_a.name, "b": side_b.name, **alignment.to_dict()}
                return page(request, "chapters.html", {
                    **common, "side_a": side_a, "side_b": side_b, "rows": rows, "alignment": alignment,
                    "only_a": [side_a.articles[i] for i in alignment.only_a_index],
                    "only_b": [side_b.articles[j] for j in alignment.only_b_index],
                    "a_ref": a_ref, "b_ref": b_ref, "chapter": chapter_a or "", "chapter_b": chapter_b or ""}, data)
            pa = c.provision(a_ref)
            aa = c.agreement(pa.agreement_id)
            label_a, sources = citation(aa, pa), [source_line(aa)]
            pb: Provision | None = None
            if text_b:
                label_b, body_b = "pasted text", text_b
                sources.append("text pasted by the user")
            else:
                if not b_ref:
                    raise FtadraftError("name a second article, or paste a text to compare with")
                pb = c.provision(b_ref)
                ab = c.agreement(pb.agreement_id)
                label_b, body_b = citation(ab, pb), pb.text
                sources.append(source_line(ab))
        comparison = compare_texts(pa.text, body_b, label_a=label_a, label_b=label_b)
        stem = f"compare-{pa.id}-{pb.id if pb else 'pasted'}"
        if fmt == "html":
            return download(render_html(comparison).encode("utf-8"), forms.safe_filename(stem, ".html"),
                            "text/html; charset=utf-8")
        if fmt == "docx":
            from ..compare.redline import write_redline_docx
            from ..drafting.house import new_document

            with tempfile.TemporaryDirectory() as tmp:
                out = Path(tmp) / "compare.docx"
                short_a, short_b = (label.rsplit(", ", 1)[-1] for label in (label_a, label_b))
                write_redline_docx([(f"{short_a} → {short_b}", pa.text, body_b)], out, author="ftadraft",
                                   date=datetime.now(UTC), title=f"{label_a} compared with {label_b}",
                                   source="Sources: " + "; ".join(dict.fromkeys(sources))
                                   + ". Tracked changes show the second text against the first.",
                                   document=new_document())
                return download(out.read_bytes(), forms.safe_filename(stem, ".docx"), DOCX)
        return page(request, "compare.html", {**common, "cmp": comparison, "pa": pa, "pb": pb, "a_ref": a_ref,
                                              "b_ref": b_ref, "text_b": text_b, "chapter": "", "chapter_b": "",
                                              "sides": _sides(comparison.ops)}, comparison.to_dict())

    def _chapter_docx(side_a: ChapterSide, side_b: ChapterSide, alignment: Alignment,
                      article_label: Callable[[Provision], str]) -> Response:
        from ..compare.redline import write_redline_docx
        from ..drafting.house import new_document

        def name(p: Provision) -> str:
            return f"{article_label(p)}" + (f" {p.title}" if p.title else "")

        items = []
        for i, j in alignment.merged_order():
            left = side_a.articles[i] if i is not None else None
            right = side_b.articles[j] if j is not None else None
            if left is not None and right is not None:
                heading = name(left) if name(left) == name(right) else f"{name(left)} → {name(right)}"
            elif left is not None:
                heading = f"{name(left)} (only in A: deleted)"
            else:
                assert right is not None
                heading = f"{name(right)} (only in B: inserted)"
            items.append((heading, left.text if left else "", right.text if right else ""))
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "chapters.docx"
            write_redline_docx(items, out, author="ftadraft", date=datetime.now(UTC),
                               title=f"{side_a.name} compared with {side_b.name}",
                               source=f"Sources: {side_a.source}; {side_b.source}. Tracked changes show the second "
                                      "text against the first.", document=new_document(), whole_articles=True)
            return download(out.read_bytes(), forms.safe_filename(f"chapters-{side_a.name}-{side_b.name}", ".docx"),
                            DOCX)

    async def precedents_page(request: Request) -> Response:
        posted = await form_data(request) if request.method == "POST" else None
        return await _run(lambda: _precedents(request, params_of(request, posted)))

    def _precedents(request: Request, params: Any) -> Response:
        from ..provenance.precedents import precedent_report

        text = forms.pasted(params, "text", required=False)
        if not text:
            return page(request, "precedents.html", {**common, "text": "", "hits": None}, {"hits": None})
        with wb.corpus() as c:
            # white space folded: the matching passage comes from the normalised text (one line), and a diff of
            # pasted paragraphs against one line marks every word changed (same hits, lineage and similarity)
            report = precedent_report(c, " ".join(text.split()), label="your text", limit=10, with_lineage=True)
        comparison = report.comparison()
        data = {**report.to_dict(diff=False), "diff": comparison.to_dict() if comparison else None}
        return page(request, "precedents.html", {**common, "text": text, "hits": report.hits, "lineage": report.lineage,
                                                 "cmp": comparison,
                                                 "sides": _sides(comparison.ops) if comparison else None}, data)

    async def draft_page(request: Request) -> Response:
        posted = await form_data(request) if request.method == "POST" else None
        return await _run(lambda: _draft(request, posted))

    def _draft(request: Request, posted: Any) -> Response:
        from .draft import handle

        return handle(request, posted, wb, common)

    def research_page(request: Request) -> Response:
        from ..research.views import CELL_LEVELS, coverage

        params = request.query_params
        area = forms.text_field(params, "area", 40) or "e-commerce"
        if area not in areas:
            raise FtadraftError(f"{area}: no such area; areas are {', '.join(areas)}")
        since = forms.int_field(params, "since", 1000, 2999)
        until = forms.int_field(params, "until", 1000, 2999)
        party = forms.many(params.getlist("party"), "party", 5)
        with wb.corpus() as c:
            cov = wb.pages.get_or(("coverage", area, since, until, party, wb.version(c)),
                                  lambda: coverage(c, area=area, since=since, until=until, parties=party or None))
        return page(request, "research.html", {**common, "cov": cov, "area": area, "since": since, "until": until,
                                               "party": ",".join(party), "levels": CELL_LEVELS}, cov.to_dict())

    def diffusion_page(request: Request) -> Response:
        from ..research.views import diffusion

        topic = forms.text_field(request.query_params, "topic", 80) or "e-commerce/customs-duties"
        with wb.corpus() as c:
            d = diffusion(c, topic)
        peak = max([y.agreements for y in d.years] + [1])
        return page(request, "diffusion.html", {**common, "d": d, "peak": peak, "topic": topic}, d.to_dict())

    def agreement_profile_page(request: Request) -> Response:
        from ..research.views import agreement_profile

        ref = request.path_params["ref"]
        with wb.corpus() as c:
            prof = agreement_profile(c, ref)
        return page(request, "agreement.html", {**common, "prof": prof}, prof.to_dict())

    def party_profile_page(request: Request) -> Response:
        from ..research.views import party_profile

        code = request.path_params["code"]
        if not re.fullmatch(r"[A-Za-z]{2,3}", code):
            raise FtadraftError(f"{code[:20]!r} is not a party code (ISO3, e.g. USA)")
        with wb.corpus() as c:
            prof = party_profile(c, code.upper())
        names = {a.id: f"{a.name} ({a.year or 'n.d.'})" for a in prof.agreements}
        return page(request, "party.html", {**common, "prof": prof, "names": names}, prof.to_dict())

    return {"home": home, "search": search_page, "facets": facets_fragment, "lineage": lineage_fragment,
            "article": article_page, "compare": compare_page,
            "precedents": precedents_page, "draft": draft_page, "research": research_page,
            "diffusion": diffusion_page, "agreement": agreement_profile_page, "party": party_profile_page}


async def _run(fn: Callable[[], Response]) -> Response:
    """A blocking page body in the thread pool (library calls and SQLite are blocking)."""
    from starlette.concurrency import run_in_threadpool

    return await run_in_threadpool(fn)


def _sides(ops: Iterable[Op]) -> list[tuple[str, str, str]]:
    """The diff ops as (kind, A text, B text) for the side-by-side and inline views."""
    return [(op.kind, op.a, op.b) for op in ops]


# -- errors --------------------------------------------------------------------------------------------
def _error(request: Request, message: str, status: int) -> Response:
    message = " ".join(message.split())
    if wants_json(request):
        return JSONResponse({"error": message}, status_code=status)
    html = ENV.get_template("error.html").render(request=request, message=message, status=status)
    return HTMLResponse(html, status_code=status)


async def _on_ftadraft_error(request: Request, exc: Exception) -> Response:
    return _error(request, str(exc), 404 if isinstance(exc, ReferenceNotFound) else 400)


async def _on_http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    text = {404: "There is no such page.", 405: "This page does not take that kind of request."}
    return _error(request, text.get(exc.status_code, str(exc.detail)), exc.status_code)


async def _on_any_error(request: Request, exc: Exception) -> Response:
    log.exception("error serving %s", request.url.path)
    return _error(request, "Something went wrong on the server; the details are in the server's log.", 500)


class SecurityHeaders:
    """ASGI middleware adding :data:`SECURITY_HEADERS` to every response, and a ``Server-Timing`` header
    (``app;dur=12.3``: milliseconds from the request's arrival to its response's start) for benchmarks."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        started = time.perf_counter()

        async def with_headers(message: Any) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [(k.lower().encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]
                headers.append((b"server-timing", f"app;dur={(time.perf_counter() - started) * 1000:.1f}".encode()))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)


def create_app(db: Path | str, *, connections: int = 2, warm: bool = True) -> Starlette:
    """The application over the index at ``db`` (opened read-only, ``connections`` times)."""
    from starlette.middleware import Middleware

    wb = Workbench(Path(db), connections=connections)
    if warm:
        from ..tags.evidence import topic_evidence
        from ..tags.obligation import classify

        wb.warm()
        for name in ENV.list_templates():  # compiled now, not in a visitor's first request
            ENV.get_template(name)
        classify("Each Party shall publish its laws and should endeavour to consult.")  # its patterns, compiled
        import ftadraft.research.articles  # noqa: F401  (the article and compare pages' modules: ~1 s of imports)
        # the topic tables and the English lemmatiser behind the article page's deciding sentences, loaded
        topic_evidence("Each Party shall publish its customs laws.", ["clearance/publication"])
    p = make_pages(wb)
    routes = [
        Route("/", p["home"]),
        Route("/search", p["search"]),
        Route("/search/facets", p["facets"]),
        Route("/lineage/{ref:path}", p["lineage"]),
        Route("/article/{ref:path}", p["article"]),
        Route("/compare", p["compare"], methods=["GET", "POST"]),
        Route("/precedents", p["precedents"], methods=["GET", "POST"]),
        Route("/draft", p["draft"], methods=["GET", "POST"]),
        Route("/research", p["research"]),
        Route("/research/diffusion", p["diffusion"]),
        Route("/research/agreement/{ref:path}", p["agreement"]),
        Route("/research/party/{code}", p["party"]),
        Mount("/static", StaticFiles(packages=[("ftadraft.web", "static")]), name="static"),
    ]
    from starlette.middleware.gzip import GZipMiddleware

    middleware = [Middleware(SecurityHeaders), Middleware(GZipMiddleware, minimum_size=4096)]
    app = Starlette(routes=routes, middleware=middleware,
                    exception_handlers={FtadraftError: _on_ftadraft_error, HTTPException: _on_http_error,
                                        Exception: _on_any_error})
    app.state.workbench = wb
    return app


def from_environment() -> Starlette:
    """The application ``ftadraft serve`` asks uvicorn for: the index in ``$FTADRAFT_SERVE_DB``."""
    import os

    db = os.environ.get("FTADRAFT_SERVE_DB")
    if not db:
        raise FtadraftError("FTADRAFT_SERVE_DB is not set: start the workbench with `ftadraft serve`")
    return create_app(db, connections=int(os.environ.get("FTADRAFT_SERVE_CONNECTIONS", "2")))
