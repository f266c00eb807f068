"""Draw the ``heldout2`` chapter pairs of ``align_pairs.toml`` by the rule written in that file (titles only).

Lists every candidate pair (same topic, same language, different template families, agreements used in no
other pair, >= 4 gold pairs by ``align_families.gold_pairs``), orders them by ``sha1("topic:idA:idB")`` and
walks that order, taking a pair unless one of its agreements is already in two chosen pairs or its family
group already has two chosen pairs of that topic: 4 English pairs per topic, then the first 2 Spanish ones.
No aligner runs here. Prints TOML ``[[pair]]`` blocks to paste (the lead of the file says when they were drawn).

    .venv/bin/python bench/align_select.py --db PATH
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import sys
import tomllib
from collections import Counter
from pathlib import Path

import ftadraft
from align_families import PAIRS_FILE, TitleNormaliser, gold_pairs
from ftadraft.compare.align import chapter_provisions
from ftadraft.errors import FtadraftError

TOPICS = {
    "customs": ("customs", "trade facilitation", "aduaner", "facilitación del comercio"),
    "ecommerce": ("electronic commerce", "e-commerce", "comercio electr"),
    "ip": ("intellectual property", "propiedad intelectual"),
}
NOT_CUSTOMS = ("customs duties", "tariff")
# Precedence of who drafted (see the rule in align_pairs.toml): first match wins.
FAMILY_WORDS: list[tuple[str, tuple[str, ...]]] = [
    ("US", ("us -", "- us", "united states")),
    ("EU", ("eu -", "european")),
    ("EFTA", ("efta", "switzerland", "iceland")),
    ("Japan", ("japan",)),
    ("Canada", ("canada",)),
    ("CAK", ("china -", "- china", "china-")),
    ("AU/NZ/SG", ("australia", "new zealand", "singapore")),
    ("CAK", ("korea",)),
    ("LatAm", ("chile", "mexico", "peru", "colombia", "panama", "costa rica", "nicaragua", "guatemala",
               "honduras", "el salvador", "central america", "northern triangle", "pacific alliance")),
    ("CAK", ("malaysia", "thailand", "india", "hong kong", "chinese taipei", "turkey", "viet nam", "indonesia",
             "philippines", "brunei", "singapore")),
]


def family(name: str, language: str) -> str | None:
    n = name.lower().replace("rep. of korea", "korea")
    if language == "es":
        if "trans-pacific" in n:
            return "US"
        return "Mexico-es" if "mexico" in n else "LatAm-es"
    if "trans-pacific" in n:
        return "US"
    for fam, words in FAMILY_WORDS:
        if any(w in n for w in words):
            return fam
    return None


def topic_of(title: str) -> str | None:
    t = title.lower()
    for topic, words in TOPICS.items():
        if any(w in t for w in words) and not (topic == "customs" and any(w in t for w in NOT_CUSTOMS)):
            return topic
    return None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--db", required=True)
    ap.add_argument("--split", choices=("heldout2", "heldout3"), default="heldout2",
                    help="which split's rule to draw by (default heldout2)")
    args = ap.parse_args(argv)
    if args.split == "heldout3":
        return draw_heldout3(Path(args.db))
    data = tomllib.loads(PAIRS_FILE.read_text(encoding="utf-8"))
    data["pair"] = [r for r in data["pair"] if r["split"] != "heldout3"]
    old_heldout = {"–".join(sorted((r["a"]["family"], r["b"]["family"]))) for r in data["pair"]
                   if r["split"] == "heldout"}
    used = {row[s]["agreement"] for row in data["pair"] for s in ("a", "b") if row["split"] != "heldout2"}
    norms = {t: TitleNormaliser(v) for t, v in data.get("synonyms", {}).items()}
    with ftadraft.open(Path(args.db), create=False) as corpus:
        chapters = candidate_chapters(corpus.index, used)
        candidates = []
        for x, y in itertools.combinations(chapters, 2):
            if x[0] != y[0] or x[3] != y[3] or x[4] == y[4] or x[1] == y[1] or (x[7] and y[7]):
                continue
            gold, _ = gold_pairs(x[6], y[6], norms.get(x[0]) or TitleNormaliser({}))
            if len(gold) >= 4:
                key = hashlib.sha1(f"{x[0]}:{x[1]}:{y[1]}".encode()).hexdigest()
                candidates.append((key, x, y, len(gold)))
        candidates.sort(key=lambda c: c[0])
        per_agreement: Counter[str] = Counter()
        per_group: Counter[tuple[str, str]] = Counter()
        per_topic: Counter[str] = Counter()
        spanish = 0
        print(f"# {len(candidates)} candidate pairs", file=sys.stderr)
        def take(x: tuple, y: tuple, n_gold: int) -> None:
            nonlocal spanish
            topic, es = x[0], x[3] == "es"
            group = (topic, "–".join(sorted((x[4], y[4]))))
            if per_agreement[x[1]] >= 2 or per_agreement[y[1]] >= 2 or per_group[group] >= 2:
                return
            if (es and spanish >= 2) or (not es and per_topic[topic] >= 4):
                return
            per_agreement[x[1]] += 1
            per_agreement[y[1]] += 1
            per_group[group] += 1
            if es:
                spanish += 1
            else:
                per_topic[topic] += 1
            pid = f"h2-{topic}-{x[1].removeprefix('tota-')}-{y[1].removeprefix('tota-')}"
            print(f'\n[[pair]]\nid = "{pid}"\ntopic = "{topic}"\nsplit = "heldout2"')
            print(f'a = {{ agreement = "{x[1]}", chapter = "{x[5]}", family = "{x[4]}" }}   # {x[2]}')
            print(f'b = {{ agreement = "{y[1]}", chapter = "{y[5]}", family = "{y[4]}" }}   # {y[2]}, gold {n_gold}')

        for _key, x, y, n_gold in candidates:  # first walk: both agreements unused
            if not (x[7] or y[7]):
                take(x, y, n_gold)
        for _key, x, y, n_gold in candidates:  # second walk, for short topics: one side from an earlier pair
            if (x[7] or y[7]) and "–".join(sorted((x[4], y[4]))) not in old_heldout and x[3] == "en":
                take(x, y, n_gold)
    return 0


def candidate_chapters(db: object, used: set[str]) -> list[tuple]:
    """(topic, id, name, language, family, ref, provisions, used) for every chapter the rules admit."""
    chapters = []
    rows = [(ag.id, ag.name, ag.language, c.number, c.title)
            for ag in sorted(db.agreements(), key=lambda g: int(g.id.split("-")[-1]))  # type: ignore[attr-defined]
            for c in db.chapters(ag.id)]  # type: ignore[attr-defined]
    for aid, name, language, number, title in rows:
        topic = topic_of(title or "")
        fam = family(name, language or "en")
        if topic is None or fam is None:
            continue
        ref = number or title
        try:
            ps = chapter_provisions(db.provisions(aid), ref)  # type: ignore[attr-defined]
        except FtadraftError:
            continue
        if len(ps) >= 6 and sum(1 for p in ps if p.title) >= 4:
            chapters.append((topic, aid, name, language, fam, ref, ps, aid in used))
    return chapters


def draw_heldout3(db_path: Path) -> int:
    """Draw heldout3 by the rule in align_pairs.toml (titles only, no aligner)."""
    data = tomllib.loads(PAIRS_FILE.read_text(encoding="utf-8"))
    rows = [r for r in data["pair"] if r["split"] != "heldout3"]
    h2 = {r[s]["agreement"] for r in rows for s in ("a", "b") if r["split"] == "heldout2"}
    used = {r[s]["agreement"] for r in rows for s in ("a", "b")}
    existing = {(r["topic"], frozenset((r["a"]["agreement"], r["b"]["agreement"]))) for r in rows}
    norms = {t: TitleNormaliser(v) for t, v in data.get("synonyms", {}).items()}
    quota = {"ip": 6, "customs": 6, "ecommerce": 2}
    with ftadraft.open(db_path, create=False) as corpus:
        chapters = [c for c in candidate_chapters(corpus.index, used) if c[3] == "en" and c[1] not in h2]
        candidates = []
        for x, y in itertools.combinations(chapters, 2):
            if x[0] != y[0] or x[4] == y[4] or x[1] == y[1] or (x[7] and y[7]):
                continue
            if (x[0], frozenset((x[1], y[1]))) in existing:
                continue
            gold, _ = gold_pairs(x[6], y[6], norms.get(x[0]) or TitleNormaliser({}))
            if len(gold) >= 4:
                key = hashlib.sha1(f"h3:{x[0]}:{x[1]}:{y[1]}".encode()).hexdigest()
                candidates.append((key, x, y, len(gold)))
        candidates.sort(key=lambda c: c[0])
        print(f"# {len(candidates)} candidate pairs", file=sys.stderr)
        per_agreement: Counter[str] = Counter()
        per_group: Counter[tuple[str, str]] = Counter()
        per_topic: Counter[str] = Counter()
        for _key, x, y, n_gold in candidates:
            topic = x[0]
            group = (topic, "–".join(sorted((x[4], y[4]))))
            if per_agreement[x[1]] >= 2 or per_agreement[y[1]] >= 2 or per_group[group] >= 2:
                continue
            if per_topic[topic] >= quota[topic]:
                continue
            per_agreement[x[1]] += 1
            per_agreement[y[1]] += 1
            per_group[group] += 1
            per_topic[topic] += 1
            pid = f"h3-{topic}-{x[1].removeprefix('tota-')}-{y[1].removeprefix('tota-')}"
            print(f'\n[[pair]]\nid = "{pid}"\ntopic = "{topic}"\nsplit = "heldout3"')
            print(f'a = {{ agreement = "{x[1]}", chapter = "{x[5]}", family = "{x[4]}" }}   # {x[2]}')
            print(f'b = {{ agreement = "{y[1]}", chapter = "{y[5]}", family = "{y[4]}" }}   # {y[2]}, gold {n_gold}')
        print(f"# drawn: {dict(per_topic)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
