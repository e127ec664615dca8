"""Who the government buys home care for (政府购买居家养老服务), and how many hours a month, from
the registry's facts: age (birth date), group tags held by the departments (特困, 低保, 独居,
残疾 with its grade), and the care profile's assessed care level and living alone.

A person qualifies at 60 or over, active on the register, when at least one rule holds; the
rule with the most hours sets the entitlement, and every rule that holds is kept as the basis.
The rules are one table, in the order they are shown."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from .models import CareLevel, CareProfile

ELDERLY_AGE = 60


@dataclass
class Facts:
    person_id: int
    community_id: str
    name: str
    age: int
    tags: set[str] = field(default_factory=set)
    disability_grade: int | None = None  # 1 (most severe) … 4
    care_level: int = CareLevel.SELF
    living_alone: bool = False
    profile_id: int | None = None


@dataclass(frozen=True)
class Rule:
    code: str
    label: object
    hours: int  # hours of home care a month
    holds: Callable[[Facts], bool]


RULES: tuple[Rule, ...] = (
    Rule("extreme_hardship", _("特困供养老人"), 30, lambda f: "extreme_hardship" in f.tags),
    Rule(
        "low_income_disabled",
        _("低保家庭中度以上失能老人"),
        30,
        lambda f: "minimum_allowance" in f.tags and f.care_level >= CareLevel.MODERATE,
    ),
    Rule("low_income", _("低保家庭老人"), 20, lambda f: "minimum_allowance" in f.tags),
    Rule(
        "severe",
        _("重度失能或一、二级残疾老人"),
        20,
        lambda f: (
            f.care_level >= CareLevel.SEVERE or (f.disability_grade is not None and f.disability_grade <= 2)
        ),
    ),
    Rule(
        "disabled_80",
        _("80周岁以上中度以上失能老人"),
        15,
        lambda f: f.age >= 80 and f.care_level >= CareLevel.MODERATE,
    ),
    Rule(
        "alone_80",
        _("80周岁以上独居老人"),
        10,
        lambda f: f.age >= 80 and (f.living_alone or "elderly_alone" in f.tags),
    ),
    Rule("centenarian", _("百岁老人"), 10, lambda f: f.age >= 100),
)
RULE_LABELS = {r.code: r.label for r in RULES}
TAG_KINDS = ("extreme_hardship", "minimum_allowance", "elderly_alone", "disabled")


def age_on(birth: dt.date, today: dt.date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def born_on_or_before(today: dt.date, years: int) -> dt.date:
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


def entitlement(f: Facts) -> tuple[int, list[str]]:
    """(hours a month, codes of the rules that hold); (0, []) when none does."""
    if f.age < ELDERLY_AGE:
        return 0, []
    held = [r for r in RULES if r.holds(f)]
    return (max(r.hours for r in held), [r.code for r in held]) if held else (0, [])


def facts(people: QuerySet, today: dt.date) -> list[Facts]:
    """The facts of the active people aged 60 or over among `people` (a Person queryset), read in
    three queries whatever their number: the people, their valid tags, their care profiles."""
    from gongzhi.registry.models import PersonTag

    rows = people.filter(status="active", birth_date__lte=born_on_or_before(today, ELDERLY_AGE)).values_list(
        "pk", "community_id", "name", "birth_date"
    )
    out = {pk: Facts(pk, code, name, age_on(birth, today)) for pk, code, name, birth in rows}
    if not out:
        return []
    ids = list(out)
    for i in range(0, len(ids), 5000):
        chunk = ids[i : i + 5000]
        for pid, kind, grade in (
            PersonTag.objects.filter(person_id__in=chunk, kind__in=TAG_KINDS, valid_from__lte=today)
            .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today))
            .values_list("person_id", "kind", "grade")
        ):
            f = out[pid]
            f.tags.add(kind)
            if kind == "disabled" and grade is not None:
                f.disability_grade = grade if f.disability_grade is None else min(f.disability_grade, grade)
        for pid, level, alone, profile_id in CareProfile.objects.filter(person_id__in=chunk).values_list(
            "person_id", "care_level", "living_alone", "pk"
        ):
            f = out[pid]
            f.care_level, f.living_alone, f.profile_id = level, alone, profile_id
    return list(out.values())
