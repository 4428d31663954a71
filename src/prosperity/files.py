"""Plain messages for the file system: a folder that cannot be written, a disk that is full.

Commands that write (``build``, ``report``) check where they will write before they start, and turn a failure of
the disk part way into one sentence that says where and what to do, never a traceback.
"""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
from pathlib import Path

from prosperity.errors import ProsperityError

_FULL = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)


class NotWritable(ProsperityError):
    """A folder cannot be written, or its disk has no room."""


def disk_full(e: BaseException) -> bool:
    """Whether ``e`` says the disk (or the quota, or the file size limit) is full, from the OS or from DuckDB."""
    if isinstance(e, OSError) and e.errno in _FULL:
        return True
    text = str(e).lower()
    return not isinstance(e, OSError) and any(w in text for w in ("no space left", "file too large", "disk quota"))


def check_writable_dir(path: Path, option: str) -> None:
    """Create ``path`` if needed and prove that a file can be written in it; else raise :class:`NotWritable`."""
    path = Path(path)
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path, prefix=".prosperity-write-test-"):
            pass
    except OSError as e:
        raise NotWritable(f"{option} {path}: {why(e)}; nothing was done") from None


def check_free_space(path: Path, needed: int, what: str) -> None:
    """Raise :class:`NotWritable` if the disk holding ``path`` has less than ``needed`` bytes free."""
    try:
        free = shutil.disk_usage(path).free
    except OSError:
        return  # cannot tell: the work will say so if it runs out
    if free < needed:
        raise NotWritable(f"not enough space on the disk holding {path}: {mib(free)} free, and {what} needs about "
                          f"{mib(needed)}; free some space and try again (nothing was changed)")  # fmt: skip


def why(e: OSError) -> str:
    """What an OSError means, in words."""
    if e.errno in _FULL:
        return "the disk is full"
    if isinstance(e, PermissionError):
        return "permission denied (the folder cannot be written)"
    if e.errno == errno.EROFS:
        return "the disk is read-only"
    if isinstance(e, FileExistsError | NotADirectoryError):
        return "a file of that name is in the way (a folder is needed)"
    return os.strerror(e.errno) if e.errno else str(e)


def mib(n: int) -> str:
    return f"{n / 1024 / 1024:,.0f} MiB"
