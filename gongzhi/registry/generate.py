"""A synthetic district for the demo, for tests and for benchmarks.

`district_generate` builds the register of a real district (by default 福州市鼓楼区 350102)
from the region codes already loaded: grids of about 250 households per community, estates
and courtyards (old courtyards mostly without property management), buildings, dwellings,
households with one head and members related to the head by GB/T 4761 codes, and people
with valid identity numbers (GB 11643) carrying the district's address code — migrants
carry the code of the county they come from — an age pyramid shaped like the 7th national
census (2020), surname frequencies of Fuzhou (林 and 陈 first) and of the whole country for
migrants from other provinces, phones, and group tags at realistic shares with their
source department and validity period.

Everything is planned in memory first (`district_plan`, deterministic for a seed) and then
written in bulk (`plan_load`): COPY through psycopg on PostgreSQL, executemany on SQLite.
People go through `persons_load`, the one loader path for people: every identity number is
parsed and checked against the recorded sex and birth date, phones are validated, and the
encrypted values and keyed hashes are made by `Person.set_id_number` / `Person.set_phone`.
"""

from __future__ import annotations

import bisect
import csv
import datetime as dt
import math
import random
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from gongzhi.core import idnumber
from gongzhi.core.errors import ApplicationError
from gongzhi.core.models import Department, DepartmentKind, Region, RegionLevel
from gongzhi.organizations.models import Organization, OrganizationKind

from .codes import DisabilityCategory, EstateKind, Relationship, ResidenceType, TagKind
from .models import Building, Dwelling, Estate, Grid, Household, HouseholdMember, Person, PersonTag

DATA_DIR = Path(__file__).parent / "data"
HOUSEHOLDS_PER_GRID = 250

# 7th national census (2020): share of the population by five-year age group (per cent, rounded).
AGE_PYRAMID: list[tuple[int, int, float]] = [
    (0, 4, 5.52),
    (5, 9, 6.40),
    (10, 14, 6.04),
    (15, 19, 5.15),
    (20, 24, 5.31),
    (25, 29, 6.51),
    (30, 34, 8.80),
    (35, 39, 7.02),
    (40, 44, 6.61),
    (45, 49, 8.10),
    (50, 54, 8.59),
    (55, 59, 7.19),
    (60, 64, 5.20),
    (65, 69, 5.25),
    (70, 74, 3.51),
    (75, 79, 2.21),
    (80, 84, 1.45),
    (85, 89, 0.77),
    (90, 94, 0.31),
    (95, 99, 0.08),
]

# Counties migrants to Fuzhou come from (GB/T 2260 codes and names): other provinces first,
# then other parts of Fujian. The weight says how often.
MIGRANT_ORIGINS: list[tuple[str, str, float]] = [
    ("361128", "江西省上饶市鄱阳县", 3),
    ("360731", "江西省赣州市于都县", 3),
    ("360124", "江西省南昌市进贤县", 2),
    ("340422", "安徽省淮南市寿县", 2),
    ("341221", "安徽省阜阳市临泉县", 2),
    ("341225", "安徽省阜阳市阜南县", 2),
    ("511722", "四川省达州市宣汉县", 3),
    ("511421", "四川省眉山市仁寿县", 2),
    ("510623", "四川省德阳市中江县", 2),
    ("520526", "贵州省毕节市威宁彝族回族苗族自治县", 3),
    ("430582", "湖南省邵阳市邵东市", 2),
    ("430426", "湖南省衡阳市祁东县", 1),
    ("411525", "河南省信阳市固始县", 2),
    ("411524", "河南省信阳市商城县", 1),
    ("411625", "河南省周口市郸城县", 1),
    ("421181", "湖北省黄冈市麻城市", 2),
    ("500235", "重庆市云阳县", 2),
    ("500154", "重庆市开州区", 2),
    ("530627", "云南省昭通市镇雄县", 1),
    ("450126", "广西壮族自治区南宁市宾阳县", 1),
    ("330327", "浙江省温州市苍南县", 1),
    ("371721", "山东省菏泽市曹县", 1),
    ("350121", "福建省福州市闽侯县", 4),
    ("350181", "福建省福州市福清市", 3),
    ("350122", "福建省福州市连江县", 3),
    ("350124", "福建省福州市闽清县", 2),
    ("350125", "福建省福州市永泰县", 2),
    ("350112", "福建省福州市长乐区", 2),
    ("350322", "福建省莆田市仙游县", 2),
    ("350303", "福建省莆田市涵江区", 1),
    ("350426", "福建省三明市尤溪县", 2),
    ("350783", "福建省南平市建瓯市", 1),
    ("350922", "福建省宁德市古田县", 2),
    ("350921", "福建省宁德市霞浦县", 1),
    ("350524", "福建省泉州市安溪县", 1),
    ("350823", "福建省龙岩市上杭县", 1),
]

# Given names by birth cohort and sex: whole names, and first/second characters to combine.
_GIVEN = {
    ("old", "M"): (
        "建国 国强 志明 德华 文华 金水 福生 永和 长春 玉成 国庆 建华 明德 光明 世忠 依金 依水 家齐 宗华 其昌",
        "建国志德文金福永长玉明光世家宗依振",
        "国强明华水生和春成德忠齐昌发荣林",
    ),
    ("old", "F"): (
        "秀英 桂英 玉兰 秀珍 淑贞 美玉 月娥 素琴 玉珠 金花 秀兰 凤英 依妹 宝珠 瑞英 爱华 丽华 玉英 惠珍 秀云",
        "秀桂玉淑美月素金凤宝瑞爱丽惠依",
        "英兰珍贞玉娥琴珠花妹云华芳娇",
    ),
    ("mid", "M"): (
        "伟 勇 军 强 斌 华 明 平 辉 海 波 剑 峰 建军 志强 国平 文斌 建平 小平 永健 晓峰 国华 建明",
        "建志国文小永晓海立卫红",
        "军强平斌明华峰辉健波东林",
    ),
    ("mid", "F"): (
        "丽 燕 红 霞 芳 敏 英 萍 静 玲 丽华 美华 秀琴 雪梅 晓燕 春燕 海燕 丽娟 建英 慧 美玲 小红",
        "丽美秀雪晓春海建小玉金",
        "华琴梅燕娟英红霞玲萍芳",
    ),
    ("young", "M"): (
        "伟 磊 鹏 杰 涛 浩 超 俊 斌 鑫 宇 晨 志伟 俊杰 文杰 晓东 海涛 子健 家豪 嘉伟 建宇 智勇",
        "志俊文晓海子家嘉建智宏",
        "伟杰东涛健豪宇勇鹏斌辉",
    ),
    ("young", "F"): (
        "婷 静 敏 丹 琳 雪 倩 颖 洁 晶 婷婷 晓丽 丽娜 雅琴 思思 慧敏 婉婷 晓雯 佳琪 雅婷 诗雨",
        "晓丽雅思慧婉佳诗秀梦",
        "丽娜琴敏婷雯琪雨颖洁",
    ),
    ("kid", "M"): (
        "子轩 浩宇 宇轩 梓豪 俊熙 一鸣 皓轩 睿 宇航 博文 铭 泽宇 奕辰 思远 明轩 子墨 浩然 煜 宸 锦程",
        "子浩宇梓俊一皓博泽奕思明锦",
        "轩宇豪熙鸣航文辰远墨然程睿",
    ),
    ("kid", "F"): (
        "欣怡 梓涵 雨桐 一诺 诗涵 子涵 可馨 思琪 语嫣 欣妍 梓萱 芷若 依诺 若汐 雨萱 佳怡 沐晴 紫萱 怡然 心怡",
        "欣梓雨一诗子可思语芷若佳沐紫心",
        "怡涵桐诺馨琪嫣妍萱若汐晴然",
    ),
}


