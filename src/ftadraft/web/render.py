"""Rendering shared by the pages: the Jinja2 environment (autoescaping everywhere), HTML or JSON responses,
and downloads with safe names."""

from __future__ import annotations

import re
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup, escape
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from .. import __version__

_MARK = re.compile(r"\[([^\[\]]{1,200})\]")


def highlight(snippet: str) -> Markup:
    """A search snippet with its ``[matched words]`` marked, everything else escaped."""
    return Markup(_MARK.sub(lambda m: f"<mark>{m.group(1)}</mark>", str(escape(snippet))))


def _env() -> Environment:
    env = Environment(loader=PackageLoader("ftadraft.web", "templates"), autoescape=select_autoescape(["html"]),
                      trim_blocks=True, lstrip_blocks=True, auto_reload=False)  # packaged: no stat per page
    env.filters["highlight"] = highlight
    env.filters["pct"] = lambda x: f"{x:.0%}"
    env.globals["version"] = __version__
    return env


ENV = _env()


def wants_json(request: Request) -> bool:
    return (request.query_params.get("format") == "json"
            or request.headers.get("accept", "").startswith("application/json"))


def page(request: Request, template: str, context: dict[str, Any], data: Any = None, status: int = 200) -> Response:
    """The HTML page, or its JSON twin (``data``, or what ``data()`` returns: made only when asked for)."""
    if wants_json(request):
        if callable(data):
            data = data()
        return JSONResponse(data if data is not None else {}, status_code=status)
    html = ENV.get_template(template).render(request=request, **context)
    return HTMLResponse(html, status_code=status)


def download(data: bytes, name: str, media: str) -> Response:
    return Response(data, media_type=media,
                    headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})


DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


