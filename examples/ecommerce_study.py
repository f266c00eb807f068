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
cov = research.coverage(corpus, area="e-commerce", since=2000)
frame = cov.to_frame()
print(f"{len(frame)} agreements signed since 2000 × {len(cov.topics)} e-commerce topics")
covered = (frame[list(cov.topics)] != "absent").sum().sort_values(ascending=False)
binding = (frame[list(cov.topics)] == "binding").sum()
print("agreements covering each topic (binding in brackets):")
for topic, n in covered.items():
    print(f"  {topic:<40} {n:>4} ({binding[topic]})")

# %% How data-protection language spread: a diffusion chart in a temporary folder
out_dir = Path(tempfile.mkdtemp(prefix="ftadraft-study-"))
d = research.diffusion(corpus, "e-commerce/personal-information", since=1995)
png = d.plot(out_dir / "personal-information.png")
print(f"diffusion chart: {png}")
if d.first:
    print(f"first appearance: {d.first.agreement} ({d.first.year}), article {d.first.number} {d.first.title or ''}")

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
