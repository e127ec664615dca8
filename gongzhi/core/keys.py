"""The field-encryption key: from the environment, or (locally) a file made on first use."""

from __future__ import annotations

import base64
import os
from pathlib import Path


def new_key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


def load_or_create_key_file(path: Path) -> str:
    path = Path(path)
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = new_key()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(key + "\n")
    return key
