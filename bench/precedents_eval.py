"""Benchmark: precedent look-up quality and speed over the full ToTA index (issue 4 targets).

Builds a reproducible set from real English ToTA articles (seeded; nothing is stored):

- **edited clauses**: an article edited the way drafters edit, 1-3 edits each from: other party names
  (a real or an invented country), renumbered cross-references, a softened modal ("shall" -> "shall
  endeavour to" / "should"), an inserted hedge ("where appropriate"), a dropped sentence, reflowed OCR
  line breaks with hyphenation, curly quotes;
- **single sentences**: one sentence (12+ words) of an article, as written.

A query is answered correctly when the first precedent is the source article or an identical copy (the
same normalised text in another agreement). Sentences that occur verbatim in several different articles
are genuinely ambiguous; they are counted normally and also reported apart, with the share a random pick
among the quoting texts would get, and with how often the first hit quotes the sentence verbatim. So are
edited clauses whose first hit holds at least as much of the edited text as the source does, in canonical and
in literal words (the edit removed the only difference, e.g. the one name that told two copies apart).
Targets: edited >= 99 %, sentences >= 97 %. The same queries go to plain BM25 (``bm25s``, Snowball stemmer,
English stopwords) over the text of the same 40,993 articles. Agreements are split dev/held-out by id parity;
report both.

Speed: in-process ``precedents()`` per clause (p50/p95, target <= 50 ms, after the one-off index load),
and ``ftadraft precedents --batch`` over 300 clauses including start-up (target <= 20 s wall).

Run:  python bench/precedents_eval.py --db PATH  [--n 300] [--seed 7] [--no-baseline] [--misses]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import ftadraft
from ftadraft.provenance.precedents import precedent_index, precedents

_NAMES = ("United States", "Korea", "Australia", "Chile", "Singapore", "Japan", "Peru", "Colombia", "Canada",
          "Mexico", "China", "New Zealand", "European Union", "Community", "Panama", "Morocco", "Jordan",
          "Bahrain", "Oman", "India", "Malaysia", "Thailand", "Switzerland", "Iceland", "Norway", "Turkey")
_SENTENCE = re.compile(r"(?<=[.;:])\s+(?=[A-Z(])")


def edit(text: str, rng: random.Random) -> tuple[str, list[str]]:
    """The text with 1-3 drafting edits; returns (edited, names of the edits applied)."""
    kinds = ["names", "renumber", "modal", "hedge", "drop", "reflow", "quotes"]
    done: list[str] = []
    for kind in rng.sample(kinds, rng.randint(1, 3)):
        new = _EDITS[kind](text, rng)
        if new != text:
            text = new
            done.append(kind)
    if not done:  # nothing applied (no name, no number, ...): at least reflow the lines
        text, done = _reflow(text, rng), ["reflow"]
    return text, done


def _names(text: str, rng: random.Random) -> str:
    present = [n for n in _NAMES if re.search(rf"\b{n}\b", text)]
    if not present:
        return text
    new = rng.choice(["Ruritania", "Freedonia", "Norway", "Viet Nam", "the Kingdom of Elbonia"])
    return re.sub(rf"\b{rng.choice(present)}\b", new, text)


def _renumber(text: str, rng: random.Random) -> str:
    return re.sub(r"\b(Article|Chapter|paragraph|Annex|subparagraph)\s+(\d+)",
                  lambda m: f"{m.group(1)} {int(m.group(2)) + rng.randint(1, 9)}", text)


def _modal(text: str, rng: random.Random) -> str:
    spots = [m.start() for m in re.finditer(r"\bshall (?!not\b)", text)]
    if not spots:
        return text
    at = rng.choice(spots)
    return text[:at] + rng.choice(["shall endeavour to ", "should ", "may "]) + text[at + len("shall "):]


def _hedge(text: str, rng: random.Random) -> str:
    spots = [m.end() for m in re.finditer(r"\bshall\b", text)]
    if not spots:
        return "To the extent possible, " + text[:1].lower() + text[1:]
    at = rng.choice(spots)
    hedge = rng.choice([", where appropriate,", ", to the extent possible,", ", as appropriate,"])
    return text[:at] + hedge + text[at:]


def _drop(text: str, rng: random.Random) -> str:
    parts = _SENTENCE.split(text)
    if len(parts) < 3:
        return text
    parts.pop(rng.randrange(len(parts)))
    return " ".join(parts)


def _reflow(text: str, rng: random.Random) -> str:
    words, lines, line = " ".join(text.split()).split(" "), [], ""
    for w in words:
        if len(line) + len(w) > 60:
            if len(w) > 7 and w.isalpha() and w.islower() and rng.random() < 0.3:
                lines.append(f"{line} {w[:4]}-")
                line = w[4:]
                continue
            lines.append(line)
            line = w
        else:
            line = f"{line} {w}".strip()
    return "\n".join([*lines, line])


def _quotes(text: str, rng: random.Random) -> str:
    text = re.sub(r'"([^"]*)"', "\u201c\\1\u201d", text)
    return text.replace("'", "\u2019")


_EDITS = {"names": _names, "renumber": _renumber, "modal": _modal, "hedge": _hedge, "drop": _drop,
          "reflow": _reflow, "quotes": _quotes}


def build_set(c: ftadraft.Corpus, n: int, seed: int) -> list[dict[str, object]]:
    rng = random.Random(seed)
    rows = c.index.conn.execute(
        "SELECT p.id, p.agreement_id, p.normalized, p.text_sha, p.words FROM provisions p "
        "JOIN agreements a ON a.id = p.agreement_id WHERE a.language = 'en' AND p.words BETWEEN 40 AND 600 "
        "AND p.flags NOT LIKE '%no-structure%' ORDER BY p.rowid").fetchall()
    picked = rng.sample(rows, 2 * n)
    items = []
    for k, (pid, aid, text, sha, _w) in enumerate(picked[:n]):
        edited, kinds = edit(text, rng)
        items.append({"id": f"edit-{k}", "kind": "edited", "edits": kinds, "text": edited, "source": pid,
                      "sha": sha, "split": _split(aid)})
    for k, (pid, aid, text, sha, _w) in enumerate(picked[n:]):
        sentences = [s for s in _SENTENCE.split(text) if len(s.split()) >= 12]
        if not sentences:
            continue
        items.append({"id": f"sent-{k}", "kind": "sentence", "edits": [], "text": rng.choice(sentences),
                      "source": pid, "sha": sha, "split": _split(aid)})
    return items


def _split(agreement_id: str) -> str:
    digits = re.sub(r"\D", "", agreement_id)
    return "held-out" if digits and int(digits) % 2 else "dev"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", type=Path, required=True, help="an index holding the ToTA corpus")
    ap.add_argument("--n", type=int, default=300, help="edited clauses (and as many sentence draws)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--no-baseline", action="store_true", help="skip bm25s")
    ap.add_argument("--misses", action="store_true", help="print the queries ftadraft gets wrong")
    args = ap.parse_args()

    with ftadraft.open(args.db, create=False) as c:
        sha_of = dict(c.index.conn.execute("SELECT id, text_sha FROM provisions"))
        items = build_set(c, args.n, args.seed)
        t = time.perf_counter()
        precedent_index(c)
        print(f"precedent index load: {time.perf_counter() - t:.2f} s")
        # verbatim-ambiguous sentences: the sentence occurs in articles with different texts
        wall, cpu, ours, tied, quoted = [], [], {}, set(), set()
        for it in items:
            t, p = time.perf_counter(), time.process_time()
            hits = precedents(c, str(it["text"]), limit=10)
            wall.append((time.perf_counter() - t) * 1000)
            cpu.append((time.process_time() - p) * 1000)
            ours[it["id"]] = [h.provision.id for h in hits]
            if hits and hits[0].verbatim:
                quoted.add(it["id"])
            if it["kind"] == "edited" and hits and sha_of[hits[0].provision.id] != it["sha"]:
                # a miss where the first hit holds at least as much of the query as the source, in canonical
                # and in literal words: the edits made the texts indistinguishable (e.g. the only differing
                # name was renamed, or the dropped sentence was the only difference)
                src = next((h for h in precedents(c, str(it["text"]), limit=200) if h.provision.id == it["source"]),
                           None)
                if src is None or (hits[0].similarity >= src.similarity and hits[0].literal >= src.literal):
                    tied.add(it["id"])
        ambiguous, texts_quoting = set(), {}
        for it in items:
            if it["kind"] == "sentence":
                texts = {sha_of[pid] for pid in _containing(c, str(it["text"]))}
                texts_quoting[it["id"]] = len(texts)
                if len(texts) > 1:
                    ambiguous.add(it["id"])
        base = {} if args.no_baseline else _baseline(c, items)

    def correct(it: dict[str, object], ranking: list[str]) -> bool:
        return bool(ranking) and (ranking[0] == it["source"] or sha_of.get(ranking[0]) == it["sha"])

    print(f"{len(items)} queries ({sum(it['kind'] == 'edited' for it in items)} edited clauses, "
          f"{sum(it['kind'] == 'sentence' for it in items)} single sentences, {len(ambiguous)} of them verbatim in "
          f"articles with different texts)")
    print(f"{'set':<28} {'n':>4} {'ftadraft':>9} {'bm25s':>9}")
    for kind in ("edited", "sentence"):
        for split in ("dev", "held-out", None):
            sel = [it for it in items if it["kind"] == kind and (split is None or it["split"] == split)]
            if not sel:
                continue
            a = sum(correct(it, ours[it["id"]]) for it in sel) / len(sel)
            b = sum(correct(it, base[it["id"]]) for it in sel) / len(sel) if base else float("nan")
            print(f"{kind + ' ' + (split or 'all'):<28} {len(sel):>4} {a:>9.1%} {b:>9.1%}")
        if kind == "edited":
            sel = [it for it in items if it["kind"] == kind and it["id"] not in tied]
            a = sum(correct(it, ours[it["id"]]) for it in sel) / max(1, len(sel))
            b = sum(correct(it, base[it["id"]]) for it in sel) / max(1, len(sel)) if base else float("nan")
            print(f"{'edited, no edit-made ties':<28} {len(sel):>4} {a:>9.1%} {b:>9.1%}")
        if kind == "sentence":
            sel = [it for it in items if it["kind"] == kind and it["id"] not in ambiguous]
            a = sum(correct(it, ours[it["id"]]) for it in sel) / max(1, len(sel))
            b = sum(correct(it, base[it["id"]]) for it in sel) / max(1, len(sel)) if base else float("nan")
            print(f"{'sentence unambiguous':<28} {len(sel):>4} {a:>9.1%} {b:>9.1%}")
            sel = [it for it in items if it["id"] in ambiguous]
            if sel:
                a = sum(correct(it, ours[it["id"]]) for it in sel) / len(sel)
                chance = statistics.mean(1 / texts_quoting[it["id"]] for it in sel)
                print(f"{'sentence ambiguous':<28} {len(sel):>4} {a:>9.1%}   (picking one of the quoting texts "
                      f"at random: {chance:.1%})")
            sel = [it for it in items if it["kind"] == "sentence"]
            print(f"{'sentence, first hit quotes it':<28} {len(sel):>4} "
                  f"{sum(it['id'] in quoted for it in sel) / len(sel):>9.1%}")
    for e in _EDITS:
        sel = [it for it in items if e in it["edits"]]  # type: ignore[operator]
        if sel:
            share = sum(correct(it, ours[it["id"]]) for it in sel) / len(sel)
            print(f"  with edit {e:<17} {len(sel):>4} {share:>9.1%}")
    q95 = sorted(wall)[int(0.95 * (len(wall) - 1))]
    print(f"in-process precedents(): wall p50 {statistics.median(wall):.1f} ms, p95 {q95:.1f} ms; "
          f"CPU p50 {statistics.median(cpu):.1f} ms, p95 {sorted(cpu)[int(0.95 * (len(cpu) - 1))]:.1f} ms")
    if args.misses:
        for it in items:
            if not correct(it, ours[it["id"]]):
                print(f"MISS {it['id']} {it['edits']} source {it['source']} got {ours[it['id']][:3]}"
                      f"{' (ambiguous)' if it['id'] in ambiguous else ''}"
                      f"{' (edit-made tie)' if it['id'] in tied else ''}"
                      f"\n     {str(it['text'])[:160]!r}")
    _batch_speed(args.db, [it for it in items if it["kind"] == "edited"][:300])


def _containing(c: ftadraft.Corpus, sentence: str) -> list[str]:
    """Ids of provisions whose normalised text contains the sentence verbatim."""
    from ftadraft.normalize import normalize_text

    return [pid for (pid,) in c.index.conn.execute(
        "SELECT id FROM provisions WHERE instr(normalized, ?) > 0", (normalize_text(sentence),))]


def _baseline(c: ftadraft.Corpus, items: list[dict[str, object]]) -> dict[object, list[str]]:
    import bm25s
    import Stemmer

    ids, texts = zip(*c.index.conn.execute("SELECT id, normalized FROM provisions ORDER BY rowid"), strict=True)
    stemmer = Stemmer.Stemmer("english")
    retriever = bm25s.BM25()
    retriever.index(bm25s.tokenize(list(texts), stopwords="en", stemmer=stemmer, show_progress=False),
                    show_progress=False)
    queries = bm25s.tokenize([str(it["text"]) for it in items], stopwords="en", stemmer=stemmer, show_progress=False)
    docs, _ = retriever.retrieve(queries, k=10, show_progress=False, n_threads=1)
    return {it["id"]: [ids[d] for d in row] for it, row in zip(items, docs.tolist(), strict=True)}


def _batch_speed(db: Path, items: list[dict[str, object]]) -> None:
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False, encoding="utf-8") as fh:
        for it in items:
            fh.write(json.dumps({"id": it["id"], "text": it["text"]}) + "\n")
    exe = Path(sys.executable).parent / "ftadraft"
    t = time.perf_counter()
    out = subprocess.run([str(exe), "--db", str(db), "precedents", "--batch", fh.name], check=True,
                         capture_output=True, text=True).stdout
    took = time.perf_counter() - t
    Path(fh.name).unlink()
    print(f"ftadraft precedents --batch of {len(out.splitlines())} clauses: {took:.2f} s wall (incl. start-up)")


if __name__ == "__main__":
    main()