def _words(text: str) -> list[str]:
    return text.split()


_ESTATE_PREFIX = _words(
    "温泉 东街 鼓屏 屏山 乌山 西湖 琴亭 湖滨 华林 北大 五一 铜盘 洪山 凤湖 梅峰 杨桥 冶山 文林 "
    "福屏 金牛 乌石 白马 安泰 南营 道山 湖前 树兜 洪甘 三坊 井大 观风 旗山 融侨 金港 江滨 左海"
)
_ESTATE_SUFFIX = _words("花园 新村 小区 公寓 大厦 苑 家园 雅居 山庄 名都 嘉园 华庭")
_LANES = _words("塔 光禄 宫 吉庇 黄 衣锦 文儒 南后 安民 早题 法海 井楼 肃威 旗汛 卫前 仙塔 津泰 丽文")
_UNITS = _words("邮电 粮食局 二轻 纺织厂 电业局 省建 水利厅 第一医院 师大 橡胶厂 自来水公司 罐头厂 机床厂")
_PROPERTY_COMPANIES = _words(
    "福州融侨物业管理有限公司 福州三盛物业服务有限公司 福建永安物业管理有限公司 "
    "福州市鼓楼区城建物业管理有限公司 福建世邦物业服务有限公司 福州华润万象物业服务有限公司"
)
_WORKPLACES = _words(
    "福州市鼓楼区人民政府 福建省立医院 福州大学 福建师范大学 福州市第一中学 中国移动福建公司 "
    "福州地铁集团 个体经营 自由职业 福州东街口百货 福州外贸集团 福建电力公司"
)

# Mobile prefixes of the three operators.
_MOBILE_PREFIXES = _words(
    "134 135 136 137 138 139 150 151 152 157 158 159 182 183 187 188 "
    "130 131 132 155 156 185 186 133 153 180 181 189 177 199"
)

_DEPARTMENTS = [
    # (code suffix, kind, name pattern); {d} is the district's name
    ("civil-affairs", DepartmentKind.CIVIL_AFFAIRS, "{d}民政局"),
    ("hrss", DepartmentKind.HRSS, "{d}人力资源和社会保障局"),
    ("disabled-federation", DepartmentKind.DISABLED_FEDERATION, "{d}残疾人联合会"),
    ("health", DepartmentKind.HEALTH, "{d}卫生健康局"),
    ("public-security", DepartmentKind.PUBLIC_SECURITY, "{city}公安局{short}分局"),
    ("veterans", DepartmentKind.VETERANS, "{d}退役军人事务局"),
]

_DISABILITY = [
    (DisabilityCategory.PHYSICAL, 50),
    (DisabilityCategory.VISUAL, 12),
    (DisabilityCategory.HEARING, 12),
    (DisabilityCategory.SPEECH, 1),
    (DisabilityCategory.INTELLECTUAL, 8),
    (DisabilityCategory.MENTAL, 10),
    (DisabilityCategory.MULTIPLE, 7),
]


class GenerateError(ApplicationError):
    pass


def department_code(district: str, suffix: str) -> str:
    return f"{district}-{suffix}"


# --------------------------------------------------------------------------------------
# The plan: plain rows, ids counted from 1 in each table.
# --------------------------------------------------------------------------------------

# Columns of each table as planned. Foreign keys to planned tables hold planned ids.
GRID_COLUMNS = ("id", "community_id", "name")
ESTATE_COLUMNS = (
    "id",
    "community_id",
    "name",
    "kind",
    "address",
    "has_property_management",
    "property_company_id",  # planned: index into Plan.property_companies
    "has_owners_committee",
    "latitude",
    "longitude",
)
BUILDING_COLUMNS = ("id", "community_id", "estate_id", "grid_id", "name", "floors", "entrances")
DWELLING_COLUMNS = ("id", "community_id", "building_id", "entrance", "floor", "number", "area", "occupancy")
HOUSEHOLD_COLUMNS = ("id", "community_id", "number", "kind", "dwelling_id", "head_id")
MEMBER_COLUMNS = ("id", "community_id", "household_id", "person_id", "relationship", "joined_on")
TAG_COLUMNS = (
    "id",
    "community_id",
    "person_id",
    "kind",
    "grade",
    "disability_category",
    "source_department_id",  # planned: a department code suffix ("civil-affairs") or None
    "source_label",
    "valid_from",
    "valid_to",
)
# A person as the loader takes it: plain identity number and phone.
PERSON_RECORD = (
    "id",
    "community_id",
    "name",
    "sex",
    "birth_date",
    "ethnicity",
    "residence_type",
    "dwelling_id",
    "address",
    "hukou_address",
    "workplace",
    "id_number",
    "phone",
)
_PII_COLUMNS = (
    "id_number_encrypted",
    "id_number_hash",
    "id_tail",
    "phone_encrypted",
    "phone_hash",
    "phone_tail",
)
PERSON_COLUMNS = PERSON_RECORD[:-2] + _PII_COLUMNS


