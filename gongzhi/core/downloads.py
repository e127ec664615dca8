"""File downloads: the name a browser saves, in Chinese, per RFC 6266 / RFC 5987."""

from __future__ import annotations

import re
from urllib.parse import quote


def content_disposition(filename: str) -> str:
    """`attachment; filename="<ASCII fallback>"; filename*=UTF-8''<the real name>`.

    Browsers use filename* (居民名单-20260305-0930.xlsx); the plain filename is for old
    clients only, the ASCII characters of the name (or "download" with its extension)."""
    stem, dot, ext = filename.rpartition(".")
    if not dot:
        stem, ext = filename, ""
    ascii_stem = re.sub(r"[^A-Za-z0-9._-]+", "", stem.encode("ascii", "ignore").decode()).strip("-._")
    fallback = (ascii_stem or "download") + (f".{ext}" if ext else "")
    if not re.fullmatch(r"[A-Za-z0-9._-]+", fallback):
        fallback = "download"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"
