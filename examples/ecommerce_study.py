"""A small e-commerce study over the ToTA index, end to end (cells run in VS Code/Jupyter as well).

    python examples/ecommerce_study.py --db PATH      # or set FTADRAFT_DB

Needs the ``notebook`` and ``plot`` extras (pandas, matplotlib).
"""

# %% Open the index
import argparse
import itertools
import os
import tempfile
from pathlib import Path

import ftadraft
from ftadraft.research import views as research
from ftadraft.normalize import normalize_text
from ftadraft.compare.similarity import jaccard, word_shingles

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--db", default=os.environ.get("FTADRAFT_DB"), help="index file (default: $FTADRAFT_DB)")
args, _ = parser.parse_known_args()  # parse_known_args: tolerate a notebook kernel's own arguments
corpus = ftadraft.open(args.db, create=False)
print(f"index: {corpus.path} ({corpus.stats()['agreements']} agreements)")

# %% Coverage of e-commerce topics in agreements signed since 2000
# Language versions of one agreement (TPP: tota-449 English, tota-450 Spanish) count once; Spanish and French
# texts are tagged with the same taxonomy. An agreement binds its parties on a topic when its strongest
# provision is binding or mixed (a mixed article has a binding sentence: TPP 14.13 computing facilities).
cov = research.coverage(corpus, area="e-commerce", since=2000)
frame = cov.to_frame()
merged = [f"{a.id}+{'+'.join(a.versions)}" for a in cov.agreements if a.versions]
print(f"{len(frame)} agreements signed since 2000 × {len(cov.topics)} e-commerce topics"
      + (f" (language versions counted once: {', '.join(merged)})" if merged else ""))
covered = (frame[list(cov.topics)] != "absent").sum().sort_values(ascending=False)
binds = cov.binds()
print("agreements covering each topic (binding or mixed in brackets):")
for topic, n in covered.items():
    print(f"  {topic:<40} {n:>4} ({binds[topic]})")

# %% How data-protection language spread: a diffusion chart in a temporary folder
out_dir = Path(tempfile.mkdtemp(prefix="ftadraft-study-"))
d = research.diffusion(corpus, "e-commerce/personal-information", since=1995)
png = d.plot(out_dir / "personal-information.png")
print(f"diffusion chart: {png}")
for f in (d.first, d.first_binding):
    if f is not None:
        label = "first appearance" if f.kind == "any" else "first binding (or mixed) article"
        print(f"{label}: {f.agreement} ({f.year}), article {f.number} {f.title or ''}")

# %% The most alike e-commerce chapters (word 5-gram Jaccard over the chapters' normalised texts)
chapters: dict[str, list[str]] = {}
for aid, text in corpus.index.conn.execute(
    "SELECT agreement_id, normalized FROM provisions WHERE chapter_title LIKE '%Electronic Commerce%' ORDER BY agreement_id, ord"
):
    chapters.setdefault(aid, []).append(text)
shingles = {aid: word_shingles(normalize_text(" ".join(texts)).lower()) for aid, texts in chapters.items()}
pairs = sorted(
    ((jaccard(shingles[a], shingles[b]), a, b) for a, b in itertools.combinations(sorted(shingles), 2)),
    reverse=True,
)[:5]
names = {a.id: a for a in corpus.agreements()}
print(f"the five most alike e-commerce chapters (of {len(chapters)} agreements with such a chapter):")
for score, a, b in pairs:
    print(f"  {score:.2f}  {names[a].name} ({names[a].year}) ~ {names[b].name} ({names[b].year})")

# %%
corpus.close()
