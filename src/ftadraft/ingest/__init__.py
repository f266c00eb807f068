"""Sources to provisions: readers for every format, metadata, and the corpus manifests and download.

- :mod:`.load` — format detection, agreement ids, :func:`~.load.load_file`.
- :mod:`.tota`, :mod:`.text`, :mod:`.pdf`, :mod:`.docx`, :mod:`.html` — one reader per format;
  :mod:`.segment` finds chapters, sections and articles in text blocks; :mod:`.guard` holds the
  hostile-input limits.
- :mod:`.metadata` — agreement metadata from flags and sidecar files.
- :mod:`.manifest`, :mod:`.fetch` — pinned corpus manifests, verified download.

May import: the shared leaves only (``model``, ``errors``, ``normalize``, ``fingerprint``, ``atomic``,
``safe_yaml``).

Contract for a reader module (``tota``, ``text``, ``pdf``, ``docx``, ``html``)::

    def read(data: bytes, path: Path, *, encoding: str | None = None) -> Extract

``data`` has already passed the size checks in :mod:`guard`. A reader raises
:class:`~ftadraft.errors.InputError` for input it refuses; it never touches the index.
"""
