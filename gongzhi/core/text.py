"""Text that comes in from people and files: one place that says what is acceptable.

- `normalise_digits`: identity numbers and phones. NFKC folds full-width digits and letters;
  anything that is still not an ASCII digit (Arabic-Indic ٠١٢, Devanagari, mathematical bold
  digits…) is refused by the caller's pattern, so a look-alike number can never register a
  second person under "the same" number.
- `bad_character` / `check_text`: control characters (C0 other than tab, line feed and
  carriage return; DEL; C1), NUL, lone surrogates and the non-characters U+FFFE/U+FFFF are
  refused on every path (pages, APIs, imports). They are invisible, break exports and some
  databases.
- `clean_text`: the one text cleaner for services: refuses bad characters, strips spaces and
  zero-width characters at the ends, requires visible content when the field is required, and
  refuses (never truncates) text over the field's limit, with a message naming the field.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from django.utils.translation import gettext_lazy as _

from .errors import ApplicationError

_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
# Characters that show nothing: whitespace, zero-width spaces and joiners, direction marks,
# invisible operators, the byte-order mark, the soft hyphen, the Mongolian vowel separator.
_INVISIBLE = "\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff"
_INVISIBLE_RE = re.compile(rf"[\s{_INVISIBLE}]+")
_EDGES = re.compile(rf"^[\s{_INVISIBLE}]+|[\s{_INVISIBLE}]+$")


def bad_character(value: str) -> str | None:
    """The first character not allowed in stored text, or None."""
    m = _BAD.search(value or "")
    return m.group(0) if m else None


def describe_character(char: str) -> str:
    return f"U+{ord(char):04X}"


def bad_character_message(char: str, label: Any = ""):
    if label:
        return _("“%(field)s”中含有不可见的控制字符（%(char)s），请删除后重新提交。") % {
            "field": label,
            "char": describe_character(char),
        }
    return _("提交的内容中含有不可见的控制字符（%(char)s），请删除后重新提交。") % {
        "char": describe_character(char)
    }


def check_text(value: str, *, field: str = "", label: Any = "") -> str:
    """Refuse text holding a control character, NUL or a lone surrogate."""
    char = bad_character(value)
    if char is not None:
        raise ApplicationError(
            "control_character", bad_character_message(char, label or field), field=field or None
        )
    return value


def has_content(value: str) -> bool:
    """Whether anything visible is left once spaces and zero-width characters are removed."""
    return bool(_INVISIBLE_RE.sub("", value or ""))


def strip_invisible(value: str) -> str:
    """Remove spaces and zero-width characters at both ends."""
    return _EDGES.sub("", value or "")


def too_long_message(label: Any, limit: int, length: int):
    return _("“%(field)s”最多%(n)d个字，现在是%(len)d个字，请删减后再提交。") % {
        "field": label,
        "n": limit,
        "len": length,
    }


def required_message(label: Any):
    return _("请填写“%(field)s”。") % {"field": label}


def clean_text(
    value: Any,
    *,
    field: str,
    label: Any = "",
    max_length: int | None = None,
    required: bool = False,
) -> str:
    """The stored form of one text field, or an ApplicationError naming the field.

    Text made only of spaces or zero-width characters counts as empty; text over
    `max_length` is refused, never cut."""
    label = label or field
    text = "" if value is None else str(value)
    check_text(text, field=field, label=label)
    text = strip_invisible(text)
    if not has_content(text):
        text = ""
    if required and not text:
        raise ApplicationError("required", required_message(label), field=field)
    if max_length is not None and len(text) > max_length:
        raise ApplicationError("too_long", too_long_message(label, max_length, len(text)), field=field)
    return text


def normalise_digits(raw: Any) -> str:
    """Identity numbers and phones as typed or imported, folded to one form: NFKC (full-width
    digits and letters become ASCII), spaces removed, letters upper-cased. The result may still
    hold non-ASCII digits; `is_ascii_number` says whether it is acceptable."""
    text = unicodedata.normalize("NFKC", "" if raw is None else str(raw))
    return re.sub(r"\s+", "", text).upper()


def is_ascii_number(value: str, *, allowed: str = "") -> bool:
    """Only ASCII digits 0–9 (and the characters in `allowed`, such as X or -)."""
    return bool(value) and all(c in "0123456789" or c in allowed for c in value)
