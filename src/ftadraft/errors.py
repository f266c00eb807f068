"""Exceptions with one-line messages that name the file (or reference) and the problem."""

from __future__ import annotations

from collections.abc import Sequence


class FtadraftError(Exception):
    """Base class: ``str(err)`` is the one-line message the CLI prints."""

    exit_code = 1


class InputError(FtadraftError):
    """A source file that cannot be read or is refused (malformed, unsafe, too large, ...)."""

    def __init__(self, path: object, problem: str) -> None:
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")


class IndexFileError(FtadraftError):
    """The index database is missing, foreign, damaged or from a newer ftadraft."""

    def __init__(self, path: object, problem: str) -> None:
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")


class ReferenceNotFound(FtadraftError):
    """A provision/agreement reference that matches nothing or several things."""

    def __init__(self, ref: str, problem: str, suggestions: Sequence[str] = ()) -> None:
        self.ref = ref
        self.suggestions = tuple(suggestions)
        msg = f"{ref}: {problem}"
        if self.suggestions:
            msg += "; did you mean: " + ", ".join(self.suggestions)
        super().__init__(msg)


class FetchError(FtadraftError):
    """A corpus download that failed or did not verify."""
