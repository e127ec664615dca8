"""Record linkage: normalisation, pair scores and batch clustering (no database)."""

from __future__ import annotations

import datetime as dt

import pytest

from gongzhi.core.idnumber import check_char, compose
from gongzhi.integration.linkage import (
    DEFAULT_MODEL,
    MATCH_THRESHOLD,
    REVIEW_THRESHOLD,
    LinkRecord,
    estimate_model,
    link,
    score,
)
from gongzhi.integration.names import name_key, normalise_name

BIRTH = dt.date(1975, 3, 4)
ID = compose("350102", BIRTH, 123)  # a man (odd sequence)
OTHER_ID = compose("350104", BIRTH, 457)


def person(key: str = "a", **kw) -> LinkRecord:
    base = dict(
        name="张伟",
        id_number=ID,
        birth_date=BIRTH,
        sex="M",
        phone="13800001111",
        address="鼓楼区东街道三坊路1号2栋301室",
        community="350102004001",
    )
    base.update(kw)
    return LinkRecord(key=key, **base)


def wrong_check(number: str) -> str:
    right = number[17]
    return number[:17] + next(c for c in "0123456789X" if c != right)


def one_digit(number: str, pos: int = 15) -> str:
    d = number[pos]
    return number[:pos] + str((int(d) + 1) % 10) + number[pos + 1 :]


# --- names ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("張偉", "张伟"),
        ("张 伟", "张伟"),
        ("歐陽　鋒", "欧阳锋"),
        ("阿依古丽·买买提", "阿依古丽买买提"),
        ("阿依古丽.买买提", "阿依古丽买买提"),
        ("阿依古丽•买买提", "阿依古丽买买提"),
        ("ＡＢ", "AB"),
        ("", ""),
    ],
)
def test_normalise_name(raw, expected):
    assert normalise_name(raw) == expected


def test_name_key_groups_homophones_and_traditional_forms():
    assert name_key("李丽") == name_key("李莉") == name_key("李麗") == name_key("李力") == "li li"
    assert name_key("王静") == name_key("王晶")
    assert name_key("王静") != name_key("王强")


def test_name_key_reads_surnames_as_surnames():
    assert name_key("单雄信").startswith("shan ")  # not dan
    assert name_key("曾国藩").startswith("zeng ")  # not ceng
    assert name_key("单丽") == name_key("善丽")
    assert name_key("尉迟恭") == "yuchi gong"


# --- pair scores ------------------------------------------------------------------------


def test_same_record_matches():
    m = score(person("a"), person("b"))
    assert m.probability >= MATCH_THRESHOLD
    assert m.agreements["id_number"] == "exact"
    assert set(m.agreements) <= set(m.weights)


def test_traditional_and_simplified_names_match():
    m = score(person("a"), person("b", name="張偉", phone="", address=""))
    assert m.agreements["name"] == "exact"
    assert m.probability >= MATCH_THRESHOLD


def test_wrong_check_character_matches():
    m = score(person("a"), person("b", id_number=wrong_check(ID)))
    assert m.agreements["id_number"] == "check_char"
    assert m.probability >= MATCH_THRESHOLD


def test_one_digit_typo_matches():
    typo = one_digit(ID)
    assert typo[17] != check_char(typo[:17])  # the typo breaks the checksum
    m = score(person("a"), person("b", id_number=typo, phone=""))
    assert m.agreements["id_number"] == "typo"
    assert m.probability >= MATCH_THRESHOLD


def test_transposed_digits_match():
    swapped = ID[:12] + ID[13] + ID[12] + ID[14:]
    assert swapped != ID
    m = score(person("a"), person("b", id_number=swapped))
    assert m.agreements["id_number"] == "typo"
    assert m.probability >= MATCH_THRESHOLD


