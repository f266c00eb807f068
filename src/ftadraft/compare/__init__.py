"""Comparison of texts: word diffs, similarity, substantive changes, chapter alignment, Word redlines.

- :mod:`.diff` — lossless word diffs.
- :mod:`.similarity` — similarity measures between two texts.
- :mod:`.texts` — :func:`compare_texts`: one clause against another, with substantive-change callouts.
- :mod:`.align` — which article of one chapter answers which of another.
- :mod:`.redline` — real Word tracked changes (Accept All gives B, Reject All gives A).

May import: the shared leaves and everything before it in the flow (the alignment uses the search thesaurus);
never provenance, research or drafting.
"""

from .texts import Comparison, SubstantiveChange, compare_texts, render_html, render_terminal

__all__ = ["Comparison", "SubstantiveChange", "compare_texts", "render_html", "render_terminal"]