@dataclass
class Plan:
    district: str
    today: dt.date
    communities: list[str]
    property_companies: list[str]
    grids: list[Any] = field(default_factory=list)
    estates: list[Any] = field(default_factory=list)
    buildings: list[Any] = field(default_factory=list)
    dwellings: list[Any] = field(default_factory=list)
    persons: list[Any] = field(default_factory=list)
    households: list[Any] = field(default_factory=list)
    members: list[Any] = field(default_factory=list)
    tags: list[Any] = field(default_factory=list)


class _P:
    """A person while the plan is being built."""

    __slots__ = ("age", "sex", "birth", "hh", "rel", "migrant", "origin", "surname", "id", "alone")

    def __init__(self, age: int, sex: str):
        self.age, self.sex = age, sex
        self.birth = dt.date.min  # set once the household is placed
        self.hh: _H | None = None
        self.rel = ""
        self.migrant = False
        self.origin = ""
        self.surname = ""
        self.id = 0
        self.alone = False


class _H:
    """A household while the plan is being built: the head first."""

    __slots__ = ("members", "kids", "kind")

    def __init__(self, head: _P, kind: str = "family"):
        self.members: list[_P] = [head]
        head.hh, head.rel = self, Relationship.HEAD
        self.kids = 0
        self.kind = kind

    @property
    def head(self) -> _P:
        return self.members[0]

    def add(self, p: _P, rel: str) -> None:
        self.members.append(p)
        p.hh, p.rel = self, rel


def _weighted(rng: random.Random, cum: list[float]) -> int:
    return bisect.bisect_right(cum, rng.random() * cum[-1])


def _cumulative(weights: Iterable[float]) -> list[float]:
    out, total = [], 0.0
    for w in weights:
        total += w
        out.append(total)
    return out


