"""A synthetic 12345-hotline corpus: demands as a resident would phrase them.

Used by the tests of the classifier and the hot-issue clustering, and by anyone who needs
realistic demand texts without real residents' data. Every text is generated from phrase
templates per topic (openers, the problem told in several ways, how long it has lasted,
what the caller asks for), with estates, buildings and times drawn from a seeded random
generator, so the same seed gives the same corpus.

Topics deliberately share words across categories (noise from a building site and noise
from a neighbour, water from a burst main and water from the flat upstairs), and a share
of the labels can be flipped to a neighbouring category, as operators do on real hotlines;
a classifier therefore cannot score perfectly on it.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from dataclasses import dataclass

ESTATES = [
    "阳光花园",
    "榕城新村",
    "金山苑",
    "三坊七巷小区",
    "华林公寓",
    "温泉佳园",
    "屏山新苑",
    "西湖豪庭",
    "东街口大院",
    "鼓西家园",
    "五一新村",
    "福马小区",
    "安泰公寓",
    "凤凰山庄",
    "江滨花园",
    "铜盘小区",
]
ROADS = ["五四路", "八一七北路", "杨桥路", "湖东路", "华林路", "鼓屏路", "东街", "白马路", "工业路", "古田路"]


@dataclass(frozen=True)
class Topic:
    code: str
    category: str  # the hotline's first-level category
    subcategory: str
    unit: str  # the handling unit a dispatcher would pick
    problems: tuple[str, ...]  # the problem told in several ways; {place} {road} {n} slots
    asks: tuple[str, ...]


TOPICS: tuple[Topic, ...] = (
    Topic(
        "lift",
        "物业管理",
        "电梯故障",
        "社区居委会",
        (
            "{place}的电梯又坏了，{n}天了还没人修",
            "{place}电梯经常停运，老人上下楼非常困难",
            "{place}的电梯运行时有异响，还突然下坠了一下，很吓人",
            "{place}电梯困人，物业半小时才来人",
            "{place}的电梯按钮失灵，年检标志也过期了",
        ),
        ("请督促物业尽快维修电梯", "希望物业给个维修时间", "要求对电梯进行安全检测"),
    ),
    Topic(
        "property_fee",
        "物业管理",
        "物业服务",
        "社区居委会",
        (
            "{place}物业费上涨了但服务越来越差",
            "{place}的物业公司不打扫楼道，垃圾堆了好几天",
            "{place}物业乱收停车费，没有公示收费依据",
            "{place}的保安经常不在岗，陌生人随便进出",
            "{place}物业不公开公共收益的账目",
        ),
        ("请社区协调物业整改", "希望有关部门监管一下物业", "要求物业公开收支"),
    ),
    Topic(
        "water_leak",
        "物业管理",
        "房屋漏水",
        "社区居委会",
        (
            "{place}楼上住户家里漏水，渗到我家天花板",
            "{place}外墙渗水，下雨天墙面全湿了",
            "{place}楼顶防水层坏了，顶楼住户家里漏雨",
            "{place}公共管道漏水，楼道里一直滴水",
        ),
        ("请协调楼上住户维修", "希望动用维修基金修缮", "请尽快派人查看漏水原因"),
    ),
    Topic(
        "construction_noise",
        "环境保护",
        "施工噪音",
        "区生态环境局",
        (
            "{road}旁边的工地晚上{hour}点还在施工，噪音很大",
            "{place}附近工地夜间打桩，吵得睡不着",
            "{road}的工程车半夜作业，机器轰鸣声影响休息",
            "{place}对面工地凌晨还在浇筑混凝土，声音很吵",
        ),
        ("请查处夜间违规施工", "希望限制施工时间", "请核查是否办理了夜间施工许可"),
    ),
    Topic(
        "air_smell",
        "环境保护",
        "废气异味",
        "区生态环境局",
        (
            "{road}的餐馆油烟直排，{place}住户不敢开窗",
            "{place}附近有工厂排放刺鼻气味，晚上尤其明显",
            "{road}有人露天焚烧垃圾，烟很大",
            "{place}旁边的汽修店喷漆，气味难闻",
        ),
        ("请环保部门来检测", "要求安装油烟净化设备", "请依法查处"),
    ),
    Topic(
        "garbage",
        "环境保护",
        "垃圾清运",
        "街道城管科",
        (
            "{place}门口的垃圾桶满了没人清运，臭味很大",
            "{road}路边有人乱倒建筑垃圾",
            "{place}垃圾分类亭长期没人管理，垃圾满地",
            "{road}的垃圾中转站清运不及时，污水横流",
        ),
        ("请安排及时清运", "希望加强环境卫生管理", "请查处乱倒垃圾的行为"),
    ),
    Topic(
        "road_damage",
        "城乡建设",
        "道路设施",
        "区住建局",
        (
            "{road}路面塌陷了一个大坑，电动车很容易摔倒",
            "{road}人行道的地砖松动翘起，下雨踩上去溅一身水",
            "{road}的井盖缺失，晚上很危险",
            "{road}路面积水严重，排水口堵塞",
        ),
        ("请尽快修复路面", "希望设置警示标志", "请疏通排水管道"),
    ),
    Topic(
        "illegal_building",
        "城乡建设",
        "违章建筑",
        "街道城管科",
        (
            "{place}顶楼有人私自加盖房子",
            "{place}一楼住户占用绿地搭建阳光房",
            "{place}有住户拆改承重墙，担心房屋安全",
            "{place}楼下商铺违规搭建雨棚占用公共通道",
        ),
        ("请城管依法拆除", "请查处违章搭建", "希望尽快核实处理"),
    ),
    Topic(
        "street_light",
        "城乡建设",
        "路灯照明",
        "区城管局",
        (
            "{road}的路灯坏了好几盏，晚上一片漆黑",
            "{place}门口的路灯一直不亮，晚上出行不安全",
            "{road}路灯白天也亮着，浪费电",
        ),
        ("请尽快维修路灯", "希望派人检修线路", "请恢复照明"),
    ),
    Topic(
        "parking",
        "交通运输",
        "乱停乱放",
        "区交警大队",
        (
            "{road}路边车辆乱停，把消防通道堵住了",
            "{place}门口经常有车占道停放，车辆进出困难",
            "{road}的共享单车堆满了人行道",
            "{road}有大货车长期违停，影响通行",
        ),
        ("请交警来处理违停", "希望增加巡查", "请清理占道车辆"),
    ),
    Topic(
        "bus",
        "交通运输",
        "公交出行",
        "区交通运输局",
        (
            "{road}的公交站取消了，附近居民出行很不方便",
            "{road}这趟公交车发车间隔太长，早高峰要等{n}十分钟",
            "{road}公交司机不按站停靠，乘客上不了车",
            "希望在{road}增设一个公交站点，{place}老人多",
        ),
        ("请优化公交线路", "希望增加班次", "请公交公司核实处理"),
    ),
    Topic(
        "traffic_signal",
        "交通运输",
        "交通设施",
        "区交警大队",
        (
            "{road}路口的红绿灯坏了，车辆乱成一团",
            "{road}的斑马线磨损看不清，学生过马路危险",
            "{road}路口绿灯时间太短，老人过不去",
        ),
        ("请尽快修复信号灯", "希望重新施划标线", "请调整信号配时"),
    ),
    Topic(
        "school",
        "教育文体",
        "入学教育",
        "区教育局",
        (
            "孩子今年上小学，{place}划片的学校离家太远",
            "{road}附近的培训机构收费后跑路了，学费退不回来",
            "咨询孩子转学需要准备哪些材料",
            "学校放学时间太早，双职工家庭接不了孩子",
        ),
        ("请教育局给个说法", "希望协调就近入学", "请告知办理流程"),
    ),
    Topic(
        "sports",
        "教育文体",
        "文体设施",
        "社区居委会",
        (
            "{place}的健身器材坏了，老人锻炼有危险",
            "{place}附近的篮球场晚上不开灯",
            "{road}的广场舞音响声音太大，影响{place}住户休息",
            "社区图书室一直关着门，希望开放",
        ),
        ("请更换健身器材", "希望合理安排开放时间", "请协调降低音量"),
    ),
    Topic(
        "wages",
        "劳动和社会保障",
        "欠薪维权",
        "区人社局",
        (
            "在{road}的工地干了{n}个月活，老板一直拖欠工资",
            "公司{n}个月没发工资，老板电话也打不通",
            "被单位辞退没有给经济补偿",
            "单位不给缴纳社保，要求补缴",
        ),
        ("请劳动监察介入", "希望帮忙讨回工资", "请依法处理"),
    ),
    Topic(
        "pension",
        "劳动和社会保障",
        "社保医保",
        "区人社局",
        (
            "咨询退休后养老金怎么领取",
            "医保异地报销一直办不下来",
            "灵活就业人员社保缴费基数怎么算",
            "老人的高龄补贴{n}个月没有到账",
        ),
        ("请告知办理流程", "希望尽快办理", "请核实原因"),
    ),
    Topic(
        "consumer",
        "商贸旅游",
        "消费维权",
        "区市场监管局",
        (
            "在{road}的超市买到过期食品，商家拒绝退换",
            "{road}一家健身房办了卡就关门了",
            "{road}的餐馆卫生很差，吃完拉肚子",
            "网上买的家电质量有问题，商家不给退货",
        ),
        ("请市场监管部门查处", "要求商家退款", "请依法维护消费者权益"),
    ),
    Topic(
        "street_vendor",
        "商贸旅游",
        "占道经营",
        "街道城管科",
        (
            "{road}有很多流动摊贩占道经营，晚上特别乱",
            "{place}门口的水果摊占用人行道",
            "{road}的夜市收摊后垃圾遍地",
            "{road}商铺把货物摆到店外占道",
        ),
        ("请城管加强管理", "希望规范摊点", "请清理占道经营"),
    ),
    Topic(
        "health",
        "卫生计生",
        "医疗卫生",
        "区卫健局",
        (
            "{place}附近的社区卫生服务站经常没有医生",
            "社区医院打疫苗要排{n}个小时的队",
            "{road}的诊所无证行医，担心安全",
            "家里老人想签约家庭医生不知道怎么办",
        ),
        ("请卫健部门核查", "希望增加医务人员", "请告知办理方式"),
    ),
    Topic(
        "birth",
        "卫生计生",
        "生育服务",
        "区卫健局",
        (
            "咨询生育登记需要什么材料",
            "二孩生育津贴一直没有发放",
            "独生子女父母奖励金{n}年没领到",
        ),
        ("请核实并发放", "请告知办理流程", "希望尽快处理"),
    ),
    Topic(
        "elderly",
        "社区服务",
        "养老助老",
        "社区居委会",
        (
            "{place}有独居老人好几天没出门了，担心出事",
            "{place}的老人食堂饭菜太贵，希望增加补贴",
            "希望社区给{place}高龄老人提供上门服务",
            "{place}的居家养老服务站经常不开门",
        ),
        ("请社区上门看看", "希望社区安排志愿者", "请协调解决"),
    ),
    Topic(
        "certificate",
        "社区服务",
        "证明办理",
        "社区居委会",
        (
            "去社区开居住证明，工作人员让我跑了{n}趟",
            "咨询在社区怎么办理居住证",
            "社区服务中心上班时间经常没人",
        ),
        ("请告知需要的材料", "希望简化办事流程", "请改进服务态度"),
    ),
    Topic(
        "security",
        "治安",
        "治安隐患",
        "区公安分局",
        (
            "{place}最近接连有电动车被偷",
            "{place}有人在楼道里给电动车充电，电线乱拉有火灾隐患",
            "{road}晚上有人聚集喝酒打架",
            "{place}的门禁坏了，外来人员随便进出，担心安全",
        ),
        ("请派出所加强巡逻", "请尽快处理消除隐患", "希望增加监控"),
    ),
    Topic(
        "neighbour_noise",
        "治安",
        "噪音扰民",
        "区公安分局",
        (
            "{place}楼上住户每天半夜{hour}点还在蹦跳拖椅子",
            "{place}有住户养狗整夜叫，严重影响休息",
            "{place}隔壁KTV声音太大，凌晨还在唱",
            "{place}楼下住户装修，周末一早就开始电钻",
        ),
        ("请派出所出警处理", "希望社区出面协调", "请制止扰民行为"),
    ),
)

OPENERS = (
    "",
    "您好，",
    "市民来电反映：",
    "来电人称，",
    "我是{estate}的住户，",
    "我住在{estate}，",
    "你好，我想反映一个问题，",
    "市民通过网站留言：",
)
DURATIONS = (
    "",
    "这个情况已经持续{n}天了，",
    "最近一周一直这样，",
    "之前反映过{n}次都没有解决，",
    "从上个月开始就这样，",
    "每天都是这样，",
)
CLOSERS = ("", "谢谢。", "麻烦尽快处理。", "多次反映未果，很着急。", "希望尽快给个答复。")


# How callers say the same thing differently; one variant is drawn per occurrence.
SYNONYMS = {
    "电梯": ("电梯", "升降梯", "电梯", "垂直电梯"),
    "坏了": ("坏了", "出故障了", "停了", "不能用了"),
    "噪音": ("噪音", "噪声", "声音", "动静"),
    "物业": ("物业", "物业公司", "物管", "物业"),
    "很大": ("很大", "特别大", "太大", "非常大"),
    "晚上": ("晚上", "夜里", "夜间", "晚上"),
    "希望": ("希望", "请求", "恳请", "盼望"),
    "请": ("请", "麻烦", "烦请", "请"),
    "老人": ("老人", "老年人", "老人家", "长辈"),
    "尽快": ("尽快", "赶紧", "早日", "马上"),
    "垃圾": ("垃圾", "垃圾", "生活垃圾", "废弃物"),
    "工资": ("工资", "工钱", "薪水", "工资"),
    "孩子": ("孩子", "小孩", "小孩子", "娃"),
    "经常": ("经常", "总是", "老是", "时常"),
    "不方便": ("不方便", "困难", "麻烦", "不便"),
    "影响": ("影响", "干扰", "打扰", "影响"),
    "处理": ("处理", "解决", "处置", "整治"),
}
_SYNONYM_RE = re.compile("|".join(sorted(SYNONYMS, key=len, reverse=True)))


def paraphrase(text: str, rnd: random.Random) -> str:
    return _SYNONYM_RE.sub(lambda m: rnd.choice(SYNONYMS[m.group(0)]), text)


@dataclass(frozen=True)
class HotlineDemand:
    title: str
    body: str
    category: str
    subcategory: str
    unit: str
    topic: str
    estate: str
    building: str
    created_at: dt.datetime

    @property
    def text(self) -> str:
        return f"{self.title}\n{self.body}"


def _fill(template: str, rnd: random.Random, estate: str, building: str) -> str:
    return template.format(
        place=rnd.choice(
            (f"{estate}{building}", estate, f"{estate}小区" if "小区" not in estate else estate)
        ),
        road=rnd.choice(ROADS),
        n=rnd.randint(2, 9),
        hour=rnd.choice(("十一", "十二", "一", "两")),
        estate=estate,
    )


def hotline_demand(
    rnd: random.Random,
    topic: Topic,
    *,
    estate: str | None = None,
    building: str | None = None,
    at: dt.datetime | None = None,
    problem: str | None = None,
) -> HotlineDemand:
    """One demand about `topic`; estate, building, time and the problem phrasing may be pinned."""
    estate = estate or rnd.choice(ESTATES)
    building = building or f"{rnd.randint(1, 30)}号楼"
    at = at or dt.datetime(2026, 3, 2, 8, tzinfo=dt.UTC) + dt.timedelta(minutes=rnd.randint(0, 60 * 24 * 56))
    problem_text = paraphrase(_fill(problem or rnd.choice(topic.problems), rnd, estate, building), rnd)
    body = (
        _fill(rnd.choice(OPENERS), rnd, estate, building)
        + problem_text
        + "，"
        + _fill(rnd.choice(DURATIONS), rnd, estate, building)
        + paraphrase(rnd.choice(topic.asks), rnd)
        + "。"
        + rnd.choice(CLOSERS)
    )
    title = problem_text if len(problem_text) <= 20 else problem_text[:18] + "…"
    return HotlineDemand(
        title=title,
        body=body,
        category=topic.category,
        subcategory=topic.subcategory,
        unit=topic.unit,
        topic=topic.code,
        estate=estate,
        building=building,
        created_at=at,
    )


def _neighbour(topic: Topic, rnd: random.Random) -> Topic:
    """A category an operator might confuse this one with: one that shares a word or a unit."""
    others = [
        t
        for t in TOPICS
        if t.category != topic.category
        and (t.unit == topic.unit or t.subcategory[-2:] == topic.subcategory[-2:])
    ]
    others = others or [t for t in TOPICS if t.category != topic.category]
    return rnd.choice(others)


def hotline_corpus(n: int, *, seed: int = 0, label_noise: float = 0.08) -> list[HotlineDemand]:
    """`n` demands over all topics (uneven shares, as on a real hotline); `label_noise` of labels flipped."""
    rnd = random.Random(seed)
    weights = [rnd.uniform(0.5, 2.0) for _ in TOPICS]
    out = []
    for _ in range(n):
        topic = rnd.choices(TOPICS, weights=weights)[0]
        demand = hotline_demand(rnd, topic)
        if rnd.random() < label_noise:
            wrong = _neighbour(topic, rnd)
            demand = HotlineDemand(**{**demand.__dict__, "category": wrong.category, "unit": wrong.unit})
        out.append(demand)
    return out


def topic(code: str) -> Topic:
    return next(t for t in TOPICS if t.code == code)
