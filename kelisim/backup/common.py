"""What the backup's parts share: its error and the file checksum."""

from __future__ import annotations

import hashlib
from pathlib import Path


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says what and where."""


def sha256(path: Path) -> str:
    """The SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
