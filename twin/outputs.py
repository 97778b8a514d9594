"""Output paths claimed for the length of a run: one writer per path, no stale temporaries.

:func:`claim` takes an exclusive lock beside the output (``.<name>.lock``, an ``fcntl``
lock the operating system releases when the process dies, even by ``kill -9``), so two
runs to the same ``--out`` do not race: the second is refused on one line.  While the lock
is held, the temporaries that killed writes to that path left behind (``.<name>.*.tmp``
and ``.<name>.*.old``, the names :func:`twin.results.atomic_path` and
:func:`twin.sweep.write_zarr` use) are removed: no process can still be writing them.
"""

from __future__ import annotations

import fcntl
import os
import shutil
from contextlib import contextmanager
from pathlib import Path

from twin.errors import InputError


def stale_temporaries(path: Path) -> list[Path]:
    """Temporaries of earlier writes to ``path`` (files or folders) in its folder."""
    folder, name = path.parent, path.name
    return sorted(p for pattern in (f".{name}.*.tmp", f".{name}.*.old") for p in folder.glob(pattern))


def remove(paths) -> None:
    for p in paths:
        if p.is_dir() and not p.is_symlink():
            shutil.rmtree(p, ignore_errors=True)
        else:
            p.unlink(missing_ok=True)


@contextmanager
def claim(path: str | Path, option: str = "--out"):
    """Hold an exclusive claim on the output ``path`` for the block; refuse it (InputError) when
    another process holds it; remove the stale temporaries of killed writes to it."""
    path = Path(path)
    lock_path = path.parent / f".{path.name}.lock"
    while True:
        try:
            fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as err:
            raise InputError.one(str(path), option, f"a folder where the lock file cannot be made ({err.strerror})",
                                 "a writable folder") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 64).decode(errors="replace").strip() or "another process"
            os.close(fd)
            raise InputError.one(str(path), option, f"an output another twin run is writing (pid {holder})",
                                 "a path no other run is writing; wait for it or choose another") from None
        try:
            same = os.path.exists(lock_path) and os.stat(lock_path).st_ino == os.fstat(fd).st_ino
        except OSError:
            same = False
        if same:  # not unlinked by a holder that finished between our open and our lock
            break
        os.close(fd)
    try:
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        remove(stale_temporaries(path))
        yield path
    finally:
        try:
            os.unlink(lock_path)
        finally:
            os.close(fd)
