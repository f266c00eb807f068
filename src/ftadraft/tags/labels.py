"""The obligation-strength labels, strongest first: the one enumeration every module and option uses.

A module of its own so that command-line options can offer them without compiling the classifier.
"""

from __future__ import annotations

#: binding (shall, must), mixed (binding and soft sentences), soft (endeavour, recognise, should), none.
LABELS = ("binding", "mixed", "soft", "none")
