"""Benchmark of ``ftadraft serve`` on the full ToTA index: page times in a warm server, then a team's load.

Starts a real server (``ftadraft serve``, uvicorn) on the index, waits until it has warmed up, then:

1. **Search page, warm server**: every query of ``bench/queries.toml`` (74) once — each a search the server has
   not seen (its result cache misses) — then the same again (cache hits), as HTML pages. Server time is the
   server's own ``Server-Timing`` header (arrival of the request to the start of the response).
2. **Article page**: the first hit of each query, once (first visit: lineage, closest clauses) and again.
3. **20 concurrent clients for 60 s**: each client loops over a mix of pages (70 % search pages of random
   queries with random filters and pages, 30 % article pages), one keep-alive connection per client, no
   pause; after each search page it also fetches the facet panel, as the page's script does in a browser.
   Reports errors (any status other than 200) and client-side latency of the pages (and of the panels).

Targets (issue 18): search page p95 ≤ 50 ms server time; article page ≤ 50 ms; 20 clients for 60 s with no
error and p95 ≤ 250 ms.

    .venv/bin/python bench/web_bench.py --db /tmp/tota.sqlite [--clients 20] [--seconds 60] [--connections 2]
        [--workers 1] [--pause 0]   # --pause 2: each client reads ~2 s between pages (supplementary, not the target)
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import tomllib
import urllib.parse
from pathlib import Path

HERE = Path(__file__).resolve().parent
OBLIGATIONS = ("", "", "", "binding", "mixed", "soft")
PARTIES = ("", "", "", "USA", "KOR", "CHL", "JPN", "SGP", "CAN")


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def get(conn: http.client.HTTPConnection, path: str) -> tuple[int, float, float, bytes]:
    """(status, server ms, client ms, body) of one GET on a kept-alive connection."""
    t = time.perf_counter()
    conn.request("GET", path)
    r = conn.getresponse()
    body = r.read()
    client = (time.perf_counter() - t) * 1000
    timing = r.getheader("server-timing") or "app;dur=nan"
    return r.status, float(timing.split("dur=")[1]), client, body


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def line(name: str, values: list[float], target: float | None = None) -> str:
    verdict = "" if target is None else ("  ok" if pct(values, 95) <= target else f"  MISSES {target:.0f} ms")
    return (f"  {name:<44} n={len(values):>5}  p50 {pct(values, 50):7.1f} ms  p95 {pct(values, 95):7.1f} ms  "
            f"max {max(values):7.1f} ms{verdict}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", required=True, help="an index of the ToTA corpus (ftadraft corpus fetch tota)")
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--connections", type=int, default=2, help="the server's read-only connections (--connections)")
    ap.add_argument("--workers", type=int, default=1, help="the server's processes (--workers)")
    ap.add_argument("--pause", type=float, default=0.0,
                    help="seconds each client waits between pages (0: none, the issue's target; 1-3: people reading)")
    args = ap.parse_args()
    queries = [q["query"] for q in tomllib.loads((HERE / "queries.toml").read_text(encoding="utf-8"))["query"]]
    port = _port()
    exe = Path(sys.executable).with_name("ftadraft")
    started = time.perf_counter()
    log = tempfile.TemporaryFile()  # the server's stderr (read back if it fails to start)
    server = subprocess.Popen([str(exe), "--db", args.db, "serve", "--port", str(port), "--connections",
                               str(args.connections), "--workers", str(args.workers)], stderr=log,
                              env=os.environ.copy())
    try:
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
                get(conn, "/search")
                break
            except OSError:
                if server.poll() is not None:
                    log.seek(0)
                    print(log.read().decode(errors="replace")[-3000:], file=sys.stderr)
                    return 1
                time.sleep(0.5)
        if args.workers > 1:
            time.sleep(5 * args.workers)  # the other workers warm up after the first answers
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        print(f"server up and warm in {time.perf_counter() - started:.1f} s ({args.connections} connections, "
              f"{args.workers} worker(s))")

        search_first, search_again, article_first, article_again = [], [], [], []
        articles: list[str] = []
        for q in queries:
            path = "/search?" + urllib.parse.urlencode({"q": q})
            status, server_ms, _, body = get(conn, path)
            assert status == 200, (status, path)
            search_first.append(server_ms)
            marker = b'<h3><a href="/article/'
            if marker in body:
                articles.append(body.split(marker, 1)[1].split(b'"', 1)[0].decode())
        for q in queries:
            search_again.append(get(conn, "/search?" + urllib.parse.urlencode({"q": q}))[1])
        for ref in dict.fromkeys(articles):
            status, server_ms, _, _ = get(conn, "/article/" + ref)
            assert status == 200, (status, ref)
            article_first.append(server_ms)
        for ref in dict.fromkeys(articles):
            article_again.append(get(conn, "/article/" + ref)[1])
        print("warm server, one client (server time):")
        print(line("search page, a query not seen before", search_first, 50))
        print(line("search page, the same query again", search_again, 50))
        print(line("article page, first visit", article_first, 50))
        print(line("article page, again", article_again, 50))

        latencies: list[float] = []
        server_times: list[float] = []
        facet_times: list[float] = []
        errors: list[str] = []
        lock = threading.Lock()
        stop = time.perf_counter() + args.seconds

        def client(seed: int) -> None:
            rnd = random.Random(seed)
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            while time.perf_counter() < stop:
                if args.pause:
                    time.sleep(rnd.uniform(0.5, 1.5) * args.pause)
                if rnd.random() < 0.7 or not articles:
                    params = {"q": rnd.choice(queries)}
                    if ob := rnd.choice(OBLIGATIONS):
                        params["obligation"] = ob
                    if party := rnd.choice(PARTIES):
                        params["party"] = party
                    if rnd.random() < 0.2:
                        params["page"] = str(rnd.randint(2, 3))
                    path = "/search?" + urllib.parse.urlencode(params)
                else:
                    path = "/article/" + rnd.choice(articles)
                try:
                    status, server_ms, client_ms, _ = get(c, path)
                except (OSError, http.client.HTTPException) as e:
                    with lock:
                        errors.append(f"{path}: {e}")
                    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                    continue
                with lock:
                    latencies.append(client_ms)
                    server_times.append(server_ms)
                    if status != 200:
                        errors.append(f"{path}: HTTP {status}")
                if path.startswith("/search?"):  # what the page's script then asks for, as a browser would
                    fpath = "/search/facets?" + path.split("?", 1)[1]
                    try:
                        fstatus, _, fclient_ms, _ = get(c, fpath)
                    except (OSError, http.client.HTTPException) as e:
                        with lock:
                            errors.append(f"{fpath}: {e}")
                        c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                        continue
                    with lock:
                        facet_times.append(fclient_ms)
                        if fstatus != 200:
                            errors.append(f"{fpath}: HTTP {fstatus}")

        threads = [threading.Thread(target=client, args=(k,)) for k in range(args.clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        pause = f", pausing ~{args.pause:g} s between pages" if args.pause else ", no pause"
        print(f"{args.clients} concurrent clients for {args.seconds:.0f} s{pause}: {len(latencies)} pages "
              f"({len(latencies) / args.seconds:.1f}/s), {len(errors)} errors")
        print(line("client latency", latencies, 250))
        print(line("server time", server_times))
        print(line("facet panel after a search page (client)", facet_times))
        for e in errors[:5]:
            print("  error:", e)
        ok = (not errors and pct(latencies, 95) <= 250 and pct(search_first, 95) <= 50
              and pct(article_first, 95) <= 50)
        print("all targets met" if ok else "some targets missed")
        print(f"(mean of search first pass {statistics.mean(search_first):.1f} ms)")
        return 0 if ok else 1
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()


if __name__ == "__main__":
    sys.exit(main())
