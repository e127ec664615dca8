"""The interface is Chinese first: source strings are Chinese, and the English catalogue of
every app must translate every one of them (a fuzzy or empty entry would show Chinese to an
English reader). The compiled catalogues must exist after `make messages`."""

from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parents[3]
CATALOGUES = sorted(
    p
    for p in ROOT.glob("**/locale/en/LC_MESSAGES/django.po")
    if ".venv" not in p.parts and "node_modules" not in p.parts
)


def _untranslated(po: Path) -> list[str]:
    catalogue = polib.pofile(str(po))
    return [e.msgid for e in catalogue if not e.obsolete and (not e.translated() or "fuzzy" in e.flags)]


def test_there_are_catalogues():
    assert CATALOGUES, "no English catalogue found"


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_string_is_translated(po):
    missing = _untranslated(po)
    assert not missing, f"{len(missing)} untranslated in {po}: {missing[:10]}"


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: str(p.relative_to(ROOT)))
def test_catalogue_is_compiled(po):
    mo = po.with_suffix(".mo")
    assert mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime - 1, f"run `make messages`: {mo}"


def test_the_check_finds_empty_and_fuzzy_entries(tmp_path):
    po = tmp_path / "django.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        'msgid "居民"\nmsgstr "Resident"\n\n'
        'msgid "户"\nmsgstr ""\n\n'
        '#, fuzzy\nmsgid "楼栋"\nmsgstr "Block"\n\n'
        'msgid "【未诉先办】[x]"\nmsgstr "Proactive: [x]"\n',
        encoding="utf-8",
    )
    assert _untranslated(po) == ["户", "楼栋"]
