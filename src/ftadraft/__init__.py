"""ftadraft: search, compare and draft the customs, IP-enforcement and digital-trade chapters of
free trade agreements.

    >>> import ftadraft
    >>> c = ftadraft.open()                      # the default index (or ftadraft.open("my.sqlite"))
    >>> c.add(["../shared/corpus/tota/xml"])     # ToTA XML, Markdown, text, PDF, DOCX, HTML
    >>> c.provision("tota-449:14.3").title
    'Customs Duties'
"""

from .corpus import AddReport, AgreementView, Corpus, open
from .errors import FtadraftError, IndexFileError, InputError, ReferenceNotFound
from .ingest.load import load_file
from .ingest.metadata import AgreementMeta, build_meta
from .model import Agreement, Chapter, Document, Footnote, Provision
from .research.frames import to_frame
from .research.views import coverage

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
