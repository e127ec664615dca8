import datetime as dt

import pytest

from gongzhi.core import idnumber
from gongzhi.core.errors import ApplicationError
from gongzhi.core.idnumber import IdNumberError, check_char, compose, parse, upgrade_15

TODAY = dt.date(2026, 11, 22)


def test_check_character_of_the_standard_example():
    # GB 11643-1999 appendix example: 11010519491231002X
    assert check_char("11010519491231002") == "X"
    assert parse("11010519491231002X", today=TODAY).sex == "F"


@pytest.mark.parametrize(
    "value,sex,birth",
    [
        ("11010519491231002X", "F", dt.date(1949, 12, 31)),
        ("110105194912310029".replace("9", "9"), None, None),
    ],
)
def test_valid_18_digit(value, sex, birth):
    if sex is None:
        value = compose("350102", dt.date(1990, 2, 28), 123)
        sex, birth = "M", dt.date(1990, 2, 28)
    parsed = parse(value, today=TODAY)
    assert parsed.value == value and parsed.sex == sex and parsed.birth_date == birth
    assert not parsed.upgraded_from_15


def test_lowercase_x_fullwidth_digits_and_spaces_are_normalised():
    assert parse("11010519491231002x", today=TODAY).value == "11010519491231002X"
    assert parse("１１０１０５１９４９１２３１００２Ｘ", today=TODAY).value == "11010519491231002X"
    assert parse(" 110105 19491231 002X ", today=TODAY).value == "11010519491231002X"


def test_15_digit_number_is_upgraded():
    parsed = parse("350102800517123", today=TODAY)
    assert parsed.upgraded_from_15
    assert parsed.value == upgrade_15("350102800517123")
    assert parsed.value.startswith("35010219800517123")
    assert parsed.birth_date == dt.date(1980, 5, 17)
    assert parsed.sex == "M"  # 123 is odd
    assert idnumber.is_valid(parsed.value)


@pytest.mark.parametrize(
    "value,code",
    [
        ("11010519491231002Y", "id_characters"),
        ("110105194912310021", "id_check"),
        ("11010519490231002X", "id_birth_date"),  # 31 February does not exist... 0231
        ("350102800230123", "id_birth_date"),  # 15-digit, 30 February
        ("1101051949123100", "id_length"),
        ("1101051949123100211", "id_length"),
        ("", "id_empty"),
        ("11010A19491231002X", "id_characters"),
        ("99010519491231002X", "id_region"),
    ],
)
def test_invalid_numbers_give_a_clear_reason(value, code):
    with pytest.raises(IdNumberError) as exc:
        parse(value, today=TODAY)
    assert exc.value.code == code
    assert str(exc.value.message)  # a message a person can read


def test_future_birth_date_is_refused():
    future = compose("350102", dt.date(2027, 1, 1), 11)
    with pytest.raises(IdNumberError) as exc:
        parse(future, today=TODAY)
    assert exc.value.code == "id_birth_future"


def test_messages_are_chinese_by_default():
    with pytest.raises(IdNumberError) as exc:
        parse("110105194912310021", today=TODAY)
    assert "校验位" in str(exc.value.message)


@pytest.mark.parametrize(
    "raw,ok",
    [
        ("13812345678", True),
        ("+8613812345678", True),
        ("0591-87654321", True),
        ("1381234567", False),
        ("23812345678", False),
        ("abc", False),
    ],
)
def test_phone_validation(raw, ok):
    if ok:
        assert idnumber.normalise_phone(raw)
    else:
        with pytest.raises(ApplicationError):
            idnumber.normalise_phone(raw)