def test_fifteen_digit_number_matches_its_eighteen_digit_form():
    fifteen = ID[:6] + ID[8:17]
    m = score(person("a"), person("b", id_number=fifteen, birth_date=None, sex=""))
    assert m.agreements["id_number"] == "exact"
    assert m.agreements["birth_date"] == "exact"  # taken from the number
    assert m.agreements["sex"] == "agree"
    assert m.probability >= MATCH_THRESHOLD


def test_missing_number_matches_on_other_fields_with_lower_probability():
    full = score(person("a"), person("b"))
    missing = score(person("a"), person("b", id_number=""))
    assert missing.agreements["id_number"] == "missing"
    assert MATCH_THRESHOLD <= missing.probability < full.probability


def test_same_name_and_birth_date_with_different_numbers_stay_apart():
    m = score(person("a"), person("b", id_number=OTHER_ID, phone="13900002222", address=""))
    assert m.agreements["name"] == "exact"
    assert m.agreements["birth_date"] == "exact"
    assert m.agreements["id_number"] == "different"
    assert m.probability < REVIEW_THRESHOLD


def test_twins_are_never_merged_without_a_person():
    """Twins share surname, birth date, phone and address; their valid numbers are one digit
    apart. Two valid different numbers are two people: below the match threshold."""
    twin = compose("350102", BIRTH, 125)
    a, b = person("a"), person("b", name="张强", id_number=twin)
    m = score(a, b)
    assert m.agreements["id_number"] == "near_valid"
    assert m.probability < MATCH_THRESHOLD
    assert m.agreements["rule"] == "two_valid_numbers"
    result = link([a, b])
    assert cluster_sets(result) == {frozenset({"a"}), frozenset({"b"})}


def test_homophone_names_with_different_birth_dates_stay_apart():
    a = LinkRecord("a", "李丽", birth_date=dt.date(1980, 1, 2), sex="F")
    b = LinkRecord("b", "李莉", birth_date=dt.date(1991, 7, 9), sex="F")
    m = score(a, b)
    assert m.agreements["name"] == "pinyin"
    assert m.agreements["birth_date"] == "different"
    assert m.probability < REVIEW_THRESHOLD


def test_birth_date_month_day_swap_is_near():
    a = person("a", id_number="")
    b = person("b", id_number="", birth_date=dt.date(1975, 4, 3))
    assert score(a, b).agreements["birth_date"] == "near"


# --- batch linking ----------------------------------------------------------------------


def cluster_sets(result) -> set[frozenset[str]]:
    return {frozenset(c) for c in result.clusters}


def test_link_groups_variants_of_one_person():
    records = [
        person("mz-1"),
        person("rs-1", name="張偉", id_number=ID[:6] + ID[8:17], phone=""),
        person("cl-1", id_number=wrong_check(ID), address="鼓楼区东街道三坊路 1号 2号楼 301室"),
        person("wj-1", id_number=""),
        person(
            "mz-2",
            name="陈静",
            id_number=compose("350102", dt.date(1990, 5, 6), 222),
            birth_date=dt.date(1990, 5, 6),
            sex="F",
            phone="13700000000",
        ),
    ]
    result = link(records)
    assert cluster_sets(result) == {frozenset({"mz-1", "rs-1", "cl-1", "wj-1"}), frozenset({"mz-2"})}
    assert sum(len(c) for c in result.clusters) == len(records)
    assert result.model is DEFAULT_MODEL


def test_link_does_not_chain_two_people_through_a_record_without_number():
    """张伟 A and 张伟 B share name and birth date but have different numbers; a record with
    neither number scores high against both. It may join one of them, never both."""
    a = person("A", phone="13800001111", community="350102004001")
    b = person("B", id_number=OTHER_ID, phone="13800001111", community="350102004001")
    x = person("X", id_number="", phone="13800001111")
    assert score(a, x).probability >= MATCH_THRESHOLD
    assert score(b, x).probability >= MATCH_THRESHOLD
    result = link([a, b, x])
    together = result.cluster_of()
    assert together["A"] != together["B"]
    assert any(p.reason == "conflict" for p in result.review)


