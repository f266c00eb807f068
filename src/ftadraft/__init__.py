"""ftadraft: search, compare and draft the customs, IP-enforcement and digital-trade chapters of
free trade agreements.

    >>> import ftadraft
    >>> c = ftadraft.open()                      # the default index (or ftadraft.open("my.sqlite"))
    >>> c.add(["../shared/corpus/tota/xml"])     # ToTA XML, Markdown, text, PDF, DOCX, HTML
    >>> c.provision("tota-449:14.3").title
    'Customs Duties'
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = [
    "AddReport",
    "Agreement",
    "AgreementMeta",
    "AgreementView",
    "Chapter",
    "Corpus",
    "Document",
    "Footnote",
    "FtadraftError",
    "IndexFileError",
    "InputError",
    "Provision",
    "ReferenceNotFound",
    "build_meta",
    "coverage",
    "load_file",
    "open",
    "to_frame",
]

#: Where each public name lives; imported on first use, so that ``import ftadraft`` (and
#: ``ftadraft --version``) stays cheap and numpy, spaCy or pandas load only when needed.
_EXPORTS = {
    "AddReport": "corpus", "AgreementView": "corpus", "Corpus": "corpus", "open": "corpus",
    "FtadraftError": "errors", "IndexFileError": "errors", "InputError": "errors", "ReferenceNotFound": "errors",
    "load_file": "ingest.load", "AgreementMeta": "ingest.metadata", "build_meta": "ingest.metadata",
    "Agreement": "model", "Chapter": "model", "Document": "model", "Footnote": "model", "Provision": "model",
    "to_frame": "research.frames", "coverage": "research.views",
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'ftadraft' has no attribute {name!r}")
    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


if TYPE_CHECKING:
    from .corpus import AddReport, AgreementView, Corpus, open
    from .errors import FtadraftError, IndexFileError, InputError, ReferenceNotFound
    from .ingest.load import load_file
    from .ingest.metadata import AgreementMeta, build_meta
    from .model import Agreement, Chapter, Document, Footnote, Provision
    from .research.frames import to_frame
    from .research.views import coverage
