"""Tags: which taxonomy topics a provision is about, and how strongly it obliges.

- :mod:`.topics` with ``taxonomy.toml`` — the 47 topics and the rule-based tagger over lemmas.
- :mod:`.obligation` — binding / soft / mixed / none, with the sentences that decided it;
  :mod:`.labels` holds the four labels.
- :mod:`.tagging` — both over many provisions at index time, in worker processes.

May import: the shared leaves, :mod:`ftadraft.ingest` and :mod:`ftadraft.index`.
"""
