"""Drafting: the clause library, draft specs, the proposal model and the Word writer.

- :mod:`.clauses` — the curated clause library (``clauses/``): loading, validation, rendering.
- :mod:`.spec` — draft specs (YAML): check, assemble into a :class:`~.proposal.Proposal`, Markdown/HTML.
- :mod:`.proposal` — a negotiating proposal as validated frozen dataclasses.
- :mod:`.docx_writer` — the proposal as a Word document a delegation can table.

May import: everything before it in the flow (index, tags, search, corpus, compare, provenance).
"""
