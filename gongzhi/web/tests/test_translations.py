"""The interface is Chinese first: source strings are Chinese, and the English catalogue of
every app must translate every one of them (a fuzzy or empty entry would show Chinese to an
English reader). The compiled catalogues must exist after `make messages`."""

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
CATALOGUES = sorted(
    p
    for p in ROOT.glob("**/locale/en/LC_MESSAGES/django.po")
    if ".venv" not in p.parts and "node_modules" not in p.parts
)


def _entries(po: Path):
    """(msgid, msgstr, fuzzy) triples from a .po file, enough for a completeness check."""
    entries, block = [], []
    for line in po.read_text(encoding="utf-8").splitlines() + [""]:
        if line.strip():
            block.append(line)
            continue
        if block:
            entries.append(block)
            block = []
    out = []
    for b in entries:
        fuzzy = any(x.startswith("#,") and "fuzzy" in x for x in b)
        text = "\n".join(x for x in b if not x.startswith("#"))
        if "msgid" not in text:
            continue
        msgid = text.split("msgid", 1)[1].split("msgstr", 1)[0]
        msgstr = text.split("msgstr", 1)[1] if "msgstr" in text else ""
        ids = "".join(seg.strip().strip('"') for seg in msgid.replace("_plural", "").splitlines())
        strs = "".join(seg.split("]", 1)[-1].strip().strip('"') for seg in msgstr.splitlines())
        out.append((ids, strs, fuzzy))
    return out


def test_there_are_catalogues():
    assert CATALOGUES, "no English catalogue found"


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_string_is_translated(po):
    missing = [i for i, s, fuzzy in _entries(po) if i and (not s or fuzzy)]
    assert not missing, f"{len(missing)} untranslated in {po}: {missing[:10]}"


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: str(p.relative_to(ROOT)))
def test_catalogue_is_compiled(po):
    mo = po.with_suffix(".mo")
    assert mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime - 1, f"run `make messages`: {mo}"
