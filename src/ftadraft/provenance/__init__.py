"""Provenance: where a clause's language comes from, and how much of an agreement is copied.

- :mod:`.precedents` — :func:`~.precedents.precedents` (the provisions containing a clause's language)
  and :func:`~.precedents.lineage` (by signature date, with the likely origin).
- :mod:`.reuse` — per agreement, the share of its words copied near-verbatim and from where.
- :mod:`.families` — chapters clustered into template families.

May import: the shared leaves, the index, tags, search, the corpus facade and :mod:`ftadraft.compare`.
"""
