"""Benchmark: add the full ToTA corpus to a fresh index, beside its peers measured in the same run.

ftadraft's ``corpus add`` (read, analyse, tag, write, then search's ranking cache) runs in one child
process; the peers run in another: lxml parsing the same XML, then bm25s and tantivy indexing the
same article texts. For each: wall time, CPU time (the process and every worker it waited for) and
peak RSS summed over the process and its workers (sampled from /proc every 20 ms). Then the
idempotent re-run of the add. The machine may be shared: compare the ratios to the peers, and repeat.

Targets (issue 17): add <= 30 s wall, CPU <= 2x the peers, summed peak RSS <= 800 MB; ToTA x4
(``--copies 4``: the corpus and three copies under other treaty ids, one add) linear, summed RSS <= 2 GB.

Run:  python bench/ingest_tota.py [--copies N] [--runs R] [--baseline SRC] [PATH_TO_TOTA_XML]
      (default ../shared/corpus/tota/xml; ``--baseline`` also times the ftadraft of another source tree,
      e.g. an export of an older commit's ``src``, in the same runs)
Needs the 'bench' extra for the peers (bm25s, PyStemmer, tantivy).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

DEFAULT = Path(__file__).resolve().parents[2] / "shared/corpus/tota/xml"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("src", nargs="?", type=Path, default=DEFAULT)
    ap.add_argument("--copies", type=int, default=1, help="index the corpus this many times (other treaty ids)")
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--baseline", type=Path, help="the src folder of another ftadraft to time as well")
    ap.add_argument("--phase", choices=("ftadraft", "peers"), help=argparse.SUPPRESS)
    ap.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.phase == "ftadraft":
        print(json.dumps(_ftadraft(args.src, args.db)))
        return
    if args.phase == "peers":
        print(json.dumps(_peers(args.src)))
        return
    if not args.src.is_dir():
        sys.exit(f"{args.src}: not a folder of ToTA XML files")
    with tempfile.TemporaryDirectory() as tmp:
        src = _copies(args.src, Path(tmp) / "corpus", args.copies) if args.copies > 1 else args.src
        # Each ftadraft gets its own cache folder, holding its compiled taxonomy (as after any first use;
        # not timed) and, per run, nothing derived from an index yet.
        ours_cache, base_cache = Path(tmp) / "cache", Path(tmp) / "cache-base"
        _warm(ours_cache, None)
        if args.baseline is not None:
            _warm(base_cache, args.baseline)
        for run in range(1, args.runs + 1):
            db = Path(tmp) / f"bench-{run}.sqlite"
            ours, ours_m = _measure("ftadraft", src, db, ours_cache)
            base = None
            if args.baseline is not None:
                for f in Path(tmp).glob(f"bench-{run}.sqlite*"):
                    f.unlink()
                base = _measure("ftadraft", src, db, base_cache, args.baseline)
            peers, peers_m = _measure("peers", src, None)
            _report(run, args.runs, args.copies, ours, ours_m, peers, peers_m, base)
            for f in Path(tmp).glob(f"bench-{run}.sqlite*"):
                f.unlink()


def _env(cache: Path, code: Path | None) -> dict[str, str]:
    env = dict(os.environ, XDG_CACHE_HOME=str(cache))
    if code is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(code.resolve()), *filter(None, [env.get("PYTHONPATH")])])
    return env


def _warm(cache: Path, code: Path | None) -> None:
    """Compile the taxonomy into ``cache`` (what any earlier use of that ftadraft has done)."""
    subprocess.run([sys.executable, "-c", "from ftadraft.tags.tagging import tag_text; tag_text('The Parties shall.')"],
                   env=_env(cache, code), check=True)


def _derived_files(cache: Path) -> None:
    """Remove what earlier runs derived from an index (the next add must build it)."""
    import shutil

    for kind in ("bm25", "phrases", "precedents"):
        shutil.rmtree(cache / "ftadraft" / kind, ignore_errors=True)


def _copies(src: Path, dest: Path, n: int) -> Path:
    """The corpus ``n`` times: the files as they are, and n-1 copies whose treaty ids are shifted by 10000s."""
    dest.mkdir(parents=True)
    ident = re.compile(rb"<treaty_identifier>\s*(\d+)\s*</treaty_identifier>")
    for f in sorted(src.glob("*.xml")):
        data = f.read_bytes()
        for k in range(n):
            shifted = ident.sub(lambda m, k=k: b"<treaty_identifier>%d</treaty_identifier>" % (int(m[1]) + 10000 * k),
                                data, count=1)
            (dest / f"{f.stem}_copy{k}.xml").write_bytes(shifted)
    return dest


def _measure(phase: str, src: Path, db: Path | None, cache: Path | None = None,
             code: Path | None = None) -> tuple[dict, dict]:
    """Run one phase in a child process (ftadraft: with its own empty cache folder, and the ftadraft of
    ``code`` if given): its JSON result, and wall, CPU (with waited-for workers) and peak RSS summed over
    the child and its descendants."""
    cmd = [sys.executable, __file__, "--phase", phase, str(src)] + (["--db", str(db)] if db else [])
    env = dict(os.environ)
    if cache is not None:
        _derived_files(cache)
        env = _env(cache, code)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, env=env)
    peak = {"rss": 0, "procs": 0, "main": 0, "worker": 0}
    series: list[tuple[float, int]] = []
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            pids = _tree(proc.pid)
            sizes = [_rss(p) for p in pids]
            series.append((time.time(), sum(sizes)))
            if sum(sizes) > peak["rss"]:
                peak["rss"], peak["procs"] = sum(sizes), len(pids)
            peak["main"] = max(peak["main"], sizes[0])
            peak["worker"] = max([peak["worker"], *sizes[1:]])
            time.sleep(0.02)

    watcher = threading.Thread(target=sample, daemon=True)
    watcher.start()
    out, _ = proc.communicate()
    wall = time.perf_counter() - start
    done.set()
    watcher.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode:
        sys.exit(f"{phase} phase failed (exit {proc.returncode})")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    result = json.loads(out)
    split = result.get("rank_at") or float("inf")  # the peak before the ranking cache's stage, and during it
    peak["before_rank"] = max((kb for t, kb in series if t < split), default=0)
    peak["rank"] = max((kb for t, kb in series if t >= split), default=0)
    return result, {"before_rank_mb": peak["before_rank"] / 1024, "rank_mb": peak["rank"] / 1024, "wall": wall,
                    "cpu": cpu, "rss_mb": peak["rss"] / 1024, "procs": peak["procs"], "main_mb": peak["main"] / 1024,
                    "worker_mb": peak["worker"] / 1024}


def _tree(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            todo.extend(int(c) for c in Path(f"/proc/{p}/task/{p}/children").read_text().split())
        except OSError:
            pass
    return out


def _rss(pid: int) -> int:
    """Resident set size in kB (0 when the process is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _ftadraft(src: Path, db: Path) -> dict:
    import ftadraft

    stages: dict[str, float] = {}
    cpu: dict[str, float] = {}

    def progress(stage: str, done: int, total: int) -> None:
        stages.setdefault(stage, time.perf_counter())
        cpu.setdefault(stage, time.process_time())
        cpu.setdefault(f"{stage}_at", time.time())

    with ftadraft.open(db) as c:
        t0 = time.perf_counter()
        report = c.add([src], progress=progress)
        t1, c1 = time.perf_counter(), time.process_time()
        stats = c.stats()
    with ftadraft.open(db) as c:  # the idempotent re-run (its own process would pay the imports again)
        t1b = time.perf_counter()
        again = c.add([src])
        t2 = t1 + (time.perf_counter() - t1b)
    return {
        "added": len(report.added), "failed": len(report.failed), "provisions": stats["provisions"],
        "agreements": stats["agreements"], "size_mb": stats["size_bytes"] / 1e6, "add": t1 - t0,
        "rank": t1 - stages["rank"] if "rank" in stages else 0.0,
        "rank_cpu": c1 - cpu["rank"] if "rank" in cpu else 0.0, "rank_at": cpu.get("rank_at"),
        "rerun": t2 - t1, "unchanged": len(again.unchanged),
    }


def _peers(src: Path) -> dict:
    """lxml parses every file; bm25s (Snowball stemmer, English stopwords) and tantivy (its English stemming
    tokenizer) index the same article texts."""
    try:
        import bm25s
        import Stemmer
        import tantivy
    except ImportError as e:
        sys.exit(f"the peers need the bench extra ({e.name} is missing): pip install -e '.[bench]'")
    from lxml import etree

    times: dict[str, float] = {}
    t = time.perf_counter()
    texts: list[str] = []
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
    for f in sorted(src.glob("*.xml")):
        root = etree.fromstring(f.read_bytes(), parser)
        texts.extend(" ".join((a.text or "").split()) for a in root.iter("article"))
    times["lxml"] = time.perf_counter() - t

    t = time.perf_counter()
    stemmer = Stemmer.Stemmer("english")
    retriever = bm25s.BM25()
    retriever.index(bm25s.tokenize(texts, stopwords="en", stemmer=stemmer, show_progress=False), show_progress=False)
    times["bm25s"] = time.perf_counter() - t

    t = time.perf_counter()
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("text", stored=False, tokenizer_name="en_stem")
    schema = builder.build()
    with tempfile.TemporaryDirectory() as tmp:
        index = tantivy.Index(schema, path=tmp)
        writer = index.writer(heap_size=200_000_000, num_threads=1)
        for text in texts:
            writer.add_document(tantivy.Document(text=text))
        writer.commit()
        writer.wait_merging_threads()
    times["tantivy"] = time.perf_counter() - t
    return {"articles": len(texts), **times}


def _report(run: int, runs: int, copies: int, ours: dict, om: dict, peers: dict, pm: dict,
            base: tuple[dict, dict] | None = None) -> None:
    label = f"ToTA x{copies}" if copies > 1 else "ToTA"
    print(f"\n{label}: {ours['agreements']} agreements, {ours['provisions']:,} articles "
          f"({peers['articles']:,} for the peers), index {ours['size_mb']:.0f} MB; run {run} of {runs}, "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    print(f"{'':34} {'wall s':>8} {'CPU s':>8} {'peak RSS MB':>12}")
    print(f"{'ftadraft corpus add':34} {om['wall']:8.2f} {om['cpu']:8.2f} {om['rss_mb']:9.0f} "
          f"({om['procs']} processes; main {om['main_mb']:.0f}, largest worker {om['worker_mb']:.0f})")
    print(f"{'  of it: add itself (in-process)':34} {ours['add']:8.2f}")
    print(f"{'  of it: ranking cache (stage rank)':34} {ours['rank']:8.2f} {ours['rank_cpu']:8.2f}")
    print(f"{'  without the ranking cache':34} {om['wall'] - ours['rank']:8.2f} {om['cpu'] - ours['rank_cpu']:8.2f} "
          f"{om['before_rank_mb']:9.0f} (during the ranking cache: {om['rank_mb']:.0f})")
    print(f"{'  re-run (all unchanged; included)':34} {ours['rerun']:8.2f}")
    print(f"{'peers: lxml + bm25s + tantivy':34} {pm['wall']:8.2f} {pm['cpu']:8.2f} {pm['rss_mb']:9.0f} "
          f"(lxml {peers['lxml']:.1f} s, bm25s {peers['bm25s']:.1f} s, tantivy {peers['tantivy']:.1f} s)")
    print(f"{'ftadraft / peers':34} {om['wall'] / pm['wall']:7.2f}x {om['cpu'] / pm['cpu']:7.2f}x "
          f"{om['rss_mb'] / pm['rss_mb']:8.2f}x")
    print(f"{'  without the ranking cache':34} {(om['wall'] - ours['rank']) / pm['wall']:7.2f}x "
          f"{(om['cpu'] - ours['rank_cpu']) / pm['cpu']:7.2f}x {om['before_rank_mb'] / pm['rss_mb']:8.2f}x")
    if base is not None:
        b, bm = base
        print(f"{'baseline corpus add (--baseline)':34} {bm['wall']:8.2f} {bm['cpu']:8.2f} {bm['rss_mb']:9.0f} "
              f"({bm['procs']} processes; main {bm['main_mb']:.0f}, largest worker {bm['worker_mb']:.0f})")
        print(f"{'  of it: ranking cache (stage rank)':34} {b['rank']:8.2f} {b['rank_cpu']:8.2f}")
        print(f"{'baseline / peers':34} {bm['wall'] / pm['wall']:7.2f}x {bm['cpu'] / pm['cpu']:7.2f}x "
              f"{bm['rss_mb'] / pm['rss_mb']:8.2f}x")


if __name__ == "__main__":
    main()
