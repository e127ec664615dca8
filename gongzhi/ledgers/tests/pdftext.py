"""The text of a PDF that reportlab wrote (for the tests): its content streams inflated and the
string operands of `Tj` decoded (UCS-2 for the CID font STSong-Light)."""

import base64
import re
import zlib

_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


def _unescape(m: re.Match) -> bytes:
    g = m.group(1)
    return bytes([int(g, 8)]) if g[:1].isdigit() else _ESCAPES.get(g, g)


def pdf_text(pdf: bytes) -> str:
    out = []
    for raw in re.findall(rb"stream\r?\n(.*?)endstream", pdf, re.S):
        raw = raw.strip()
        try:
            data = zlib.decompress(
                base64.a85decode(raw if raw.startswith(b"<~") else b"<~" + raw, adobe=True)
            )
        except (ValueError, zlib.error):
            continue
        for lit in re.findall(rb"\(((?:\\.|[^\\)])*)\)\s*Tj", data, re.S):
            b = re.sub(rb"\\([0-7]{1,3}|.)", _unescape, lit)
            try:
                out.append(b.decode("utf-16-be"))
            except UnicodeDecodeError:
                out.append(b.decode("latin-1"))
    return "\n".join(out)


def pdf_pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type /Page\b", pdf))
