"""Drafting: the clause library, draft specs, the proposal model, the Word writer and round-to-round redlines.

- :mod:`.clauses` — the curated clause library (``clauses/``): loading, validation (register, level
  discipline, definitions, defined terms), rendering, cross-references ``{{ article:<topic> }}``.
- :mod:`.spec` — draft specs (YAML): check, assemble into a :class:`~.proposal.Proposal`, Markdown/HTML.
- :mod:`.proposal` — a negotiating proposal as validated frozen dataclasses.
- :mod:`.house` — ftadraft's own Word template (Times New Roman, black headings, A4 or Letter, our properties).
- :mod:`.docx_writer` — the proposal laid out as paragraphs and written as a Word document a delegation can table.
- :mod:`.redline` — two rounds as one Word document with tracked changes (articles paired by content).

May import: everything before it in the flow (index, tags, search, corpus, compare, provenance).
"""
