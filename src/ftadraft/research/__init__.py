"""Research views for notebooks and papers: coverage, diffusion, agreement and party profiles, DataFrames.

- :mod:`.views` — :func:`coverage`, :func:`diffusion`, :func:`agreement_profile`, :func:`party_profile`.
- :mod:`.frames` — :func:`to_frame`: any list of ftadraft results as a pandas DataFrame.

May import: everything before it in the flow (index, tags, search, corpus, compare, provenance).
"""

from .frames import to_frame
from .views import agreement_profile, coverage, diffusion, party_profile

__all__ = ["agreement_profile", "coverage", "diffusion", "party_profile", "to_frame"]
