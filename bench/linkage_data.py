"""Synthetic department extracts for the record-linkage benchmark (seeded).

One district (福州市鼓楼区, its 69 real community codes) with ``people`` residents in
households; every resident appears in one to four of four department extracts — 民政 (civil
affairs), 人社 (human resources & social security), 残联 (disabled persons' federation),
卫健 (health) — on average twice, so 500,000 people give 1,000,000 records.

Noise, per department (rates in ``PROFILES``): missing, 15-digit, wrong-check-character,
one-digit and transposed identity numbers; traditional characters, same-pinyin homophones,
one-character typos and stray spaces or full-width forms in names; missing, month/day
swapped and one-digit birth dates; missing or wrong sex; missing and changed phones;
people who moved (an old address in some extracts) and differently written addresses.

Realistic collisions: Zipf-distributed names (many 张伟 and 王芳), twins (same surname,
birth date, address and phone, consecutive identity numbers), and an injected share of
different people with the same common name and birth date.

``generate(people, seed)`` returns ``Dataset(records, truth, department)``; the truth is
the person index of each record.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from dataclasses import dataclass
from pathlib import Path

import opencc

from gongzhi.core.idnumber import check_char
from gongzhi.integration.linkage import LinkRecord
from gongzhi.integration.names import char_key

REGIONS = Path(__file__).resolve().parents[2] / "shared" / "data" / "regions"
DISTRICT = "350102"

DEPARTMENTS = ("民政", "人社", "残联", "卫健")
DEPT_WEIGHTS = (0.175, 0.40, 0.05, 0.375)
# how many extracts a person is in: 1–4, mean exactly 2
RECORDS_PER_PERSON = ((1, 0.35), (2, 0.35), (3, 0.25), (4, 0.05))

PROFILES: dict[str, dict[str, float]] = {
    #            id missing, id 15 digits (born < 2000), wrong check char, one digit, transposition
    "民政": dict(id_missing=0.04, id15=0.12, id_check=0.03, id_digit=0.012, id_swap=0.005,
                 trad=0.04, homophone=0.03, name_typo=0.01, name_format=0.03,
                 birth_missing=0.03, birth_swap=0.008, birth_digit=0.006, sex_missing=0.02, sex_wrong=0.003,
                 phone_missing=0.20, phone_changed=0.15, old_address=0.45, addr_format=0.15, community_missing=0.05),
    "人社": dict(id_missing=0.005, id15=0.02, id_check=0.01, id_digit=0.006, id_swap=0.003,
                 trad=0.01, homophone=0.015, name_typo=0.005, name_format=0.02,
                 birth_missing=0.01, birth_swap=0.003, birth_digit=0.003, sex_missing=0.01, sex_wrong=0.002,
                 phone_missing=0.08, phone_changed=0.20, old_address=0.35, addr_format=0.10, community_missing=0.02),
    "残联": dict(id_missing=0.02, id15=0.10, id_check=0.02, id_digit=0.01, id_swap=0.005,
                 trad=0.06, homophone=0.03, name_typo=0.01, name_format=0.03,
                 birth_missing=0.02, birth_swap=0.006, birth_digit=0.005, sex_missing=0.02, sex_wrong=0.003,
                 phone_missing=0.15, phone_changed=0.15, old_address=0.40, addr_format=0.15, community_missing=0.05),
    "卫健": dict(id_missing=0.08, id15=0.04, id_check=0.02, id_digit=0.01, id_swap=0.005,
                 trad=0.02, homophone=0.04, name_typo=0.012, name_format=0.02,
                 birth_missing=0.0, birth_swap=0.005, birth_digit=0.005, sex_missing=0.03, sex_wrong=0.004,
                 phone_missing=0.25, phone_changed=0.12, old_address=0.30, addr_format=0.10, community_missing=0.08),
}  # fmt: skip

# Surnames with their approximate shares (per cent) in Fujian; the rest share the tail.
SURNAMES = [
    "陈",
    "11.0",
    "林",
    "9.0",
    "黄",
    "6.0",
    "张",
    "4.0",
    "李",
    "3.8",
    "王",
    "3.5",
    "吴",
    "3.2",
    "刘",
    "2.8",
    "郑",
    "2.8",
    "杨",
    "2.0",
    "蔡",
    "1.8",
    "许",
    "1.7",
    "谢",
    "1.6",
    "洪",
    "1.4",
    "郭",
    "1.4",
    "邱",
    "1.2",
    "曾",
    "1.2",
    "廖",
    "1.1",
    "赖",
    "1.0",
    "徐",
    "1.0",
    "周",
    "1.0",
    "叶",
    "1.0",
    "苏",
    "1.0",
    "庄",
    "0.9",
    "江",
    "0.9",
    "何",
    "0.8",
    "罗",
    "0.8",
    "高",
    "0.8",
    "游",
    "0.7",
    "詹",
    "0.6",
    "朱",
    "0.6",
    "方",
    "0.6",
    "卢",
    "0.6",
    "施",
    "0.5",
    "魏",
    "0.5",
    "余",
    "0.5",
    "钟",
    "0.5",
    "胡",
    "0.5",
    "傅",
    "0.5",
    "潘",
    "0.5",
    "彭",
    "0.4",
    "翁",
    "0.4",
    "柯",
    "0.4",
    "唐",
    "0.4",
    "沈",
    "0.4",
    "董",
    "0.3",
    "戴",
    "0.3",
    "蒋",
    "0.3",
    "邓",
    "0.3",
    "赵",
    "0.3",
    "孙",
    "0.3",
    "马",
    "0.3",
    "韩",
    "0.2",
    "冯",
    "0.2",
    "曹",
    "0.2",
    "严",
    "0.2",
    "范",
    "0.2",
    "萧",
    "0.2",
    "单",
    "0.1",
    "欧阳",
    "0.1",
    "上官",
    "0.05",
    "司马",
    "0.03",
    "区",
    "0.03",
    "解",
    "0.03",
    "仇",
    "0.03",
]
SURNAME_LIST = SURNAMES[0::2]
SURNAME_WEIGHTS = [float(x) for x in SURNAMES[1::2]]

MALE_CHARS = (
    "伟强磊军勇杰涛明超刚平辉鹏华飞鑫波斌宇浩凯健俊帆帅旭宁龙林欢阳建国文志斌峰亮成东兵"
    "晨彬博海鸿洋振宏清豪锋瑞坤哲翔昊天浩然宇轩子涵梓睿铭泽皓俊杰嘉豪家明永兴福春德"
    "忠武胜松树荣祥新金水山川民生庆发"
)
FEMALE_CHARS = (
    "芳娜敏静丽艳娟霞秀玲桂英红梅兰琳燕萍雪慧婷颖倩琴云莲洁瑶雯晶欣怡佳悦馨月蓉薇"
    "丹妍蕾璐菲琪嘉欣梓萱诗涵雨桐思彤可馨一诺紫萱美玉凤珍翠娥素华淑"
)
# Other common characters, to find homophones of the name characters (李丽 → 李莉, 李力).
EXTRA_CHARS = (
    "莉力立利理礼李里励历丽粒黎璃维卫唯伟玮薇威微为位味魏蔚尉纬韦围违惟委军君均俊郡峻骏"
    "静晶精经京景敬井境镜径婧菁靖竞劲荆睛强墙蔷羌抢锵磊垒蕾雷累泪类擂芳方放防房仿访纺"
    "坊舫娜纳那钠呐敏民闵珉悯皿抿艳燕雁焰验宴彦砚颜研岩言妍严延沿娟捐鹃卷隽眷倦绢霞侠"
    "峡狭暇瑕辖夏下虾秀修绣袖锈朽羞嗅休玲灵铃零龄凌陵菱伶聆岭领令英鹰樱婴莺影映应迎盈"
    "营颖红宏虹洪鸿弘泓鸿闳梅媚玫眉煤霉枚莓没每美兰蓝澜岚栏拦篮览揽林琳霖临麟淋邻鳞"
    "燕萍平评凭瓶屏苹坪雪学薛穴慧惠会汇辉徽晖卉绘婷亭庭停廷霆挺蜓颖倩茜欠歉琴勤芹秦"
    "禽钦擒云芸耘匀允运韵昀莲连联廉怜帘涟洁杰结捷节劫婕瑶遥尧姚谣摇窑雯文闻纹汶玟"
    "欣心新馨鑫芯辛昕佳家加嘉枷悦月越跃岳阅粤钥蓉容荣融溶熔榕戎丹单担耽郸眈妍研言"
    "颜琪其奇祺骑旗棋麒萱宣轩喧瑄涵寒含韩函晗邯菲飞非妃斐扉霏璐路露鹿陆录禄潞"
    "涛滔韬掏桃陶淘超抄钞朝潮巢嘲刚钢纲岗港冈辉灰挥恢徽晖鹏朋彭棚蓬澎膨篷华花化画"
    "话桦滑斌彬宾滨缤傧波博勃柏泊搏宇雨语羽玉遇誉禹浩豪好号昊皓灏凯楷铠慨恺健建剑"
    "见件舰鉴荐俊骏峻帅率蟀宁凝柠拧旭序叙绪续蓄婿龙隆笼聋珑阳洋杨扬羊仰养峰锋风丰"
    "封枫蜂亮良凉梁粮量成城程承诚呈乘澄东冬董懂动栋兵冰宾丙秉饼晨辰臣陈尘沉"
)

ROADS = [
    "三坊七巷",
    "杨桥",
    "鼓屏",
    "五四",
    "湖东",
    "东街",
    "西洪",
    "乌山",
    "铜盘",
    "温泉",
    "华林",
    "北大",
    "省府",
    "冶山",
    "旗汛口",
    "六一",
    "白马",
    "西二环",
    "工业",
    "洪山",
    "福飞",
    "湖滨",
    "通湖",
    "道山",
    "黄巷",
    "南后",
    "安泰",
    "澳门",
    "营迹",
    "屏山",
]
UYGHUR_GIVEN = [
    "阿依古丽",
    "买买提",
    "艾尔肯",
    "热依拉",
    "古丽娜尔",
    "阿不都",
    "努尔",
    "帕提古丽",
    "迪丽拜尔",
    "艾力",
]
UYGHUR_FATHER = ["买买提", "吐尔逊", "阿不力孜", "艾买提", "玉素甫", "依明", "热合曼", "沙吾提"]


@dataclass
class Person:
    name: str
    birth: dt.date
    sex: str
    id18: str
    phone: str
    address: str
    community: str
    old_address: str
    old_community: str


@dataclass
class Dataset:
    records: list[LinkRecord]
    truth: list[int]  # person index per record
    department: list[str]
    people: int


def _communities() -> list[str]:
    with open(REGIONS / "villages-seed-cities.csv", encoding="utf-8") as fh:
        return [row["code"] for row in csv.DictReader(fh) if row["code"].startswith(DISTRICT)]


def _area_codes() -> tuple[list[str], list[str]]:
    fujian, other = [], []
    with open(REGIONS / "areas.csv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            (fujian if row["code"].startswith("35") else other).append(row["code"])
    return fujian, other


def _homophones(chars: str) -> dict[str, list[str]]:
    groups: dict[str, list[str]] = {}
    for ch in dict.fromkeys(chars):
        groups.setdefault(char_key(ch), []).append(ch)
    return {ch: [c for c in groups[char_key(ch)] if c != ch] for ch in dict.fromkeys(chars)}


class _Generator:
    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.communities = _communities()
        self.fujian, self.other = _area_codes()
        self.used_ids: set[str] = set()
        self.used_phones: set[str] = set()
        all_chars = MALE_CHARS + FEMALE_CHARS + EXTRA_CHARS
        self.homophones = _homophones(all_chars)
        self.all_chars = list(dict.fromkeys(all_chars))
        # Zipf weights: the first characters of each pool are the most common
        self.male = list(dict.fromkeys(MALE_CHARS))
        self.female = list(dict.fromkeys(FEMALE_CHARS))
        self.male_w = [1 / (k + 1) ** 0.9 for k in range(len(self.male))]
        self.female_w = [1 / (k + 1) ** 0.9 for k in range(len(self.female))]
        self.s2t = opencc.OpenCC("s2t")

    # --- people ---------------------------------------------------------------------------

    def surname(self) -> str:
        return self.rng.choices(SURNAME_LIST, SURNAME_WEIGHTS)[0]

    def given(self, sex: str) -> str:
        rng = self.rng
        pool, w = (self.male, self.male_w) if sex == "M" else (self.female, self.female_w)
        n = 1 if rng.random() < 0.3 else 2
        return "".join(rng.choices(pool, w, k=n))

    def birth(self) -> dt.date:
        rng = self.rng
        age = rng.choice(range(0, 60)) if rng.random() < 0.75 else rng.choice(range(60, 100))
        return dt.date(2025 - age, 1, 1) + dt.timedelta(days=rng.randrange(365))

    def id_number(self, birth: dt.date, sex: str, area: str | None = None, seq: int | None = None) -> str:
        rng = self.rng
        if area is None:
            r = rng.random()
            area = DISTRICT if r < 0.6 else rng.choice(self.fujian) if r < 0.85 else rng.choice(self.other)
        while True:
            s = seq if seq is not None else rng.randrange(1000)
            if (s % 2 == 1) != (sex == "M"):
                s = (s + 1) % 1000
            first17 = f"{area}{birth:%Y%m%d}{s:03d}"
            value = first17 + check_char(first17)
            if value not in self.used_ids:
                self.used_ids.add(value)
                return value
            seq = None

    def phone(self) -> str:
        rng = self.rng
        while True:
            p = rng.choice("3456789")
            value = f"1{p}{rng.randrange(10**9):09d}"
            if value not in self.used_phones:
                self.used_phones.add(value)
                return value

    def landline(self) -> str:
        return f"0591{self.rng.randrange(10**7, 10**8)}"

    def address(self) -> tuple[str, str]:
        rng = self.rng
        community = rng.choice(self.communities)
        text = (
            f"鼓楼区{rng.choice(ROADS)}路{rng.randrange(1, 300)}号"
            f"{rng.randrange(1, 30)}栋{rng.randrange(1, 5)}单元{rng.randrange(1, 30)}{rng.randrange(1, 5):02d}室"
        )
        return text, community

    def people(self, n: int) -> list[Person]:
        rng = self.rng
        out: list[Person] = []
        while len(out) < n:
            size = rng.choices((1, 2, 3, 4, 5), (0.2, 0.3, 0.25, 0.17, 0.08))[0]
            address, community = self.address()
            moved = rng.random() < 0.2
            old_address, old_community = self.address() if moved else ("", "")
            surname = self.surname()
            home = self.landline() if rng.random() < 0.3 else ""
            parent_phone = ""
            twins = size >= 4 and rng.random() < 0.1
            twin_birth = self.birth() if twins else None
            twin_id = ""
            for k in range(size):
                sex = "M" if rng.random() < 0.5 else "F"
                birth = twin_birth if twins and k >= size - 2 else self.birth()
                if rng.random() < 0.01:
                    name = f"{rng.choice(UYGHUR_GIVEN)}·{rng.choice(UYGHUR_FATHER)}"
                else:
                    own = surname if (k != 1 or rng.random() < 0.2) else self.surname()
                    name = own + self.given(sex)
                if twins and k == size - 1 and twin_id:
                    # consecutive sequence numbers, same area code
                    seq = (int(twin_id[14:17]) + 2) % 1000
                    if (seq % 2 == 1) != (sex == "M"):
                        seq = (seq + 1) % 1000
                    id18 = self.id_number(birth, sex, area=twin_id[:6], seq=seq)
                else:
                    id18 = self.id_number(birth, sex)
                if twins and k == size - 2:
                    twin_id = id18
                age = 2025 - birth.year
                if age >= 16:
                    phone = self.phone() if rng.random() < (0.9 if age < 70 else 0.5) else home
                    parent_phone = parent_phone or phone
                else:
                    phone = parent_phone or home
                out.append(
                    Person(name, birth, sex, id18, phone, address, community, old_address, old_community)
                )
        del out[n:]
        # different people with the same common name and birth date (another person's)
        common = [i for i, p in enumerate(out) if len(p.name) == 2]
        for _ in range(n // 100):
            a, b = rng.choice(common), rng.randrange(n)
            src, dst = out[a], out[b]
            if src.sex != dst.sex:
                continue
            dst.name = src.name
            dst.birth = src.birth
            dst.id18 = self.id_number(src.birth, src.sex)
        return out

    # --- records --------------------------------------------------------------------------

    def noisy_id(self, p: Person, prof: dict[str, float]) -> str:
        rng = self.rng
        r = rng.random()
        if r < prof["id_missing"]:
            return ""
        value = p.id18
        if p.birth.year < 2000 and rng.random() < prof["id15"]:
            value = value[:6] + value[8:17]
        elif rng.random() < prof["id_check"]:
            value = value[:17] + rng.choice([c for c in "0123456789X" if c != value[17]])
        r = rng.random()
        if r < prof["id_digit"]:
            pos = rng.randrange(len(value) - 1)
            value = value[:pos] + rng.choice([c for c in "0123456789" if c != value[pos]]) + value[pos + 1 :]
        elif r < prof["id_digit"] + prof["id_swap"]:
            pos = rng.randrange(len(value) - 2)
            if value[pos] != value[pos + 1]:
                value = value[:pos] + value[pos + 1] + value[pos] + value[pos + 2 :]
        if rng.random() < 0.01:
            value = value.lower() if value.endswith("X") else " " + value
        return value

    def noisy_name(self, p: Person, prof: dict[str, float]) -> str:
        rng = self.rng
        name = p.name
        if "·" not in name:
            if rng.random() < prof["homophone"]:
                pos = rng.randrange(1, len(name))
                options = self.homophones.get(name[pos], [])
                if options:
                    name = name[:pos] + rng.choice(options) + name[pos + 1 :]
            if rng.random() < prof["name_typo"]:
                pos = rng.randrange(1, len(name))
                name = name[:pos] + rng.choice(self.all_chars) + name[pos + 1 :]
        else:
            r = rng.random()
            if r < 0.3:
                name = name.replace("·", rng.choice((".", "•", "", " ")))
        if rng.random() < prof["trad"]:
            name = self.s2t.convert(name)
        if rng.random() < prof["name_format"]:
            name = name[:1] + rng.choice((" ", "\u3000", "  ")) + name[1:]
        return name

    def noisy_birth(self, p: Person, prof: dict[str, float]) -> dt.date | None:
        rng = self.rng
        r = rng.random()
        if r < prof["birth_missing"]:
            return None
        b = p.birth
        r = rng.random()
        if r < prof["birth_swap"] and b.day <= 12 and b.day != b.month:
            return b.replace(month=b.day, day=b.month)
        if r < prof["birth_swap"] + prof["birth_digit"]:
            for _ in range(5):
                text = f"{b:%Y%m%d}"
                pos = rng.randrange(2, 8)
                text = text[:pos] + str(rng.randrange(10)) + text[pos + 1 :]
                try:
                    return dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
                except ValueError:
                    continue
        return b

    def record(self, key: str, p: Person, dept: str) -> LinkRecord:
        rng = self.rng
        prof = PROFILES[dept]
        sex = p.sex
        r = rng.random()
        if r < prof["sex_missing"]:
            sex = ""
        elif r < prof["sex_missing"] + prof["sex_wrong"]:
            sex = "F" if sex == "M" else "M"
        phone = p.phone
        r = rng.random()
        if r < prof["phone_missing"] or not phone:
            phone = ""
        elif r < prof["phone_missing"] + prof["phone_changed"]:
            phone = self.phone()
        address, community = p.address, p.community
        if p.old_address and rng.random() < prof["old_address"]:
            address, community = p.old_address, p.old_community
        if rng.random() < prof["addr_format"]:
            address = rng.choice(
                (
                    address.replace("栋", "号楼"),
                    address.replace("鼓楼区", "福州市鼓楼区"),
                    address.replace("单元", " 单元 "),
                    address.replace("1", "１"),
                )
            )
        if rng.random() < prof["community_missing"]:
            community = ""
        return LinkRecord(
            key=key,
            name=self.noisy_name(p, prof),
            id_number=self.noisy_id(p, prof),
            birth_date=self.noisy_birth(p, prof),
            sex=sex,
            phone=phone,
            address=address,
            community=community,
        )


def generate(people: int = 500_000, seed: int = 20240601) -> Dataset:
    """``people`` residents, 2 × ``people`` records across the four extracts."""
    g = _Generator(seed)
    persons = g.people(people)
    rng = g.rng
    counts = [round(people * share) for _, share in RECORDS_PER_PERSON]
    counts[0] += people - sum(counts)
    ks = [k for (k, _), c in zip(RECORDS_PER_PERSON, counts, strict=True) for _ in range(c)]
    rng.shuffle(ks)
    records: list[LinkRecord] = []
    truth: list[int] = []
    departments: list[str] = []
    serial = dict.fromkeys(DEPARTMENTS, 0)
    for idx, (p, k) in enumerate(zip(persons, ks, strict=True)):
        chosen: list[str] = []
        while len(chosen) < k:
            d = rng.choices(DEPARTMENTS, DEPT_WEIGHTS)[0]
            if d not in chosen:
                chosen.append(d)
        for d in chosen:
            serial[d] += 1
            records.append(g.record(f"{d}-{serial[d]:07d}", p, d))
            truth.append(idx)
            departments.append(d)
    order = list(range(len(records)))
    rng.shuffle(order)
    return Dataset(
        records=[records[i] for i in order],
        truth=[truth[i] for i in order],
        department=[departments[i] for i in order],
        people=people,
    )
