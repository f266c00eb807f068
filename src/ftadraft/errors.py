"""Exceptions with one-line messages that name the file (or reference) and the problem."""

from __future__ import annotations

from collections.abc import Sequence


def shown(value: object) -> str:
    """``value`` as a message shows it: as is when printable, else quoted with escapes (a newline, a control
    character or a lone surrogate in a file name or reference must not break the one line, or the output)."""
    text = str(value)
    return text if text.isprintable() else repr(text)


class FtadraftError(Exception):
    """Base class: ``str(err)`` is the one-line message the CLI prints."""

    exit_code = 1


class InputError(FtadraftError):
    """A source file that cannot be read or is refused (malformed, unsafe, too large, ...)."""

    def __init__(self, path: object, problem: str) -> None:
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{shown(self.path)}: {problem}")


class IndexFileError(FtadraftError):
    """The index database is missing, foreign, damaged or from a newer ftadraft."""

    def __init__(self, path: object, problem: str) -> None:
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{shown(self.path)}: {problem}")


class ReferenceNotFound(FtadraftError):
    """A provision/agreement reference that matches nothing or several things."""

    def __init__(self, ref: str, problem: str, suggestions: Sequence[str] = ()) -> None:
        self.ref = ref
        self.suggestions = tuple(suggestions)
        msg = f"{shown(ref)}: {problem}"
        if self.suggestions:
            msg += "; did you mean: " + ", ".join(self.suggestions)
        super().__init__(msg)


class FetchError(FtadraftError):
    """A corpus download that failed or did not verify."""


class QueryError(FtadraftError):
    """A search query refused before it runs: too long, or too costly (terms, prefix expansions)."""


class OutputError(FtadraftError):
    """An output file that cannot or must not be written (not a regular file, disk full, read-only)."""

    def __init__(self, path: object, problem: str) -> None:
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{shown(self.path)}: {problem}")
