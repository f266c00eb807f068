"""Readers that turn agreement files of every format into provisions.

Contract for a reader module (``tota``, ``text``, ``pdf``, ``docx``, ``html``)::

    def read(data: bytes, path: Path, *, encoding: str | None = None) -> Extract

``data`` has already passed the size checks in :mod:`guard`. A reader raises
:class:`~ftadraft.errors.InputError` for input it refuses; it never touches the index.
"""
