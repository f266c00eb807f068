"""The index: provisions stored, analysed and looked up.

- :mod:`.store` — the embedded SQLite file (schema, migrations, transactions, every SQL statement).
- :mod:`.analysis` — spaCy tokens, sentences and lemmas of each provision (no model download).
- :mod:`.bm25` — FTS5's bm25() over the index reproduced in numpy, bit for bit, for long sessions.
- :mod:`.filters` — :class:`~.filters.AgreementFilter`, the one filter on agreements (years, parties, chapter).
- :mod:`.refs` — references as users type them (``tpp:14.3``) resolved to provisions.
- :mod:`.derived` — caches of structures derived from an index (``.npz`` in the user cache folder).

May import: the shared leaves (``model``, ``errors``, ``normalize``, ``fingerprint``, ``atomic``) and
:mod:`ftadraft.ingest`.
"""
