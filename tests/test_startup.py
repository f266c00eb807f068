"""Start-up cost: the package root and the command line load no heavy dependency they do not need."""

from __future__ import annotations

import subprocess
import sys

import pytest


@pytest.mark.parametrize("statement", ["import ftadraft", "import ftadraft.cli",
                                       "import ftadraft.cli; import ftadraft.corpus"])
def test_import_loads_no_heavy_dependency(statement: str) -> None:
    code = (f"{statement}; import sys; "
            "print(','.join(m for m in ('numpy', 'spacy', 'pandas', 'matplotlib', 'scipy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "", f"{statement} imported {out}"


def test_public_names_still_resolve_lazily() -> None:
    import ftadraft

    assert ftadraft.open.__module__ == "ftadraft.corpus"
    assert ftadraft.Provision.__name__ == "Provision" and callable(ftadraft.to_frame)
    assert set(ftadraft.__all__) <= set(dir(ftadraft))
    with pytest.raises(AttributeError):
        ftadraft.no_such_name  # noqa: B018
