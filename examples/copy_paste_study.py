"""Are treaties copied and pasted? Allee & Elsig (2019) on the ToTA index, end to end (cells run in
VS Code/Jupyter as well).

    python examples/copy_paste_study.py --db PATH      # or set FTADRAFT_DB

The first run measures every article against every earlier agreement (about a minute for ToTA) and caches
the result; later runs take seconds. Needs the ``notebook`` and ``plot`` extras (pandas, matplotlib).
"""

# %% Open the index
import argparse
import os
import tempfile
from pathlib import Path

import ftadraft
from ftadraft.provenance.chapters import CHAPTER_TYPES
from ftadraft.provenance.corpus_reuse import reuse_table

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--db", default=os.environ.get("FTADRAFT_DB"), help="index file (default: $FTADRAFT_DB)")
args, _ = parser.parse_known_args()  # parse_known_args: tolerate a notebook kernel's own arguments
corpus = ftadraft.open(args.db, create=False)
print(f"index: {corpus.path} ({corpus.stats()['agreements']} agreements)")

# %% Whole agreements: how many take >= 80 % / >= 95 % of their words from a single earlier treaty
table = reuse_table(corpus)  # every agreement against all agreements signed before it
frame = table.to_frame()
english = frame[frame["language"] == "en"]
print(f"{len(frame)} agreements ({len(english)} in English); an article counts as copied when one earlier "
      f"provision holds >= {table.threshold:.0%} of its words")
print(f"  {'':<40}{'all':>6}{'English':>9}{'any earlier text':>18}")
for level in (0.8, 0.95):
    print(f"  {'>= ' + format(level, '.0%') + ' from a single earlier treaty':<40}{table.count(level):>6}"
          f"{int((english['best_share'] >= level).sum()):>9}{table.count_copied(level):>18}")
print("  Allee & Elsig (2019), several hundred PTAs: at least 100 take >= 80 % from a single treaty, "
      "many >= 95 %")

# %% The same, chapter by chapter (chapter types: IP, customs, e-commerce, ...)
print("by chapter type (agreements with such a chapter; share of that chapter's words from one earlier treaty):")
print(f"  {'chapter type':<46}{'with it':>8}{'>= 80%':>8}{'>= 95%':>8}")
for key, kind in CHAPTER_TYPES.items():
    t = reuse_table(corpus, chapter=key)
    if t.rows:
        print(f"  {kind.name + ' (' + key + ')':<46}{len(t.rows):>8}{t.count(0.8):>8}{t.count(0.95):>8}")

# %% The template families behind them: chains of agreements each taking >= 80 % from the one before
print("template families behind the agreements taking >= 80 % from a single earlier treaty:")
for family in table.templates(0.8)[:10]:
    members = ", ".join(f"{m.agreement.name} ({m.agreement.year})" for m in family.members[:3])
    more = f" and {len(family.members) - 3} more" if len(family.members) > 3 else ""
    print(f"  {len(family.members):>3}  {family.name}: {members}{more}")

# %% The chart (shares over time, who copies from whom) and the table, in a temporary folder
out_dir = Path(tempfile.mkdtemp(prefix="ftadraft-copy-paste-"))
png = table.plot(out_dir / "copy-paste.png")
csv = table.to_csv(out_dir / "copy-paste.csv")
print(f"chart: {png}\ntable: {csv}")

# %%
corpus.close()
