"""Writing files so that a crash or a reader never sees half of one.

One recipe for every file the project writes (keys, exported lists, card PDFs,
a border post's state): the data goes to a temporary file beside the target,
is flushed to disk, and is renamed over the target (``os.replace`` is atomic on
POSIX); the directory is then flushed so that the rename itself survives a
power cut. A reader sees the old content or the new, never a part; a failure
leaves the old file in place and no temporary file behind.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

PUBLIC = 0o644
"""Files anyone may read: certificates, trust and revocation lists, cards."""
PRIVATE = 0o600
"""Files only the owner may read: private keys and the key store's metadata."""


def write_atomic(path: Path, data: bytes, *, mode: int = PUBLIC) -> None:
    """Write ``data`` to ``path`` atomically and durably, with permissions ``mode``.

    The parent folder is created if missing.

    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "list.cose"
    >>> write_atomic(target, b"signed bytes")
    >>> target.read_bytes()
    b'signed bytes'
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    sync_directory(path.parent)


def sync_directory(path: Path) -> None:
    """Flush a directory's entries, so that a rename in it survives a crash."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
