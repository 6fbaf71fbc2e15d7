"""File locks and durable writes that keep a served snapshot whole: leases, guarded removal, fsync."""

from __future__ import annotations

import fcntl
import os
import shutil
from pathlib import Path
from typing import IO

from index.manifest import SnapshotError


def take_lease(path: Path) -> IO[bytes]:
    """A shared lock on the snapshot's manifest, held while the snapshot is served."""
    try:
        handle = open(path / "manifest.json", "rb")  # noqa: SIM115 - held for the lease
    except OSError as exc:
        raise SnapshotError(f"snapshot {path.name} has no manifest ({exc})") from exc
    fcntl.flock(handle, fcntl.LOCK_SH)
    if os.fstat(handle.fileno()).st_nlink == 0:  # pruned while this process waited for the lock
        handle.close()
        raise SnapshotError(f"snapshot {path.name} was removed while being opened")
    return handle


def remove_unless_in_use(path: Path) -> bool:
    """Delete a snapshot nobody serves, holding its exclusive lock throughout, so a process
    opening it meanwhile waits and then sees it gone (never a half-deleted snapshot)."""
    try:
        handle = open(path / "manifest.json", "rb")  # noqa: SIM115 - held while deleting
    except OSError:
        shutil.rmtree(path, ignore_errors=True)  # no manifest: a broken leftover
        return True
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        shutil.rmtree(path, ignore_errors=True)
    return True


def fsync_dir(path: Path) -> None:
    for child in path.iterdir():
        if child.is_file():
            with open(child, "rb") as handle:
                os.fsync(handle.fileno())
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
