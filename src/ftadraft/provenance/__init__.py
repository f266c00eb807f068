"""Provenance: where a clause's language comes from, and how much of an agreement is copied.

- :mod:`.precedents` — :func:`~.precedents.precedents` (the provisions containing a clause's language)
  and :func:`~.precedents.lineage` (by signature date, with the likely origin).
- :mod:`.reuse` — per agreement, the share of its words each earlier agreement holds near-verbatim (its best
  single source), and each article's closest earlier source.
- :mod:`.corpus_reuse` — the same for every agreement (or chapter type) of the corpus: the copy-and-paste
  table, template families and flows, and a chart; :mod:`.containment` is its exact pass over the postings,
  :mod:`.chapters` the chapter types, :mod:`.parties` who signed (blocs as one).
- :mod:`.families` — chapters clustered into template families.

May import: the shared leaves, the index, tags, search, the corpus facade and :mod:`ftadraft.compare`.
"""