def _load_surnames() -> tuple[list[str], list[float], list[float]]:
    with open(DATA_DIR / "surnames.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    names = [r["surname"] for r in rows]
    return (
        names,
        _cumulative(float(r["national"]) for r in rows),
        _cumulative(float(r["fuzhou"]) for r in rows),
    )


class _Names:
    def __init__(self, rng: random.Random):
        self.rng = rng
        self.surnames, self.national, self.local = _load_surnames()
        self.given = {k: (whole.split(), first, second) for k, (whole, first, second) in _GIVEN.items()}

    def surname(self, local: bool) -> str:
        return self.surnames[_weighted(self.rng, self.local if local else self.national)]

    def given_name(self, birth_year: int, sex: str) -> str:
        cohort = (
            "old"
            if birth_year < 1960
            else "mid"
            if birth_year < 1980
            else "young"
            if birth_year < 2005
            else "kid"
        )
        whole, first, second = self.given[(cohort, sex)]
        r = self.rng.random()
        if r < 0.55:
            return self.rng.choice(whole)
        if r < 0.62 and cohort != "old":
            return self.rng.choice(second)
        return self.rng.choice(first) + self.rng.choice(second)


# The demo's own community is generated at a real community's size (about 4,000 residents in
# 1,500 households) so that coverage, visit plans and dashboards look like a real street's; the
# other communities share the rest and stay thinner. Only for districts of at least 5,000 residents.
FEATURED_COMMUNITY = "350102004001"  # 军门社区
FEATURED_RESIDENTS = 4000
FEATURED_MIN_DISTRICT = 5000


def _community_sizes(rng: random.Random, communities: Sequence[str], residents: int) -> list[int]:
    weights = [rng.lognormvariate(0, 0.35) for _ in communities]
    featured = -1
    if residents >= FEATURED_MIN_DISTRICT and FEATURED_COMMUNITY in communities and len(communities) > 1:
        featured = list(communities).index(FEATURED_COMMUNITY)
        share = min(FEATURED_RESIDENTS, residents // 5) / residents
        others = sum(w for i, w in enumerate(weights) if i != featured)
        weights[featured] = others * share / (1 - share)
    total = sum(weights)
    raw = [residents * w / total for w in weights]
    sizes = [int(x) for x in raw]
    for i in sorted(range(len(raw)), key=lambda i: raw[i] - sizes[i], reverse=True)[: residents - sum(sizes)]:
        sizes[i] += 1
    return sizes


def _sample_people(rng: random.Random, n: int, age_cum: list[float]) -> list[_P]:
    people = []
    for _ in range(n):
        lo, hi, _share = AGE_PYRAMID[_weighted(rng, age_cum)]
        age = rng.randint(lo, hi)
        male_share = 0.515 if age < 60 else 0.49 if age < 80 else 0.42
        people.append(_P(age, "M" if rng.random() < male_share else "F"))
    return people


def _married(rng: random.Random, p: _P) -> bool:
    a = p.age
    if p.sex == "M":
        chance = (
            0
            if a < 23
            else 0.45
            if a < 30
            else 0.85
            if a < 40
            else 0.9
            if a < 60
            else 0.82
            if a < 75
            else 0.6
        )
    else:
        chance = (
            0
            if a < 21
            else 0.55
            if a < 30
            else 0.88
            if a < 40
            else 0.9
            if a < 60
            else 0.7
            if a < 75
            else 0.35
        )
    return rng.random() < chance


def _households(rng: random.Random, people: list[_P]) -> list[_H]:
    """Group people into households: couples, their children, parents living with a child,
    young adults at home, elderly alone, children left with grandparents."""
    men = sorted((p for p in people if p.sex == "M" and _married(rng, p)), key=lambda p: p.age)
    women = sorted((p for p in people if p.sex == "F" and _married(rng, p)), key=lambda p: p.age)
    # Pair by rank so that ages stay close; the few left over stay single.
    households: list[_H] = []
    by_wife_age: dict[int, list[_H]] = {}
    by_head_age: dict[int, list[_H]] = {}
    if men and women:
        if len(women) >= len(men):
            pairs = [(m, women[i * len(women) // len(men)]) for i, m in enumerate(men)]
        else:
            pairs = [(men[i * len(men) // len(women)], w) for i, w in enumerate(women)]
        for man, woman in pairs:
            if rng.random() < 0.78:
                couple = _H(man)
                couple.add(woman, Relationship.WIFE)
            else:
                couple = _H(woman)
                couple.add(man, Relationship.HUSBAND)
            households.append(couple)
            by_wife_age.setdefault(woman.age, []).append(couple)
            by_head_age.setdefault(couple.head.age, []).append(couple)

    def find(index: dict[int, list[_H]], lo: int, hi: int, ok: Callable[[_H], bool]) -> _H | None:
        for _ in range(10):
            bucket = index.get(rng.randint(lo, hi))
            if bucket:
                hh = rng.choice(bucket)
                if ok(hh):
                    return hh
        ages = [a for a in range(lo, hi + 1) if a in index]  # small communities: look at them all
        rng.shuffle(ages)
        for a in ages:
            for hh in index[a]:
                if ok(hh):
                    return hh
        return None

    singles = [p for p in people if p.hh is None]
    rng.shuffle(singles)
    # Young adults: many still live with their parents.
    for p in singles:
        if 18 <= p.age < 32 and rng.random() < 0.7:
            hh = find(by_wife_age, p.age + 22, p.age + 36, lambda h: len(h.members) < 5)
            if hh:
                hh.add(p, Relationship.SON if p.sex == "M" else Relationship.DAUGHTER)
                hh.kids += 1
    # The elderly on their own: some live with a child's family, the others alone.
    for p in singles:
        if p.hh is None and p.age >= 60 and rng.random() < 0.55:
            hh = find(by_head_age, p.age - 36, p.age - 22, lambda h: len(h.members) < 6)
            if hh:
                in_law = hh.head.sex == "F" and rng.random() < 0.5
                if in_law:
                    rel = Relationship.FATHER_IN_LAW if p.sex == "M" else Relationship.MOTHER_IN_LAW
                else:
                    rel = Relationship.FATHER if p.sex == "M" else Relationship.MOTHER
                hh.add(p, rel)
    # Children: with their parents; failing that with grandparents (left behind) or one parent.
    for p in singles:
        if p.hh is not None or p.age >= 18:
            continue
        hh = find(by_wife_age, p.age + 22, p.age + 40, lambda h: h.kids < (3 if rng.random() < 0.1 else 2))
        if hh:
            hh.add(p, Relationship.SON if p.sex == "M" else Relationship.DAUGHTER)
            hh.kids += 1
            continue
        hh = find(by_head_age, p.age + 45, p.age + 70, lambda h: len(h.members) < 5)
        if hh:
            hh.add(p, Relationship.GRANDCHILD)
            continue
        # A single parent of the right age, else any family.
        hh = find(by_head_age, p.age + 20, p.age + 45, lambda h: True)
        if hh is None and households:
            hh = rng.choice(households)
        if hh is not None:
            hh.add(p, Relationship.SON if p.sex == "M" else Relationship.DAUGHTER)
            hh.kids += 1
            continue
        households.append(_H(p))  # no family at all in a tiny community
    for p in singles:
        if p.hh is None:
            own = _H(p)
            households.append(own)
            by_head_age.setdefault(p.age, []).append(own)
            p.alone = True
    for h in households:
        if len(h.members) > 1:
            h.head.alone = False
    return households


def _id_number(rng: random.Random, used: dict, address: str, birth: dt.date, sex: str) -> str:
    key = (address, birth, sex)
    n = used.get(key)
    if n is None:
        n = rng.randrange(0, 400)
    used[key] = n + 1
    seq = (2 * n + (1 if sex == "M" else 2)) % 1000
    return idnumber.compose(address, birth, seq)


def _phone(rng: random.Random, p: _P) -> str:
    if p.age < 12 or (p.age < 16 and rng.random() < 0.5):
        return ""
    if p.age >= 70 and rng.random() < 0.25:
        return f"0591-8{rng.randrange(10**6, 10**7)}"
    if rng.random() < 0.05:
        return ""
    return rng.choice(_MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"


def _days_ago(today: dt.date, rng: random.Random, lo: int, hi: int) -> dt.date:
    return today - dt.timedelta(days=rng.randint(lo, hi))


def _years_after(d: dt.date, years: int) -> dt.date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)


def district_plan(
    *,
    district: str = "350102",
    residents: int = 20000,
    seed: int | None = None,
    today: dt.date | None = None,
    progress: Callable[[str], None] | None = None,
) -> Plan:
    """Plan a district's register in memory (no database writes). Deterministic for a seed."""
    try:
        region = Region.objects.get(code=district)
    except Region.DoesNotExist:
        raise GenerateError(
            "district_missing", f"区划 {district} 不存在：请先导入区划代码（gongzhi regions import …）。"
        ) from None
    if region.level != RegionLevel.DISTRICT:
        raise GenerateError("not_district", f"{district}（{region.name}）不是区/县一级。")
    communities = list(
        Region.objects.filter(level=RegionLevel.COMMUNITY, code__startswith=district)
        .order_by("code")
        .values_list("code", "name")
    )
    if not communities:
        raise GenerateError(
            "no_communities", f"{region.name}下没有社区（村）区划，请先导入社区一级的区划代码。"
        )
    today = today or timezone.localdate()
    rng = random.Random(seed)
    names = _Names(rng)
    age_cum = _cumulative(share for _lo, _hi, share in AGE_PYRAMID)
    origin_cum = _cumulative(w for _c, _n, w in MIGRANT_ORIGINS)
    disability_cum = _cumulative(w for _c, w in _DISABILITY)
    district_name = region.name
    city = Region.objects.filter(code=district[:4]).values_list("name", flat=True).first() or ""
    province = Region.objects.filter(code=district[:2]).values_list("name", flat=True).first() or ""
    short_names = {c: Region(code=c, name=n, level=5).short_name for c, n in communities}
    plan = Plan(
        district=district,
        today=today,
        communities=[c for c, _n in communities],
        property_companies=list(_PROPERTY_COMPANIES),
    )
    used_ids: dict = {}
    sizes = _community_sizes(rng, plan.communities, residents)
    person_id = hh_id = member_id = tag_id = grid_id = estate_id = building_id = dwelling_id = 0
    # Each community sits somewhere in the district (for maps): around 鼓楼 by default.
    base_lat, base_lon = (26.085, 119.295) if district == "350102" else (26.07, 119.30)
    for (code, _cname), n in zip(communities, sizes, strict=True):
        short = short_names[code]
        village = "村" in short[-1:]
        people = _sample_people(rng, n, age_cum)
        households = _households(rng, people) if people else []
        # Migrant families: renting, mostly working-age, from another county.
        for hh in households:
            head = hh.head
            young = 18 <= head.age < 50 and all(m.age < 60 for m in hh.members)
            if young and rng.random() < (0.42 if len(hh.members) == 1 else 0.26):
                origin = MIGRANT_ORIGINS[_weighted(rng, origin_cum)]
                for m in hh.members:
                    m.migrant, m.origin = True, origin[0]
        # Surnames: children take the father's (mostly), elders of the head the head's.
        for hh in households:
            local = not hh.head.migrant or hh.head.origin.startswith(district[:2])
            father = None
            for m in hh.members:
                if m.rel in (Relationship.HEAD, Relationship.HUSBAND) and m.sex == "M":
                    father = m
            for m in hh.members:
                if m.rel in (Relationship.SON, Relationship.DAUGHTER, Relationship.GRANDCHILD):
                    src = father if father and rng.random() < 0.9 else None
                    m.surname = src.surname if src and src.surname else ""
                elif m.rel == Relationship.FATHER and hh.head.sex == "M":
                    m.surname = hh.head.surname
                elif m.rel == Relationship.FATHER_IN_LAW and father:
                    m.surname = father.surname
                if not m.surname:  # the head and the husband come first, before children
                    m.surname = names.surname(local)
        # Places: estates and buildings enough for the households, a few dwellings empty.
        n_households = len(households)
        needed = max(1, math.ceil(n_households / rng.uniform(0.9, 0.95))) if n_households else 0
        c_lat, c_lon = base_lat + rng.uniform(-0.03, 0.03), base_lon + rng.uniform(-0.035, 0.035)
        community_dwellings: list[tuple[int, str, int]] = []  # (planned id, address, building index)
        community_buildings: list[list] = []
        estate_names: set[str] = set()
        while len(community_dwellings) < needed:
            if village:
                kind = rng.choices(
                    [EstateKind.VILLAGE, EstateKind.RESETTLEMENT, EstateKind.ESTATE], [5, 3, 2]
                )[0]
            else:
                kind = rng.choices(
                    [
                        EstateKind.ESTATE,
                        EstateKind.OLD_COURTYARD,
                        EstateKind.COURTYARD,
                        EstateKind.RESETTLEMENT,
                    ],
                    [48, 27, 15, 10],
                )[0]
            if kind == EstateKind.ESTATE:
                ename = rng.choice(_ESTATE_PREFIX) + rng.choice(_ESTATE_SUFFIX)
                nb, floors, entr, per = rng.randint(3, 12), (11, 33), (1, 2), 4
                has_pm, owners = True, rng.random() < 0.45
            elif kind == EstateKind.OLD_COURTYARD:
                ename = (
                    f"{rng.choice(_LANES)}巷{rng.randint(1, 80)}号院"
                    if rng.random() < 0.6
                    else f"{rng.choice(_UNITS)}宿舍"
                )
                nb, floors, entr, per = rng.randint(1, 4), (4, 7), (1, 3), 2
                has_pm, owners = rng.random() < 0.15, False
            elif kind == EstateKind.COURTYARD:
                ename = f"{rng.choice(_LANES)}巷{rng.randint(1, 80)}号"
                nb, floors, entr, per = rng.randint(1, 6), (5, 8), (1, 2), 2
                has_pm, owners = rng.random() < 0.5, False
            elif kind == EstateKind.RESETTLEMENT:
                ename = f"{rng.choice(_ESTATE_PREFIX)}安置房"
                nb, floors, entr, per = rng.randint(4, 10), (11, 18), (2, 2), 4
                has_pm, owners = True, rng.random() < 0.2
            else:
                ename = f"{short.removesuffix('村')}{rng.choice('东西南北上下前后')}厝"
                nb, floors, entr, per = rng.randint(5, 20), (2, 5), (1, 1), 1
                has_pm, owners = False, False
            base_name, k = ename, 2
            while ename in estate_names:
                ename, k = f"{base_name}{k}期" if kind == EstateKind.ESTATE else f"{base_name}（{k}）", k + 1
            estate_names.add(ename)
            estate_id += 1
            company = rng.randrange(len(plan.property_companies)) if has_pm and rng.random() < 0.8 else None
            plan.estates.append(
                (
                    estate_id,
                    code,
                    ename,
                    kind,
                    f"{province}{city}{district_name}{short}{ename}",
                    has_pm,
                    company,
                    owners,
                    round(c_lat + rng.uniform(-0.004, 0.004), 6),
                    round(c_lon + rng.uniform(-0.004, 0.004), 6),
                )
            )
            for b in range(1, nb + 1):
                remaining = needed - len(community_dwellings)
                if remaining <= 0:
                    break
                n_entr = rng.randint(*entr)
                n_floors = rng.randint(*floors)
                n_floors = max(min(floors[0], 2), min(n_floors, math.ceil(remaining / (n_entr * per))))
                building_id += 1
                bname = f"{b}号楼" if kind != EstateKind.VILLAGE else f"{b}号"
                building = [building_id, code, estate_id, None, bname, n_floors, n_entr]
                community_buildings.append(building)
                plan.buildings.append(building)  # grid filled in below
                lo_area, hi_area = {
                    EstateKind.ESTATE: (75, 145),
                    EstateKind.RESETTLEMENT: (60, 110),
                    EstateKind.VILLAGE: (80, 200),
                }.get(kind, (38, 85))
                for e in range(1, n_entr + 1):
                    for fl in range(1, n_floors + 1):
                        for u in range(1, per + 1):
                            dwelling_id += 1
                            number = f"{fl}{u:02d}"
                            plan.dwellings.append(
                                [
                                    dwelling_id,
                                    code,
                                    building_id,
                                    e,
                                    fl,
                                    number,
                                    Decimal(rng.randint(lo_area, hi_area)),
                                    Dwelling.Occupancy.VACANT,
                                ]
                            )
                            community_dwellings.append(
                                (
                                    dwelling_id,
                                    f"{ename}{bname}{e}单元{number}室",
                                    len(community_buildings) - 1,
                                )
                            )
        # Households into dwellings (in building order, so grids follow the buildings).
        chosen = sorted(rng.sample(range(len(community_dwellings)), n_households))
        building_households = [0] * len(community_buildings)
        joined = _days_ago(today, rng, 30, 3650)
        for i, (hh, slot) in enumerate(zip(households, chosen, strict=True)):
            d_id, address, b_index = community_dwellings[slot]
            building_households[b_index] += 1
            dwelling_row = plan.dwellings[d_id - 1]
            dwelling_row[7] = (
                Dwelling.Occupancy.RENTED
                if hh.head.migrant or rng.random() < 0.12
                else Dwelling.Occupancy.OWNER
            )
            hh_id += 1
            head_pid = person_id + 1
            for m in hh.members:
                person_id += 1
                m.id = person_id
                birth = dt.date.fromordinal(
                    today.toordinal() - m.age * 365 - m.age // 4 - rng.randint(1, 364)
                )
                m.birth = birth
                address_code = m.origin if m.migrant else district
                number = _id_number(rng, used_ids, address_code, birth, m.sex)
                if m.migrant:
                    origin_name = next(nm for c, nm, _w in MIGRANT_ORIGINS if c == m.origin)
                    hukou = origin_name
                    residence = ResidenceType.MIGRANT
                    ethnicity = rng.choices(["01", "15", "06", "08", "03"], [95, 2, 1.5, 1, 0.5])[0]
                else:
                    residence = ResidenceType.AWAY if rng.random() < 0.05 else ResidenceType.REGISTERED
                    elsewhere = short_names[rng.choice(plan.communities)]
                    hukou = f"{province}{city}{district_name}" + (
                        address if residence == ResidenceType.REGISTERED else elsewhere
                    )
                    ethnicity = rng.choices(["01", "22", "03", "11"], [98.5, 0.8, 0.4, 0.3])[0]
                workplace = rng.choice(_WORKPLACES) if 22 <= m.age < 60 and rng.random() < 0.3 else ""
                plan.persons.append(
                    (
                        person_id,
                        code,
                        m.surname + names.given_name(birth.year, m.sex),
                        m.sex,
                        birth,
                        ethnicity,
                        residence,
                        d_id,
                        address,
                        hukou,
                        workplace,
                        number,
                        _phone(rng, m),
                    )
                )
                member_id += 1
                plan.members.append(
                    (
                        member_id,
                        code,
                        hh_id,
                        person_id,
                        m.rel,
                        joined if rng.random() < 0.3 else min(birth, today),
                    )
                )
            plan.households.append(
                (
                    hh_id,
                    code,
                    f"{code}-{i + 1:05d}",
                    Household.Kind.COLLECTIVE if hh.kind == "collective" else Household.Kind.FAMILY,
                    d_id,
                    head_pid,
                )
            )
            tag_id = _tags(plan, rng, hh, code, tag_id, today, disability_cum)
        # Grids: about 250 households each, of whole buildings taken in order (a grid never
        # splits a building, so a community has at most one grid per occupied building).
        occupied = sum(1 for c in building_households if c)
        n_grids = max(1, min(round(n_households / HOUSEHOLDS_PER_GRID), occupied))
        grid_ids = []
        for g in range(1, n_grids + 1):
            grid_id += 1
            grid_ids.append(grid_id)
            plan.grids.append((grid_id, code, f"{short}第{g}网格"))
        g, count, left, occupied_left = 0, 0, n_households, occupied
        for b_index, building in enumerate(community_buildings):
            here = building_households[b_index]
            # next grid when this one is full, or when every grid left needs a building
            full = count >= left / (n_grids - g) or occupied_left <= n_grids - g - 1
            if here and count and g < n_grids - 1 and full:
                g, left, count = g + 1, left - count, 0
            building[3] = grid_ids[g]
            count += here
            occupied_left -= 1 if here else 0
        if progress:
            progress(f"  {short}：{n} 人，{n_households} 户，{n_grids} 个网格")
    plan.buildings = [tuple(b) for b in plan.buildings]
    plan.dwellings = [tuple(d) for d in plan.dwellings]
    return plan


def _tags(
    plan: Plan, rng: random.Random, hh: _H, code: str, tag_id: int, today: dt.date, disability_cum
) -> int:
    rows = plan.tags

    def add(
        p: _P, kind: str, dept: str | None, valid_from: dt.date, valid_to: dt.date | None = None, **extra
    ):
        nonlocal tag_id
        tag_id += 1
        valid_from = max(valid_from, p.birth)  # nobody is tagged before birth
        if valid_to is not None and valid_to < valid_from:
            valid_to = valid_from
        rows.append(
            (
                tag_id,
                code,
                p.id,
                kind,
                extra.get("grade"),
                extra.get("category", ""),
                dept,
                "" if dept else extra.get("label", "社区采集"),
                valid_from,
                valid_to,
            )
        )

    disabled_here = False
    for p in hh.members:
        a = p.age
        if a >= 80 and (not p.migrant or rng.random() < 0.5):
            add(
                p,
                TagKind.ELDERLY_80,
                "civil-affairs",
                max(_years_after(p.birth, 80), today - dt.timedelta(3650)),
            )
        if a >= 60 and len(hh.members) == 1:
            add(
                p,
                TagKind.ELDERLY_ALONE,
                "civil-affairs" if rng.random() < 0.7 else None,
                _days_ago(today, rng, 0, 1500),
            )
            if rng.random() < 0.04:
                add(p, TagKind.EXTREME_HARDSHIP, "civil-affairs", _days_ago(today, rng, 0, 360))
        chance = 0.005 if a < 18 else 0.018 if a < 60 else 0.05 if a < 80 else 0.1
        if rng.random() < chance:
            disabled_here = True
            issued = _days_ago(today, rng, 0, 3600)
            add(
                p,
                TagKind.DISABLED,
                "disabled-federation",
                issued,
                _years_after(issued, 10) - dt.timedelta(days=1),
                grade=rng.choices([1, 2, 3, 4], [12, 25, 30, 33])[0],
                category=_DISABILITY[_weighted(rng, disability_cum)][0],
            )
        if a >= 22 and rng.random() < (0.045 if p.sex == "M" else 0.003):
            add(p, TagKind.VETERAN, "veterans", _years_after(p.birth, rng.randint(21, 30)))
        if 18 <= a < 60 and rng.random() < 0.03:
            start = _days_ago(today, rng, 0, 720)
            ended = rng.random() < 0.4
            add(p, TagKind.UNEMPLOYED, "hrss", start, _days_ago(today, rng, 1, 30) if ended else None)
        if a >= 18 and rng.random() < (0.08 if a < 60 else 0.14 if p.sex == "M" else 0.07):
            add(
                p,
                TagKind.PARTY_MEMBER,
                None,
                _years_after(p.birth, rng.randint(18, min(a, 45))),
                label="社区党委",
            )
        if p.migrant:
            add(p, TagKind.MIGRANT, "public-security", _days_ago(today, rng, 0, 2900))
        if (
            a < 16
            and p.rel == Relationship.GRANDCHILD
            and not any(
                m.rel in (Relationship.SON, Relationship.DAUGHTER) and m.age >= 18 for m in hh.members
            )
        ):
            add(p, TagKind.LEFT_BEHIND_CHILD, "civil-affairs", _days_ago(today, rng, 0, 700))
    # Minimum living allowance (低保) is granted to a household, reviewed every year.
    chance = (
        0.008 * (4 if disabled_here else 1) * (2 if hh.members[0].age >= 60 and len(hh.members) == 1 else 1)
    )
    if not hh.head.migrant and rng.random() < chance:
        start = _days_ago(today, rng, 0, 330)
        for p in hh.members:
            add(p, TagKind.MINIMUM_ALLOWANCE, "civil-affairs", start, start + dt.timedelta(days=364))
    elif not hh.head.migrant and rng.random() < 0.003:  # a past grant, ended
        start = _days_ago(today, rng, 500, 1500)
        for p in hh.members:
            add(p, TagKind.MINIMUM_ALLOWANCE, "civil-affairs", start, start + dt.timedelta(days=364))
    return tag_id


# --------------------------------------------------------------------------------------
# Loading: COPY on PostgreSQL, executemany on SQLite.
# --------------------------------------------------------------------------------------


class _Pii:
    """Holds what Person.set_id_number / set_phone compute, without building a model instance."""

    __slots__ = _PII_COLUMNS


def person_rows(records: Iterable[Sequence], *, today: dt.date | None = None) -> Iterator[tuple]:
    """Validated database rows (PERSON_COLUMNS) for person records (PERSON_RECORD): the identity
    number is parsed (checksum, date) and must agree with the recorded sex and birth date, the
    phone must be valid; the encrypted values and hashes come from the model's own setters."""
    parse, normalise_phone = idnumber.parse, idnumber.normalise_phone
    set_id, set_phone = Person.set_id_number, Person.set_phone
    holder: Any = _Pii()
    today = today or timezone.localdate()
    for r in records:
        parsed = parse(r[11], today=today)
        if parsed.sex != r[3] or parsed.birth_date != r[4]:
            raise GenerateError("id_mismatch", f"居民 {r[2]} 的身份号码与性别或出生日期不符。")
        set_id(holder, parsed.value)
        set_phone(holder, normalise_phone(r[12]))
        yield (
            *r[:11],
            holder.id_number_encrypted,
            holder.id_number_hash,
            holder.id_tail,
            holder.phone_encrypted,
            holder.phone_hash,
            holder.phone_tail,
        )


def _constant_columns(model: type[models.Model], given: Sequence[str], now) -> tuple[list[str], tuple]:
    """Columns the rows do not give, with their default (timestamps: `now`)."""
    names, values = [], []
    for f in model._meta.concrete_fields:
        if f.column in given or f.attname in given:
            continue
        if isinstance(f, models.DateTimeField):
            value = now
        elif f.has_default():
            value = f.get_default()
        elif f.null:
            value = None
        else:
            value = ""
        names.append(str(f.column))
        values.append(value)
    return names, tuple(values)


def copy_rows(
    model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence], *, now=None
) -> int:
    """Insert rows (tuples in `columns` order, ids included) in bulk; other columns get their
    default. PostgreSQL: COPY through psycopg; elsewhere executemany in batches."""
    now = now or timezone.now()
    extra_cols, extra = _constant_columns(model, columns, now)
    table = model._meta.db_table
    qn = connection.ops.quote_name
    cols = [*columns, *extra_cols]
    col_sql = ", ".join(qn(c) for c in cols)
    n = 0
    if connection.vendor == "postgresql":
        # In a savepoint: a row refused half-way leaves the caller's transaction usable.
        with (
            transaction.atomic(),
            connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY {qn(table)} ({col_sql}) FROM STDIN") as cp,
        ):
            write = cp.write_row
            if extra:
                for row in rows:
                    write((*row, *extra))
                    n += 1
            else:
                for row in rows:
                    write(row)
                    n += 1
        return n
    # SQLite and others: datetimes must be in the backend's stored form.
    extra = tuple(
        connection.ops.adapt_datetimefield_value(v) if isinstance(v, dt.datetime) else v for v in extra
    )
    sql = f"INSERT INTO {qn(table)} ({col_sql}) VALUES ({', '.join(['%s'] * len(cols))})"
    batch: list[tuple] = []
    with connection.cursor() as cursor:
        for row in rows:
            batch.append((*row, *extra))
            if len(batch) >= 5000:
                cursor.executemany(sql, batch)
                n += len(batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)
            n += len(batch)
    return n


def persons_load(records: Iterable[Sequence], *, now=None, today: dt.date | None = None) -> int:
    """The loader path for people: validate, encrypt, hash, COPY."""
    return copy_rows(Person, PERSON_COLUMNS, person_rows(records, today=today), now=now)


def _next_ids(model: type[models.Model]) -> int:
    """The offset to add to planned ids (1, 2, …) so they follow the table's rows."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {connection.ops.quote_name(model._meta.db_table)} IN EXCLUSIVE MODE")
    return model._default_manager.aggregate(m=models.Max("id"))["m"] or 0


def _shift(rows: Iterable[tuple], positions: dict[int, int | dict]) -> Iterator[tuple]:
    """Add an offset (or map through a dict) at the given positions of each row."""
    if not positions or all(v == 0 for v in positions.values()):
        yield from rows
        return
    items = list(positions.items())
    for row in rows:
        out = list(row)
        for i, off in items:
            v = out[i]
            if v is not None:
                out[i] = off[v] if isinstance(off, dict) else v + off
        yield tuple(out)


def _reset_sequences(models_: Iterable[type[models.Model]]) -> None:
    if connection.vendor != "postgresql":
        return
    from django.core.management.color import no_style

    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), list(models_)):
            cursor.execute(sql)


def departments_ensure(district: Region) -> dict[str, Department]:
    """The district's departments that feed the register (idempotent)."""
    city = Region.objects.filter(code=district.code[:4]).values_list("name", flat=True).first() or ""
    short = district.name.removesuffix("区").removesuffix("县").removesuffix("市") or district.name
    out = {}
    for suffix, kind, pattern in _DEPARTMENTS:
        dept, created = Department.objects.get_or_create(
            code=department_code(district.code, suffix),
            defaults={
                "name": pattern.format(d=district.name, city=city, short=short),
                "kind": kind,
                "region": district,
            },
        )
        if created:
            from gongzhi.core.manifests import run_hook

            run_hook("department_created", department=dept)
        out[suffix] = dept
    return out


@dataclass
class LoadReport:
    counts: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    offsets: dict = field(default_factory=dict)


def plan_load(
    plan: Plan,
    *,
    progress: Callable[[str], None] | None = None,
    only: Iterable[str] | None = None,
    offsets: dict | None = None,
) -> LoadReport:
    """Write a plan to the database in one transaction. `only` loads some of the tables
    (grids, estates, buildings, dwellings, persons, households, members, tags) — a plan loaded
    in parts passes the `offsets` of the first part's report to the later ones."""
    report = LoadReport()
    now = timezone.now()
    say = progress or (lambda _m: None)
    district = Region.objects.get(code=plan.district)
    with transaction.atomic():
        depts = departments_ensure(district)
        companies = []
        for name in plan.property_companies:
            org = Organization.objects.filter(name=name, region=district).first()
            if org is None:
                org = Organization.objects.create(
                    name=name, kind=OrganizationKind.PROPERTY_COMPANY, region=district
                )
            companies.append(org.pk)
        off = offsets or {
            m: _next_ids(m)
            for m in (Grid, Estate, Building, Dwelling, Person, Household, HouseholdMember, PersonTag)
        }
        report.offsets = off
        dept_ids = {k: d.pk for k, d in depts.items()}
        steps = [
            ("grids", Grid, GRID_COLUMNS, plan.grids, {0: off[Grid]}),
            (
                "estates",
                Estate,
                ESTATE_COLUMNS,
                plan.estates,
                {0: off[Estate], 6: dict(enumerate(companies))},
            ),
            (
                "buildings",
                Building,
                BUILDING_COLUMNS,
                plan.buildings,
                {0: off[Building], 2: off[Estate], 3: off[Grid]},
            ),
            ("dwellings", Dwelling, DWELLING_COLUMNS, plan.dwellings, {0: off[Dwelling], 2: off[Building]}),
            ("persons", Person, None, plan.persons, {0: off[Person], 7: off[Dwelling]}),
            (
                "households",
                Household,
                HOUSEHOLD_COLUMNS,
                plan.households,
                {0: off[Household], 4: off[Dwelling], 5: off[Person]},
            ),
            (
                "members",
                HouseholdMember,
                MEMBER_COLUMNS,
                plan.members,
                {0: off[HouseholdMember], 2: off[Household], 3: off[Person]},
            ),
            ("tags", PersonTag, TAG_COLUMNS, plan.tags, {0: off[PersonTag], 2: off[Person], 6: dept_ids}),
        ]
        for label, model, columns, rows, shift in steps:
            if only is not None and label not in only:
                continue
            t = time.perf_counter()
            shifted = _shift(rows, shift)
            if model is Person:
                n = persons_load(shifted, now=now, today=plan.today)
            else:
                n = copy_rows(model, columns or (), shifted, now=now)
            if model is PersonTag:
                _tag_names_fill(after_id=off[PersonTag])
            report.counts[label] = n
            report.seconds[label] = time.perf_counter() - t
            say(f"  写入 {label}: {n} 行，{report.seconds[label]:.1f} 秒")
        _reset_sequences([Grid, Estate, Building, Dwelling, Person, Household, HouseholdMember, PersonTag])
    return report


def _tag_names_fill(*, after_id: int) -> None:
    """Copy each loaded tag's person name onto it (PersonTag.person_name; the community and
    status are planned with the tag: the person's, and active)."""
    with connection.cursor() as c:
        c.execute(
            "UPDATE registry_persontag SET person_name = (SELECT p.name FROM registry_person p"
            " WHERE p.id = registry_persontag.person_id) WHERE id > %s",
            [after_id],
        )


# --------------------------------------------------------------------------------------
# The command's entry point.
# --------------------------------------------------------------------------------------

_REGISTRY_MODELS = (PersonTag, HouseholdMember, Household, Person, Dwelling, Building, Estate, Grid)


def district_has_data(district: str) -> bool:
    return any(
        m.objects.filter(community__code__startswith=district).exists()
        for m in (Person, Estate, Grid, Household)
    )


def district_reset(district: str) -> dict[str, int]:
    """Delete the district's register (people, households, places, tags); keep regions,
    departments and users (a user's link to a deleted person is cleared)."""
    deleted = {}
    with transaction.atomic():
        Household.objects.filter(community__code__startswith=district).update(head=None)
        for model in _REGISTRY_MODELS:
            n, _ = model.objects.filter(community__code__startswith=district).delete()
            deleted[str(model._meta.model_name)] = n
    return deleted


@dataclass
class GenerateReport:
    plan_seconds: float
    load: LoadReport
    plan: Plan


def district_generate(
    *,
    district: str = "350102",
    residents: int = 20000,
    seed: int | None = None,
    reset: bool = False,
    today: dt.date | None = None,
    progress: Callable[[str], None] | None = None,
) -> GenerateReport:
    """Generate a district's register. Refuses when the district already has register data,
    unless `reset` (which wipes that data first)."""
    if residents < 1:
        raise GenerateError("residents_count", "居民人数至少为1。")
    if district_has_data(district):
        if not reset:
            raise GenerateError(
                "district_has_data",
                f"区划 {district} 已有登记数据（居民、小区或网格）。如要重新生成，请加 --reset（将删除该区的登记数据）。",
            )
        if progress:
            progress(f"删除 {district} 的原有登记数据…")
        district_reset(district)
    t = time.perf_counter()
    plan = district_plan(district=district, residents=residents, seed=seed, today=today, progress=progress)
    plan_seconds = time.perf_counter() - t
    if progress:
        progress(f"已生成 {len(plan.persons)} 名居民的数据（{plan_seconds:.1f} 秒），写入数据库…")
    load = plan_load(plan, progress=progress)
    return GenerateReport(plan_seconds=plan_seconds, load=load, plan=plan)
