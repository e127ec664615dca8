"""A second, independent model of department extracts (not the linker's own generator,
bench/linkage_data.py): a register of people, then extract rows about them with the noise
department systems really add, and the truth (which person each row is about).

People: names from their own lists, with households (a couple, children, sometimes twins
born the same day), fathers and sons sharing one full name, and people elsewhere in the
district with the same name and birth date as someone else.

Noise per row (each independently, rates in ``RATES``):
identity number missing, written in the old 15-digit form, one digit mistyped, two
neighbouring digits transposed, or mangled by Excel (scientific notation, or the last three
digits turned to zeros); names in traditional characters, a given-name character replaced
by a homophone, a character dropped; birth date with one digit mistyped or day and month
swapped (when the number is also given, the row then contradicts it), sex missing; phone
changed or missing; address re-spelt; the person moved to another community; the
community written as its short name (军门) or with 居委会.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
from dataclasses import dataclass, field
from functools import lru_cache

from gongzhi.core.idnumber import compose

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
# Given-name characters in groups that sound alike (a clerk taking a name down by ear
# writes any one of a group).
HOMOPHONES = [
    "伟玮炜",
    "丽莉俐",
    "静靖婧",
    "军君钧",
    "华桦",
    "明鸣铭",
    "芳方",
    "敏闽",
    "杰洁",
    "涛韬",
    "建健",
    "平萍",
    "红宏鸿",
    "燕艳",
    "英莹",
    "玲琳",
    "勇涌",
    "峰锋",
    "文雯",
    "斌彬",
    "林霖",
    "辉晖",
    "飞菲",
    "宇雨",
    "志智",
    "洋阳",
    "欣鑫",
    "兰岚",
]
SINGLES = "国秀霞娟鹏超刚波浩博磊梅强云凤春海桂珍荣兴德成福庆宝贵生祥瑞嘉俊晨悦然轩涵睿怡子梓诗思佳琪雪晓"
GIVEN = "".join(HOMOPHONES) + SINGLES
_SOUND = {c: g for g in HOMOPHONES for c in g}
STREETS = ["鼓屏路", "湖东路", "五一北路", "东街", "杨桥路", "北大路", "华林路", "乌山路", "温泉路", "铜盘路"]

RATES = {
    "id_missing": 0.06,
    "id_15": 0.03,
    "id_typo": 0.02,
    "id_transposed": 0.01,
    "id_excel": 0.02,
    "name_traditional": 0.03,
    "name_homophone": 0.02,
    "name_dropped": 0.01,
    "birth_typo": 0.01,
    "birth_swap": 0.01,
    "sex_missing": 0.02,
    "phone_changed": 0.08,
    "phone_missing": 0.15,
    "address_respelt": 0.2,
    "moved": 0.03,
    "community_short": 0.08,
    "community_committee": 0.04,
}


@dataclass(slots=True)
class Person:
    key: int
    name: str
    sex: str
    birth: dt.date
    id_number: str
    phone: str
    community: str
    street: str
    number: int
    building: int
    room: int

    @property
    def address(self) -> str:
        return f"{self.street}{self.number}号{self.building}号楼{self.room}室"


@dataclass
class World:
    people: list[Person]
    communities: list[tuple[str, str]]  # (code, name)
    rows: list[dict] = field(default_factory=list)
    truth: list[int] = field(default_factory=list)  # person key per row
    noise: list[list[str]] = field(default_factory=list)  # noise kinds per row


class _Ids:
    def __init__(self):
        self.used: dict[tuple[str, dt.date], int] = {}

    def new(self, rng: random.Random, area: str, birth: dt.date, sex: str) -> str:
        seq = self.used.get((area, birth), rng.randrange(1, 40))
        seq += 1
        if (seq % 2 == 1) != (sex == "M"):
            seq += 1
        self.used[(area, birth)] = seq
        return compose(area, birth, seq)


def _name(rng: random.Random) -> str:
    given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.75 else "")
    return rng.choice(SURNAMES) + given


def _birth(rng: random.Random, lo=1935, hi=2018) -> dt.date:
    return dt.date(rng.randint(lo, hi), rng.randint(1, 12), rng.randint(1, 28))


def _phone(rng: random.Random) -> str:
    return f"1{rng.choice('3578')}{rng.randrange(10**9):09d}"


class Ids(_Ids):
    """Identity numbers handed out so far (share one between calls for distinct numbers)."""


def make_people(
    rng: random.Random, n: int, communities: list[str], *, start: int = 0, ids: _Ids | None = None
) -> list[Person]:
    """About n people in households of one to five."""
    ids = ids or _Ids()
    people: list[Person] = []
    key = start
    while len(people) < n:
        community = rng.choice(communities)
        street, number = rng.choice(STREETS), rng.randint(1, 300)
        building, room = rng.randint(1, 20), rng.randint(101, 1802)
        area = rng.choice(["350102", "350103", "350104", "350121", "352202"])
        home_phone = _phone(rng)
        surname = rng.choice(SURNAMES)

        home = (community, street, number, building, room)

        def add(name, sex, birth, phone, home=home, area=area):
            nonlocal key
            p = Person(key, name, sex, birth, ids.new(rng, area, birth, sex), phone, *home)
            key += 1
            people.append(p)
            return p

        head_birth = _birth(rng, 1940, 1995)
        head = add(surname + _name(rng)[1:], "M", head_birth, home_phone)
        if rng.random() < 0.7:
            add(
                _name(rng), "F", _birth(rng, head_birth.year - 3, min(head_birth.year + 5, 2000)), _phone(rng)
            )
        kids = rng.choice([0, 1, 1, 2, 2, 3])
        for _k in range(kids):
            year = head_birth.year + rng.randint(22, 35)
            if year > 2020:
                break
            birth = _birth(rng, year, year)
            kind = rng.random()
            if kind < 0.04:  # the son carries his father's full name
                add(head.name, "M", birth, home_phone)
            elif kind < 0.08:  # twins
                add(surname + _name(rng)[1:], "M", birth, home_phone)
                add(
                    surname + _name(rng)[1:],
                    rng.choice("MF"),
                    birth,
                    home_phone if rng.random() < 0.5 else "",
                )
            else:
                add(
                    surname + _name(rng)[1:],
                    rng.choice("MF"),
                    birth,
                    home_phone if rng.random() < 0.3 else "",
                )
        if rng.random() < 0.02 and people:  # same name and birth date, elsewhere in the district
            twin = rng.choice(people)
            other = rng.choice(communities)
            add(twin.name, twin.sex, twin.birth, _phone(rng)).community = other
    return people[:n]


# --- noise ---------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _s2t():
    import opencc

    return opencc.OpenCC("s2t")


def _traditional(name: str) -> str:
    return _s2t().convert(name)


def _homophone(rng: random.Random, name: str) -> str:
    spots = [k for k in range(1, len(name)) if len(_SOUND.get(name[k], "")) > 1]
    if not spots:
        return name
    k = rng.choice(spots)
    return name[:k] + rng.choice([c for c in _SOUND[name[k]] if c != name[k]]) + name[k + 1 :]


def _digit_typo(rng: random.Random, text: str, lo: int, hi: int) -> str:
    k = rng.randrange(lo, hi)
    return text[:k] + rng.choice([d for d in "0123456789" if d != text[k]]) + text[k + 1 :]


def _id_written(rng: random.Random, number: str, noise: list[str], rates: dict = RATES) -> str:
    r = rng.random()
    acc = 0.0
    for kind in ("id_missing", "id_15", "id_typo", "id_transposed", "id_excel"):
        acc += rates[kind]
        if r < acc:
            noise.append(kind)
            if kind == "id_missing":
                return ""
            if kind == "id_15":
                return number[:6] + number[8:17]
            if kind == "id_typo":
                return _digit_typo(rng, number, 0, 17)
            if kind == "id_transposed":
                for _attempt in range(10):
                    k = rng.randrange(0, 16)
                    if number[k] != number[k + 1]:
                        return number[:k] + number[k + 1] + number[k] + number[k + 2 :]
                return number
            if rng.random() < 0.5:
                return f"{int(number[:15]) / 10**14:.11f}".rstrip("0") + "E+17"
            return number[:15] + "000"
    return number


def _birth_written(rng: random.Random, birth: dt.date, noise: list[str], rates: dict = RATES) -> str:
    text = birth.strftime("%Y%m%d")
    if rng.random() < rates["birth_typo"]:
        for _attempt in range(20):
            typo = _digit_typo(rng, text, 2, 8)
            try:
                day = dt.date(int(typo[:4]), int(typo[4:6]), int(typo[6:]))
            except ValueError:
                continue
            if day < dt.date(2024, 1, 1):
                noise.append("birth_typo")
                return day.isoformat()
    if rng.random() < rates["birth_swap"] and birth.day <= 12 and birth.day != birth.month:
        noise.append("birth_swap")
        return dt.date(birth.year, birth.day, birth.month).isoformat()
    return birth.isoformat()


_RESPELL = [("号楼", "栋"), ("号楼", "幢"), ("室", ""), ("路", "路 ")]


def _address_written(rng: random.Random, p: Person, noise: list[str], rates: dict = RATES) -> str:
    text = p.address
    if rng.random() < rates["address_respelt"]:
        noise.append("address_respelt")
        a, b = rng.choice(_RESPELL)
        text = text.replace(a, b)
    return text


def extract(
    rng: random.Random,
    people: list[Person],
    communities: list[tuple[str, str]],
    *,
    rows: int,
    new_people: list[Person] | None = None,
    new_share: float = 0.15,
    repeat_share: float = 0.02,
    rates: dict | None = None,
) -> World:
    """Rows about the register's people (and, for ``new_share`` of them, about people the
    register does not know), each with its noise; a few people appear twice. ``rates``:
    noise rates other than ``RATES`` (a department that makes other mistakes)."""
    rates = {**RATES, **(rates or {})}
    world = World(people=people + (new_people or []), communities=communities)
    names = dict(communities)
    codes = [c for c, _n in communities]
    chosen: list[Person] = []
    for _k in range(rows):
        if chosen and rng.random() < repeat_share:
            chosen.append(rng.choice(chosen))
        elif new_people and rng.random() < new_share:
            chosen.append(rng.choice(new_people))
        else:
            chosen.append(rng.choice(people))
    for p in chosen:
        noise: list[str] = []
        name = p.name
        if rng.random() < rates["name_traditional"]:
            traditional = _traditional(name)
            if traditional != name:
                noise.append("name_traditional")
                name = traditional
        if rng.random() < rates["name_homophone"]:
            sound = _homophone(rng, name)
            if sound != name:
                noise.append("name_homophone")
                name = sound
        if rng.random() < rates["name_dropped"] and len(name) == 3:
            noise.append("name_dropped")
            name = name[:2]
        community = p.community
        if rng.random() < rates["moved"]:
            noise.append("moved")
            community = rng.choice(codes)
        community_text = community
        r = rng.random()
        if r < rates["community_short"]:
            noise.append("community_short")
            community_text = names[community].removesuffix("社区")
        elif r < rates["community_short"] + rates["community_committee"]:
            noise.append("community_committee")
            community_text = names[community].removesuffix("社区") + "社区居委会"
        phone = p.phone
        if phone and rng.random() < rates["phone_changed"]:
            noise.append("phone_changed")
            phone = _phone(rng)
        elif rng.random() < rates["phone_missing"]:
            phone = ""
        sex = {"M": "男", "F": "女"}[p.sex]
        if rng.random() < rates["sex_missing"]:
            noise.append("sex_missing")
            sex = ""
        world.rows.append(
            {
                "姓名": name,
                "身份证号": _id_written(rng, p.id_number, noise, rates),
                "性别": sex,
                "出生日期": _birth_written(rng, p.birth, noise, rates),
                "联系电话": phone,
                "社区": community_text,
                "住址": _address_written(rng, p, noise, rates),
            }
        )
        world.truth.append(p.key)
        world.noise.append(noise)
    return world


COLUMNS = {
    "姓名": "name",
    "身份证号": "id_number",
    "性别": "sex",
    "出生日期": "birth_date",
    "联系电话": "phone",
    "社区": "community",
    "住址": "address",
}
SEX_CODES = {"sex": {"男": "1", "女": "2"}}


def to_csv(world: World) -> bytes:
    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=list(COLUMNS))
    w.writeheader()
    w.writerows(world.rows)
    return out.getvalue().encode("gb18030")


def person_record(p: Person, pk: int) -> tuple:
    """The register row (generate.PERSON_RECORD order) for bulk loading."""
    return (
        pk,
        p.community,
        p.name,
        p.sex,
        p.birth,
        "01",
        "registered",
        None,
        p.address,
        "",
        "",
        p.id_number,
        p.phone,
    )


# --- scoring ---------------------------------------------------------------------------------


def pairwise(truth: list, predicted: list) -> dict[str, float]:
    """Pairwise precision, recall and F1 of a clustering (two labels per item), and the
    false merges: for each predicted cluster, the people in it beyond the first."""
    from collections import Counter

    def pairs(counter: Counter) -> int:
        return sum(c * (c - 1) // 2 for c in counter.values())

    both = pairs(Counter(zip(truth, predicted, strict=True)))
    true_pairs = pairs(Counter(truth))
    pred_pairs = pairs(Counter(predicted))
    precision = both / pred_pairs if pred_pairs else 1.0
    recall = both / true_pairs if true_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    people_in: dict = {}
    for t, p in zip(truth, predicted, strict=True):
        people_in.setdefault(p, set()).add(t)
    false_merges = sum(len(s) - 1 for s in people_in.values())
    return {"precision": precision, "recall": recall, "f1": f1, "false_merges": false_merges}
