"""The workbench in a browser: ``ftadraft serve``, a local web application over one index.

Server-rendered pages (Starlette, Jinja2 templates, served by uvicorn) for search, an article, compare,
precedents, drafting and the research views; every page has a JSON twin (``?format=json``). The layer is as
thin as the CLI: each page calls the library functions the matching command calls and renders the result.

- :mod:`.workbench` — the shared state of one server process: read-only connections to the index (a small
  pool, one request at a time per connection), the warm scorer and precedent index, small result caches.
- :mod:`.forms` — reading and bounding what a visitor sends (query strings and forms) into library types.
- :mod:`.render` — the Jinja2 environment (autoescaping), HTML or JSON responses, downloads.
- :mod:`.draft` — the Draft page: a spec edited one step at a time (:mod:`ftadraft.drafting.editing`).
- :mod:`.app` — the ASGI application: routes, pages, fragments loaded after a page, error pages.

Templates are in ``templates/``; ``static/`` holds the style sheet and one small script (progressive
enhancement only: every page works without it).

May import: everything (web is last in the flow).
"""
