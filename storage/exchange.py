"""Atomic exchange of two directories (Linux ``renameat2(RENAME_EXCHANGE)``).

Swapping a whole partition directory is the only way to replace a *set* of files at once: a
reader that lists the partition sees either every old file or every new one, never a mix.
"""

import ctypes
import os
from pathlib import Path

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2
_libc = ctypes.CDLL(None, use_errno=True)


def exchange(a: Path, b: Path) -> None:
    """Atomically swap the paths ``a`` and ``b`` (both must exist, on one filesystem)."""
    result = _libc.renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if result != 0:
        code = ctypes.get_errno()
        raise OSError(code, f"renameat2(RENAME_EXCHANGE) failed: {os.strerror(code)}", str(a), None, str(b))


def replace_dir(new: Path, target: Path) -> None:
    """Make ``new`` appear at ``target`` atomically; the old ``target`` (if any) ends up at ``new``."""
    if target.exists():
        exchange(new, target)
    else:
        target.parent.mkdir(parents=True, exist_ok=True)
        os.rename(new, target)
        new.mkdir()  # keep the post-condition: ``new`` holds what was at ``target`` (nothing)