def test_link_with_pool_never_merges_two_pool_records():
    pool = [person("P1"), person("P2", id_number=wrong_check(ID))]
    result = link([person("new")], pool=pool)
    together = result.cluster_of()
    assert together["P1"] != together["P2"]
    assert together["new"] in (together["P1"], together["P2"])


def test_link_sends_uncertain_pairs_to_review():
    """No numbers nor phones; same birth date and community, names one character apart."""
    a = person("a", id_number="", phone="", address="")
    b = person("b", name="张军", id_number="", phone="", address="")
    m = score(a, b)
    assert REVIEW_THRESHOLD <= m.probability < MATCH_THRESHOLD, (m.probability, m.agreements)
    result = link([a, b])
    assert [(p.a, p.b, p.reason) for p in result.review] == [("a", "b", "uncertain")]
    assert cluster_sets(result) == {frozenset({"a"}), frozenset({"b"})}


def test_em_recovers_parameters_from_the_data():
    """On candidate pairs drawn from known m and u, EM finds a prior near the truth."""
    import numpy as np

    from gongzhi.integration.linkage import FIELDS, LEVELS

    rng = np.random.default_rng(1)
    n_match, n_non = 6000, 14000
    cols = []
    for f in FIELDS:
        m = np.array(DEFAULT_MODEL.m[f])
        u = np.array(DEFAULT_MODEL.u[f])
        k = len(LEVELS[f]) - 1
        cols.append(
            np.concatenate([rng.choice(k, n_match, p=m / m.sum()), rng.choice(k, n_non, p=u / u.sum())])
        )
    levels = np.stack(cols, axis=1).astype(np.int8)
    model = estimate_model(levels)
    assert model.source == "em"
    assert abs(model.prior - n_match / (n_match + n_non)) < 0.03
    assert model.m["id_number"][0] > 0.7
    assert model.u["id_number"][0] < 0.05


def test_link_estimates_its_model_on_a_large_batch():
    """Above MIN_RECORDS_TO_ESTIMATE records link() estimates m/u from the batch itself and
    still finds every person: 1,500 people, each in two extracts with typical noise."""
    import random

    from gongzhi.integration.linkage import MIN_RECORDS_TO_ESTIMATE

    rng = random.Random(7)
    surnames, given = "陈林黄张李王吴刘郑杨", "伟强磊军芳娜敏静丽艳娟霞秀玲桂英"
    records, truth = [], {}
    for k in range(1500):
        birth = dt.date(1940, 1, 1) + dt.timedelta(days=rng.randrange(25000))
        sex = rng.choice("MF")
        number = compose("350102", birth, rng.randrange(0, 999, 2) + (sex == "M"))
        name = rng.choice(surnames) + "".join(rng.choices(given, k=2))
        phone = f"138{k:08d}"
        variants = [
            dict(name=name, id_number=number),
            rng.choice(
                [
                    dict(name=name.replace("伟", "偉").replace("丽", "麗"), id_number=number),
                    dict(name=name, id_number=wrong_check(number)),
                    # 15-digit numbers were only issued to people born in the 1900s
                    dict(name=name, id_number=number[:6] + number[8:17] if birth.year < 2000 else ""),
                    dict(name=name, id_number=""),
                ]
            ),
        ]
        for v, variant in enumerate(variants):
            key = f"{k}-{v}"
            truth[key] = k
            records.append(
                LinkRecord(
                    key=key, birth_date=birth, sex=sex, phone=phone, community="350102004001", **variant
                )
            )
    assert len(records) >= MIN_RECORDS_TO_ESTIMATE
    result = link(records)
    assert result.model.source == "anchored"
    assert result.model.m["id_number"][0] > result.model.u["id_number"][0]
    assert {frozenset(c) for c in result.clusters} == {frozenset({f"{k}-0", f"{k}-1"}) for k in range(1500)}
    i, j, prob = result.pairs
    assert len(i) == len(j) == len(prob) >= 1500
