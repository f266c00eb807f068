"""Atomic file output: write beside the target, then rename, so a failure never leaves half a file
and an existing file is replaced only by a complete one.

Only regular files are written: an existing output path that is a symbolic link, a device, a FIFO, a
socket or a folder is refused by name (``--force`` on ``/dev/null`` must not replace ``/dev/null``), as an
:class:`~ftadraft.errors.OutputError`. A write that fails for lack of space, permission or a read-only file
system leaves nothing behind and raises the OSError of its kind (``PermissionError``, ...) naming the output
file, not the temporary one (the CLI prints it as one line).
"""

from __future__ import annotations

import gc
import os
import stat
import sys
import tempfile
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import OutputError


def refuse_special(out: Path) -> None:
    """Refuse an output path that exists and is not a regular file (checked without following links)."""
    try:
        st = out.lstat()
    except FileNotFoundError:
        return
    except OSError as e:
        raise OutputError(out, f"cannot write here ({e.strerror})") from None
    if not stat.S_ISREG(st.st_mode):
        raise OutputError(out, f"is {_kind(st.st_mode)}, not a regular file; only regular files are written")


def _kind(mode: int) -> str:
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a special file"


def _release(e: BaseException) -> None:
    """Let go now, quietly, of what the failed writer still holds (python-docx's ZipFile over the temporary
    file): left to the end of the process, its second failed close prints a traceback after the one-line
    error."""
    hook = sys.unraisablehook

    def quiet(u: sys.UnraisableHookArgs) -> None:
        if not isinstance(u.exc_value, OSError):
            hook(u)

    sys.unraisablehook = quiet
    try:
        if e.__traceback__ is not None:
            traceback.clear_frames(e.__traceback__)
        gc.collect()
    finally:
        sys.unraisablehook = hook


def _named(e: OSError, out: Path) -> OSError:
    """``e`` as an OSError of the same kind about ``out`` (the temporary file's name means nothing to users)."""
    if e.errno is None:
        return e
    return OSError(e.errno, f"{e.strerror or 'cannot write'}; nothing was written", str(out))


@contextmanager
def atomic_path(out: Path, *, private: bool = False) -> Iterator[Path]:
    """Yield a temporary path in ``out``'s folder; when the block succeeds it becomes ``out``
    (with the usual file mode unless ``private``), when it fails it is removed. An OSError inside
    the block (disk full, read-only file system) is raised again naming ``out``."""
    out = Path(out)
    refuse_special(out)
    try:
        fd, name = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp")
    except OSError as e:
        raise _named(e, out) from None
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        if not private:  # mkstemp creates 0600; an output file gets what the umask allows
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)
        refuse_special(out)  # it may have become a link while the content was being made
        os.replace(tmp, out)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        named = _named(e, out)
        _release(e)
        raise named from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_text(out: Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``out`` atomically."""
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError as e:
        bad = text[e.start : e.start + 1].encode("unicode_escape").decode("ascii")
        raise OutputError(out, f"the text holds a character that is not valid Unicode ({bad}, a lone surrogate) "
                               f"at character {e.start:,}; nothing was written") from None
    write_bytes(out, data)


def write_bytes(out: Path, data: bytes, *, private: bool = False) -> None:
    """Write ``data`` to ``out`` atomically."""
    with atomic_path(out, private=private) as tmp:
        tmp.write_bytes(data)
