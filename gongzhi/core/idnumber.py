"""Citizen identity numbers (公民身份号码), GB 11643-1999.

18 characters: 6-digit address code, 8-digit birth date, 3-digit sequence (odd for men,
even for women) and an ISO 7064 MOD 11-2 check character. The older 15-digit numbers
(6 + YYMMDD + 3, no check character, all born 19YY) are upgraded to 18.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .errors import ApplicationError
from .text import is_ascii_number, normalise_digits

WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
CHECK_CHARS = "10X98765432"
# Province-level codes in use (GB/T 2260), plus 71 Taiwan, 81 Hong Kong, 82 Macao; 83 for
# residence permits of Taiwan residents (GB 11643 as applied since 2018).
PROVINCE_CODES = {
    "11",
    "12",
    "13",
    "14",
    "15",
    "21",
    "22",
    "23",
    "31",
    "32",
    "33",
    "34",
    "35",
    "36",
    "37",
    "41",
    "42",
    "43",
    "44",
    "45",
    "46",
    "50",
    "51",
    "52",
    "53",
    "54",
    "61",
    "62",
    "63",
    "64",
    "65",
    "71",
    "81",
    "82",
    "83",
}
# [0-9], never \d: \d also matches Arabic-Indic and other look-alike digits.
_RE18 = re.compile(r"^[0-9]{17}[0-9X]$")
_RE15 = re.compile(r"^[0-9]{15}$")


class IdNumberError(ApplicationError):
    def __init__(self, code: str, message):
        super().__init__(code, message, field="id_number")


@dataclass(frozen=True)
class IdNumber:
    value: str  # always the 18-character form
    birth_date: dt.date
    sex: str  # "M" or "F"
    upgraded_from_15: bool = False

    @property
    def address_code(self) -> str:
        return self.value[:6]


def check_char(first17: str) -> str:
    total = sum(int(c) * w for c, w in zip(first17, WEIGHTS, strict=True))
    return CHECK_CHARS[total % 11]


def upgrade_15(value: str) -> str:
    """Upgrade a 15-digit number: insert the century 19 and append the check character."""
    first17 = value[:6] + "19" + value[6:]
    return first17 + check_char(first17)


def normalise(raw: str) -> str:
    """Strip spaces, fold full-width digits and a lower-case x (core.text.normalise_digits:
    the one normaliser for identity numbers and phones)."""
    return normalise_digits(raw)


def parse(raw: str, *, today: dt.date | None = None) -> IdNumber:
    """Validate and parse; raise IdNumberError with a message a person can act on."""
    value = normalise(raw)
    today = today or timezone.localdate()
    if not value:
        raise IdNumberError("id_empty", _("请填写公民身份号码。"))
    if not is_ascii_number(value, allowed="X"):
        raise IdNumberError(
            "id_characters", _("身份号码只能由数字0–9和最后一位的X组成，请不要使用其他文字的数字或符号。")
        )
    upgraded = False
    if len(value) == 15:
        if not _RE15.match(value):
            raise IdNumberError("id_characters", _("15位身份号码只能由数字组成。"))
        try:
            dt.date(1900 + int(value[6:8]), int(value[8:10]), int(value[10:12]))
        except ValueError:
            raise IdNumberError("id_birth_date", _("身份号码中的出生日期不存在（第7–12位）。")) from None
        value = upgrade_15(value)
        upgraded = True
    elif len(value) != 18:
        raise IdNumberError(
            "id_length", _("身份号码应为18位（或旧式15位），当前为%(n)d位。") % {"n": len(value)}
        )
    if not _RE18.match(value):
        raise IdNumberError("id_characters", _("身份号码前17位只能是数字，最后一位是数字或X。"))
    if value[:2] not in PROVINCE_CODES:
        raise IdNumberError(
            "id_region", _("身份号码前两位（%(code)s）不是有效的省级行政区划代码。") % {"code": value[:2]}
        )
    try:
        birth = dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise IdNumberError("id_birth_date", _("身份号码中的出生日期不存在（第7–14位）。")) from None
    if birth > today:
        raise IdNumberError("id_birth_future", _("身份号码中的出生日期晚于今天。"))
    if birth.year < 1890:
        raise IdNumberError("id_birth_date", _("身份号码中的出生年份早于1890年，请核对。"))
    expected = check_char(value[:17])
    if value[17] != expected:
        raise IdNumberError(
            "id_check", _("身份号码校验位错误：最后一位应为 %(c)s，请核对是否录入有误。") % {"c": expected}
        )
    sex = "M" if int(value[16]) % 2 == 1 else "F"
    return IdNumber(value=value, birth_date=birth, sex=sex, upgraded_from_15=upgraded)


def is_valid(raw: str) -> bool:
    try:
        parse(raw)
    except IdNumberError:
        return False
    return True


_PHONE_MOBILE = re.compile(r"^1[3-9][0-9]{9}$")
_PHONE_FIXED = re.compile(r"^0[0-9]{2,3}-?[0-9]{7,8}$")


def normalise_phone(raw: str) -> str:
    """Validate a mainland mobile (11 digits) or fixed-line number; return it without spaces."""
    value = normalise_digits(raw)
    if value.startswith("+86"):
        value = value[3:]
    if not value:
        return ""
    if _PHONE_MOBILE.match(value) or _PHONE_FIXED.match(value):
        return value.replace("-", "") if _PHONE_MOBILE.match(value) else value
    raise ApplicationError(
        "phone_invalid",
        _("电话号码格式不正确：手机号应为11位（1开头），固定电话如 0591-87654321。"),
        field="phone",
    )


def compose(address_code: str, birth_date: dt.date, sequence: int) -> str:
    """Build a valid 18-character number (for synthetic data and tests)."""
    first17 = f"{address_code}{birth_date:%Y%m%d}{sequence % 1000:03d}"
    return first17 + check_char(first17)
