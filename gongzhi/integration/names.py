"""Chinese personal names for record linkage: one written form, and a key that sounds alike.

Department systems write the same name differently: traditional characters (張偉 / 张伟),
full-width letters and digits, spaces typed between surname and given name, and the middle
dot of transliterated minority names in several shapes (阿依古丽·买买提, 阿依古丽.买买提,
阿依古丽•买买提, 阿依古丽买买提). ``normalise_name`` folds all of these to one form.

Names are also often taken down by ear, so a given-name character is replaced by another
with the same sound (李丽 / 李莉). ``name_key`` is the tone-less pinyin of the normalised
name, which groups such homophones for blocking and comparison. Surnames are read as
surnames (单 shan, 曾 zeng, 解 xie, 区 ou …), not with the character's everyday reading,
so a homophone written for the surname still lands in the same group.
"""

from __future__ import annotations

import json
import unicodedata
from functools import lru_cache
from pathlib import Path

import opencc
from pypinyin.pinyin_dict import pinyin_dict as _PINYIN_DICT

__all__ = ["normalise_name", "name_key", "char_key", "t2s", "SURNAME_READINGS"]

# Characters removed from names: spaces and the separators used in transliterated names.
_SEPARATORS = {
    ord(c): None
    for c in (
        " \t\r\n\u3000"  # spaces, ideographic space
        "·•‧・.．。･\u00b7\u2022\u2027\u30fb\uff0e\uff65"  # middle dots and dots
        "-－‐—_"  # hyphens and underscores sometimes typed instead of the dot
    )
}

# Readings of surname characters whose surname reading is not their first dictionary
# reading (百家姓 usage). Two-character surnames are read as a whole.
SURNAME_READINGS: dict[str, str] = {
    "单": "shan",
    "曾": "zeng",
    "解": "xie",
    "仇": "qiu",
    "朴": "piao",
    "区": "ou",
    "查": "zha",
    "乐": "yue",
    "盖": "ge",
    "覃": "qin",
    "召": "shao",
    "缪": "miao",
    "种": "chong",
    "翟": "zhai",
    "秘": "bi",
    "那": "na",
    "员": "yun",
    "长": "chang",
    "重": "chong",
    "藏": "zang",
    "繁": "po",
    "句": "gou",
    "能": "nai",
    "尉": "wei",
    "万俟": "moqi",
    "尉迟": "yuchi",
    "单于": "chanyu",
    "长孙": "zhangsun",
}
_COMPOUND = {k: v for k, v in SURNAME_READINGS.items() if len(k) == 2}

_TONE_FOLD = str.maketrans(
    "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹḿ",
    "aaaaeeeeiiiioooouuuuvvvvvnnnm",
)


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


@lru_cache(maxsize=1)
def _t2s_starts() -> frozenset[str] | None:
    """Every character a t2s dictionary entry starts with (read from the package's
    dictionary files). A text with none of them is left unchanged by OpenCC, so it need
    not go through its slow parser. None when the files cannot be read: always convert."""
    base = Path(opencc.__file__).parent
    try:
        config = json.loads((base / "config" / "t2s.json").read_text(encoding="utf-8"))
        files: list[str] = []

        def walk(node: dict) -> None:
            if node.get("type") == "group":
                for sub in node["dicts"]:
                    walk(sub)
            else:
                files.append(node["file"])

        for step in config["conversion_chain"]:
            walk(step["dict"])
        starts: set[str] = set()
        for name in files:
            with open(base / "dictionary" / name, encoding="utf-8") as fh:
                starts.update(line[0] for line in fh if line.strip())
        return frozenset(starts)
    except (OSError, KeyError, ValueError):  # pragma: no cover - a changed package layout
        return None


def t2s(text: str) -> str:
    """Traditional → simplified (OpenCC t2s), skipping texts OpenCC would not change."""
    starts = _t2s_starts()
    if text.isascii() or (starts is not None and starts.isdisjoint(text)):
        return text
    return _t2s().convert(text)


@lru_cache(maxsize=1 << 20)
def normalise_name(name: str | None) -> str:
    """One written form: NFKC (full-width → half-width), traditional → simplified,
    separators removed, Latin letters upper-cased."""
    if not name:
        return ""
    text = unicodedata.normalize("NFKC", name).translate(_SEPARATORS)
    if not text:
        return ""
    return t2s(text).upper()


@lru_cache(maxsize=1 << 16)
def char_key(ch: str) -> str:
    """Tone-less pinyin of one character (its first reading); the character itself if it
    has none (Latin letters, digits, rare characters)."""
    readings = _PINYIN_DICT.get(ord(ch))
    if not readings:
        return ch.lower()
    return readings.split(",", 1)[0].translate(_TONE_FOLD)


@lru_cache(maxsize=1 << 20)
def name_key(name: str | None) -> str:
    """Tone-less pinyin of the normalised name, syllables joined by spaces; the surname is
    read as a surname. Homophones (李丽 / 李莉 / 李麗) share a key."""
    text = normalise_name(name)
    if not text:
        return ""
    parts: list[str] = []
    rest = text
    head = text[:2]
    if head in _COMPOUND:
        parts.append(_COMPOUND[head])
        rest = text[2:]
    elif text[0] in SURNAME_READINGS:
        parts.append(SURNAME_READINGS[text[0]])
        rest = text[1:]
    parts.extend(char_key(ch) for ch in rest)
    return " ".join(parts)
