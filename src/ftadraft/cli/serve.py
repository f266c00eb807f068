"""``ftadraft serve``: the workbench in a browser (search, article, compare, precedents, draft, research).

The command checks the index, then hands over to uvicorn, which loads the application by name
(``ftadraft.web.app:from_environment``): the web layer comes after the CLI in the package's flow, so the CLI
names it rather than importing it.
"""

from __future__ import annotations

import os

import click

from ..errors import FtadraftError
from .app import Context, cli, run, warn

LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


@cli.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; 0.0.0.0 serves the whole network (a team), with a warning.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on.")
@click.option("--connections", default=2, show_default=True, type=click.IntRange(1, 8),
              help="Read-only connections to the index (requests served at once; each holds a warm scorer).")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 16),
              help="Server processes (each with its own warm copy): more serve more people at once on more cores.")
@click.pass_obj
def serve_cmd(obj: Context, host: str, port: int, connections: int, workers: int) -> None:
    """Serve the workbench on http://HOST:PORT/ (read-only: nothing a visitor does changes the index)."""

    def body() -> int:
        try:
            import uvicorn
        except ImportError:
            raise FtadraftError("the web workbench needs its extra: pip install 'ftadraft[web]'") from None
        with obj.open() as c:  # the index must exist and open read-only before the server starts
            path = c.path
            agreements = c.stats().get("agreements", 0)
        if host not in LOCAL_HOSTS:
            warn(f"serving on {host}: anyone who can reach this machine on port {port} can read the index and use "
                 "the workbench; there is no login. Serve a team only on a trusted network.")
        os.environ["FTADRAFT_SERVE_DB"] = str(path)
        os.environ["FTADRAFT_SERVE_CONNECTIONS"] = str(connections)
        if not obj.quiet:
            click.echo(f"ftadraft: {path} ({agreements:,} agreements): warming up, then serving on "
                       f"http://{'[' + host + ']' if ':' in host else host}:{port}/ (Ctrl+C stops)", err=True)
        uvicorn.run("ftadraft.web.app:from_environment", factory=True, host=host, port=port, workers=workers,
                    log_level="warning", access_log=False, server_header=False)
        return 0

    run(body)
