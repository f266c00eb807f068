"""Optional dependencies, imported on demand with a one-line hint naming the extra that installs them.

pandas (``ftadraft[notebook]``) for DataFrames, pyarrow (the same extra) for Parquet files and matplotlib
(``ftadraft[plot]``) for charts are never imported by commands that do not need them.
"""

from __future__ import annotations

from typing import Any

from .errors import FtadraftError


def require_pandas() -> Any:
    """pandas, or an error naming the notebook extra."""
    try:
        import pandas
    except ImportError:
        raise FtadraftError(
            "pandas is not installed; install the notebook extra: pip install 'ftadraft[notebook]'"
        ) from None
    return pandas


def require_pyarrow() -> Any:
    """pyarrow (the Parquet engine), or an error naming the notebook extra."""
    try:
        import pyarrow  # type: ignore[import-untyped]
    except ImportError:
        raise FtadraftError(
            "pyarrow is not installed; install the notebook extra: pip install 'ftadraft[notebook]'"
        ) from None
    return pyarrow


def pyplot() -> Any:
    """matplotlib.pyplot on the Agg backend, or an error naming the plot extra."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise FtadraftError(
            "matplotlib is not installed; install the plot extra: pip install 'ftadraft[plot]'"
        ) from None
    return plt
