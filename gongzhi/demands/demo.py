"""Demo history: six months of demands for a district, through the real lifecycle services.

`demands_history_generate(district, n=3000, months=6, seed=…)` plans each demand's life
(channel, text, place, who handles it, how fast, how the resident rates it) from a seeded
random generator and then lives it step by step through `services.py` — create → classify →
dispatch → sign for → (return, extension, reminder, supervision) → reply → call-back or the
resident's own rating → (reopen) → close — with the clock set to each step's moment. The
services read the time from `gongzhi.core.clock.now()`, so the generator sets that clock for its
own context while it runs (never Django's `timezone.now` for the whole process); every event,
deadline and rate is then
what the services themselves computed. A step planned after the real "now" is not taken, so
recent demands are left open where their lives have got to, and a few lives are planned to
stop early (waiting for dispatch, for signing, for a return decision, for an extension, for
the call-back; overdue) — several in 军门社区, where the demo accounts work.

Texts come from the synthetic hotline corpus (`corpus.py`), places from the district's
generated estates and buildings; a few recurring problems are planted in the last weeks so
the hot-issues page has clusters, and one older cluster has already become a proactive task
(未诉先办). Deterministic for a seed (except the tracking codes, which are always random);
skipped when the district already has demands.

Handlers: the demo accounts where they fit (军门社区, 东街街道, 鼓楼区, 鼓楼区民政局), and for the
other units one staff account each, created here without a usable password (username
`demo-staff-…`); intake, dispatch, call-back and closing by the district's 12345 operator
(`demo-staff-hotline`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import math
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count
from django.test.utils import override_settings

from gongzhi.core import clock
from gongzhi.core.clock import SettableClock
from gongzhi.core.errors import ApplicationError
from gongzhi.core.models import Region, RegionLevel, RoleAssignment, User
from gongzhi.core.roles import Role
from gongzhi.registry.models import Building, Estate

from . import calendar, services
from .corpus import hotline_demand, topic
from .hotissues import hot_issue_task_create
from .models import (
    Category,
    Channel,
    Demand,
    DemandState,
    HandlingLevel,
    HandlingUnit,
    Notification,
    ResolutionKind,
    Satisfaction,
)
from .units import handling_departments
from .workflow import MAX_REOPENS

logger = logging.getLogger(__name__)

# The demo accounts (gongzhi.core.demo) and what they handle here.
DEMO_COMMUNITY = "350102004001"  # 军门社区
DEMO_STREET = "350102004"  # 东街街道

# corpus topic → (category code, weight on the hotline)
TOPICS: dict[str, tuple[str, float]] = {
    "lift": ("property-public-repair", 6),
    "property_fee": ("property-fees", 4),
    "water_leak": ("property-leaks", 6),
    "construction_noise": ("env-noise", 6),
    "air_smell": ("env-air", 3),
    "garbage": ("env-garbage", 6),
    "road_damage": ("urban-road-damage", 4),
    "illegal_building": ("urban-illegal-building", 3),
    "street_light": ("urban-street-lights", 3),
    "parking": ("traffic-parking", 6),
    "bus": ("traffic-bus", 2),
    "traffic_signal": ("urban-road-damage", 1),
    "school": ("edu-enrolment", 2),
    "sports": ("edu-sports", 2),
    "wages": ("labour-wages", 3),
    "pension": ("labour-insurance", 3),
    "consumer": ("commerce-prepaid", 3),
    "street_vendor": ("commerce-stalls", 4),
    "health": ("health-clinic", 2),
    "birth": ("health-family", 1),
    "elderly": ("labour-elderly", 4),
    "certificate": ("community-certificates", 3),
    "security": ("security-rental", 3),
    "neighbour_noise": ("community-neighbours", 5),
}
# Some topics are filed under another category now and then (as operators do).
ALTERNATIVE_CATEGORY = {
    "elderly": "labour-subsistence",
    "neighbour_noise": "env-noise",
    "lift": "urban-elevator",
}

CHANNELS = [
    (Channel.HOTLINE, 52),
    (Channel.APP, 17),
    (Channel.WEB, 11),
    (Channel.GRID_VISIT, 9),
    (Channel.WALK_IN, 6),
    (Channel.OPEN311, 5),
]
# Calls by the hour of the day (hotline peaks in the morning and the early afternoon).
HOURS = [1, 0.6, 0.3, 0.2, 0.2, 0.4, 1, 3, 6, 9, 10, 9, 7, 7, 9, 9, 8, 7, 6, 6, 5, 4, 3, 2]

FIXES = {
    "lift": "电梯维保单位已到场检修并更换故障部件，电梯已恢复运行",
    "property_fee": "已约谈物业公司，核对收费标准并在小区公示收费明细",
    "water_leak": "已协调物业和相关住户排查渗漏点，完成防水维修",
    "construction_noise": "已约谈施工单位，督促其严格遵守夜间施工时间规定",
    "air_smell": "已联合执法人员现场检查，责令商户加装油烟净化设施",
    "garbage": "已安排环卫作业单位清运积存垃圾，并增加清运频次",
    "road_damage": "已安排养护单位修补破损路面和井盖",
    "illegal_building": "经现场核查，已责令当事人限期自行拆除违建部分",
    "street_light": "已通知路灯管理单位更换损坏灯具，路灯恢复照明",
    "parking": "已协调交警和物业加强巡查，清理乱停车辆并施划停车位",
    "bus": "已将线路优化建议转交公交公司研究，并向诉求人说明情况",
    "traffic_signal": "已联系交警部门检修信号灯并调整配时",
    "school": "已向诉求人解释入学政策和报名流程",
    "sports": "已安排维修健身器材，并延长场地开放时间",
    "wages": "已协调劳动保障监察约谈用人单位，督促其支付拖欠工资",
    "pension": "已向诉求人解释社保医保政策并指导线上办理",
    "consumer": "已转市场监管部门调查，督促商家为诉求人办理退款",
    "street_vendor": "已联合城管队员规范摊点经营，清理占道摊位",
    "health": "已协调社区卫生服务站调整排班，增加坐诊医生",
    "birth": "已核实情况，一次性告知办理材料和发放时间",
    "elderly": "已安排网格员上门探访，并联系志愿者提供助老服务",
    "certificate": "已向诉求人说明办理材料，实行一次性告知",
    "security": "已协调派出所加强夜间巡逻，并督促物业修复门禁",
    "neighbour_noise": "已上门协调当事双方，约定作息时间，噪音问题已缓解",
}
DELIBERATION = ("物业、业委会和居民代表", "相关住户和物业公司", "楼栋长和居民代表", "共建单位和居民代表")
SOCIAL_ORGS = ("社区邻里互助服务社", "社工服务站", "志愿者服务队", "居家养老服务中心")
RETURN_REASONS = (
    "经核实，该诉求不属于本单位职责范围，请改派。",
    "诉求地点不在本辖区，请核实后改派。",
    "该事项应由职能部门依法处理，申请退回。",
)
EXTENSION_REASONS = (
    "需协调多个部门联合处理，申请延期。",
    "维修配件需要订购，到货后施工。",
    "涉及业主共同决议，需召开业主大会表决。",
    "需等待天气好转后施工。",
)
SUPERVISION_NOTES = ("已超过办理时限，请立即办理并报告进展。", "居民再次来电催促，请尽快办结。")
REMIND_NOTES = ("即将到期，请抓紧办理。", "请关注办理进度，按时答复。")
UNSATISFIED_NOTES = ("诉求人表示问题仍未解决。", "诉求人对处理结果不满意。", "诉求人称现场未见整改。")
FORCE_CLOSE_NOTE = "经核实已按政策答复，诉求人期望超出政策范围，予以办结。"
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢"
)

STAFF_PASSWORD_NOTE = "demo-staff-"  # prefix of the accounts made here (no usable password)


@dataclass
class HistoryReport:
    created: int = 0
    states: Counter = field(default_factory=Counter)
    overdue: int = 0
    proactive: int = 0
    refused: int = 0  # planned steps a service refused (none expected)
    seconds: float = 0.0
    skipped: bool = False


@dataclass
class _Spec:
    """One demand's planned life."""

    at: dt.datetime
    topic: str
    community: Region
    channel: str
    estate: Estate | None = None
    building: Building | None = None
    problem: str | None = None  # pin the phrasing (hot-issue clusters)
    category: str | None = None  # override the topic's category
    stop: str | None = None  # leave the demand in this state (planted for the demo accounts)
    fast: bool = False  # short delays (planted lives that must get far before "now")
    late: bool | None = None  # reply after the deadline
    stall: bool = False  # not replied for weeks (open and overdue now)
    misroute: bool = False  # dispatched to the wrong unit first, which returns it
    refuse_return: bool = False
    extension: bool | None = None
    supervise: bool = True  # when late
    satisfaction: str | None = None
    by_resident: bool = False  # submitted by the demo resident account
    task_of: list[int] | None = None  # a proactive task made from these specs (indices)
    index: int = -1
    demand_id: int | None = None


class _Stop(Exception):
    """The next step would be after now (or the life is planned to stop here)."""


@contextlib.contextmanager
def _unit_members_cached():
    """notify_event asks for a unit's members on every step; while generating they do not change."""
    from . import units

    real, cache = units.unit_members, {}

    class _Ids:
        def __init__(self, ids):
            self.ids = ids

        def values_list(self, *_fields, flat=False):
            return self.ids

    def cached(unit):
        if unit.id not in cache:
            cache[unit.id] = list(real(unit).values_list("id", flat=True))
        return _Ids(cache[unit.id])

    units.unit_members = cached
    try:
        yield
    finally:
        units.unit_members = real


def demands_history_generate(
    district: Region,
    *,
    n: int = 3000,
    months: int = 6,
    seed: int = 2024,
    now: dt.datetime | None = None,
    progress: Callable[[str], None] | None = None,
) -> HistoryReport:
    """Create about `n` demands over the past `months` months in `district` (see the module
    docstring). Returns what was made; does nothing when the district has demands already."""
    if Demand.objects.filter(community__code__startswith=district.code).exists():
        return HistoryReport(skipped=True)
    started = time.perf_counter()
    generator = _Generator(district, n=n, months=months, seed=seed, now=now or clock.now(), progress=progress)
    from .rates_rollup import rates_marks_deferred

    with rates_marks_deferred():  # the months of the history are marked once, at the end
        report = generator.run()
    report.seconds = time.perf_counter() - started
    return report


class _Generator:
    def __init__(self, district, *, n, months, seed, now, progress):
        self.district = district
        self.n = n
        self.now = now
        self.start = now - dt.timedelta(days=round(months * 30.44))
        self.last: dt.datetime = self.start
        self.rnd = random.Random(seed)
        self.say = progress or (lambda _m: None)
        self.report = HistoryReport()
        self.communities = list(
            Region.objects.filter(code__startswith=district.code, level=RegionLevel.COMMUNITY).order_by(
                "code"
            )
        )
        if not self.communities:
            raise ApplicationError("demo_no_communities", "该区没有社区，无法生成诉求。")
        self.by_code = {c.code: c for c in self.communities}
        self._places()
        self._units()
        self.categories = {c.code: c for c in Category.objects.filter(parent__isnull=False)}
        self._staff()

    # ----------------------------------------------------------------- reference data

    def _places(self) -> None:
        from gongzhi.registry.models import Building, Estate

        self.estates: dict[str, list] = {}
        for e in Estate.objects.filter(community__code__startswith=self.district.code).order_by("id"):
            self.estates.setdefault(e.community_id, []).append(e)
        self.buildings: dict[int, list] = {}
        for b in Building.objects.filter(community__code__startswith=self.district.code).order_by("id"):
            self.buildings.setdefault(b.estate_id, []).append(b)
        # Larger communities call more: weight by registered residents (at least 1).
        from django.db.models import Count

        from gongzhi.registry.models import Person

        people = dict(
            Person.objects.filter(community__code__startswith=self.district.code)
            .values_list("community")
            .annotate(n=Count("id"))
            .values_list("community", "n")
        )
        self.weights = [max(people.get(c.code, 0), 50) for c in self.communities]
        if DEMO_COMMUNITY in self.by_code:  # the demo accounts' community: a fuller history
            i = self.communities.index(self.by_code[DEMO_COMMUNITY])
            self.weights[i] = max(self.weights[i], sum(self.weights) // 25)

    def _units(self) -> None:
        self.region_unit = {
            u.region_id: u
            for u in HandlingUnit.objects.filter(
                region__code__startswith=self.district.code, department__isnull=True, active=True
            )
        }
        self.dept_unit: dict[str, HandlingUnit] = {}
        for u in (
            HandlingUnit.objects.filter(department__in=handling_departments(self.district.code), active=True)
            .select_related("department")
            .order_by("id")
        ):
            if u.department is not None:
                self.dept_unit.setdefault(u.department.kind, u)
        self.quality: dict[int, float] = {}  # how well each unit works (per unit, seeded)

    def _quality(self, unit: HandlingUnit) -> float:
        if unit.id not in self.quality:
            self.quality[unit.id] = max(-2.0, min(2.0, self.rnd.gauss(0, 1)))
        return self.quality[unit.id]

    def _staff(self) -> None:
        demo = {u.username: u for u in User.objects.filter(is_demo_account=True, is_active=True)}
        district = self.district
        self.hotline = self._account(
            "hotline", f"{district.name}12345热线话务员", Role.DISTRICT_STAFF, region=district
        )
        self.resident = demo.get("resident") if DEMO_COMMUNITY in self.by_code else None
        self.handlers: dict[int, User] = {}
        self.demo = demo

    def _account(self, key: str, name: str, role: str, *, region=None, department=None) -> User:
        user, created = User.objects.get_or_create(
            username=f"{STAFF_PASSWORD_NOTE}{key}", defaults={"display_name": name}
        )
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        RoleAssignment.objects.get_or_create(
            user=user, role=role, region=region, department=department, defaults={"active": True}
        )
        return user

    def handler(self, unit: HandlingUnit) -> User:
        """A member of `unit`: the demo account where there is one, else a staff account."""
        user = self.handlers.get(unit.id)
        if user is not None:
            return user
        demo = self.demo
        if unit.kind == HandlingLevel.COMMUNITY:
            user = demo.get("community") if unit.region_id == DEMO_COMMUNITY else None
            user = user or self._account(
                f"c{unit.region_id}", f"{unit.name}工作人员", Role.COMMUNITY_WORKER, region=unit.region
            )
        elif unit.kind == HandlingLevel.STREET:
            user = demo.get("street") if unit.region_id == DEMO_STREET else None
            user = user or self._account(
                f"s{unit.region_id}", f"{unit.name}工作人员", Role.STREET_STAFF, region=unit.region
            )
        elif unit.kind == HandlingLevel.DISTRICT:
            user = demo.get("district") or self._account(
                f"d{unit.region_id}", f"{unit.name}工作人员", Role.DISTRICT_STAFF, region=unit.region
            )
        else:
            department = unit.department
            assert department is not None  # a department's unit
            assigned = RoleAssignment.objects.filter(user=demo.get("department"), department=department)
            user = demo.get("department") if demo.get("department") and assigned.exists() else None
            user = user or self._account(
                f"p{department.code}",
                f"{department.name}工作人员",
                Role.DEPARTMENT_STAFF,
                department=department,
            )
        self.handlers[unit.id] = user
        return user

    def reviewer(self, unit: HandlingUnit) -> User:
        parent = self.unit_by_id(unit.parent_id) if unit.parent_id else unit
        return self.handler(parent)

    def unit_by_id(self, pk: int) -> HandlingUnit:
        for u in self.region_unit.values():
            if u.id == pk:
                return u
        return HandlingUnit.objects.get(pk=pk)

    def supervisor(self, community: Region) -> User:
        if self.rnd.random() < 0.7:
            return self.handler(self.region_unit[community.code[:9]])
        return self.hotline

    def right_unit(self, category: Category, community: Region) -> HandlingUnit:
        level = category.default_level
        if level == HandlingLevel.COMMUNITY:
            return self.region_unit[community.code]
        if level == HandlingLevel.STREET:
            return self.region_unit[community.code[:9]]
        if level == HandlingLevel.DEPARTMENT and category.department_kind in self.dept_unit:
            return self.dept_unit[category.department_kind]
        return self.region_unit[self.district.code]

    def wrong_unit(self, right: HandlingUnit, community: Region) -> HandlingUnit:
        if right.kind == HandlingLevel.COMMUNITY:
            return self.region_unit[community.code[:9]]
        return self.region_unit[community.code]

    # ----------------------------------------------------------------- planning

    def _moment(self, lo: dt.datetime, hi: dt.datetime) -> dt.datetime:
        """A time in [lo, hi): a day (weekends quieter), then an hour of the day as calls come."""
        lo_day, hi_day = calendar.local(lo).date(), calendar.local(hi).date()
        days = [lo_day + dt.timedelta(days=i) for i in range((hi_day - lo_day).days + 1)]
        for _attempt in range(20):
            day = self.rnd.choices(days, weights=[0.6 if d.weekday() >= 5 else 1.0 for d in days])[0]
            hour = self.rnd.choices(range(24), weights=HOURS)[0]
            at = dt.datetime.combine(day, dt.time(hour, self.rnd.randrange(60), self.rnd.randrange(60)))
            at = at.replace(tzinfo=calendar.TZ)
            if lo <= at < hi:
                return at
        return lo + (hi - lo) * self.rnd.random()

    def _place(self, community: Region):
        estates = self.estates.get(community.code) or []
        if not estates or self.rnd.random() < 0.15:
            return None, None
        estate = self.rnd.choice(estates)
        buildings = self.buildings.get(estate.id) or []
        building = self.rnd.choice(buildings) if buildings and self.rnd.random() < 0.8 else None
        return estate, building

    def _topic(self) -> str:
        names = list(TOPICS)
        return self.rnd.choices(names, weights=[TOPICS[t][1] for t in names])[0]

    def _channel(self) -> str:
        return self.rnd.choices([c for c, _w in CHANNELS], weights=[w for _c, w in CHANNELS])[0]

    def plan(self) -> list[_Spec]:
        specs: list[_Spec] = []
        specs += self._plan_demo_accounts()
        specs += self._plan_hot_issues()
        regular = max(self.n - len(specs), 0)
        recent = self.now - dt.timedelta(days=30)
        for _ in range(regular):
            community = self.rnd.choices(self.communities, weights=self.weights)[0]
            estate, building = self._place(community)
            channel = self._channel()
            name = self._topic()
            at = self._moment(self.start, self.now)
            spec = _Spec(
                at=at,
                topic=name,
                community=community,
                channel=channel,
                estate=estate,
                building=building,
                category=ALTERNATIVE_CATEGORY.get(name) if self.rnd.random() < 0.2 else None,
                # some get stuck: those of the last month are on the overdue board now
                stall=self.rnd.random() < (0.05 if at > recent else 0.015),
                by_resident=bool(
                    self.resident
                    and community.code == DEMO_COMMUNITY
                    and channel in (Channel.WEB, Channel.APP)
                    and self.rnd.random() < 0.3
                ),
            )
            specs.append(spec)
        specs.sort(key=lambda s: s.at)
        for i, s in enumerate(specs):
            s.index = i
        return specs

    def _plan_demo_accounts(self) -> list[_Spec]:
        """Work waiting for the demo accounts of 军门社区 / 东街街道 / 鼓楼区民政局 now."""
        junmen = self.by_code.get(DEMO_COMMUNITY)
        if junmen is None:
            return []
        now, hours = self.now, dt.timedelta(hours=1)
        estate, building = self._place(junmen)

        def spec(ago, name, stop, **kw):
            kw.setdefault("channel", Channel.HOTLINE)
            kw.setdefault("fast", True)
            place = (
                self._place(junmen) if "estate" not in kw else (kw.pop("estate"), kw.pop("building", None))
            )
            when = now - ago
            if ago >= dt.timedelta(days=1):  # in the day, as calls come
                when = calendar.local(when).replace(
                    hour=self.rnd.randint(8, 16), minute=self.rnd.randrange(60)
                )
            return _Spec(
                at=when,
                topic=name,
                community=junmen,
                estate=place[0],
                building=place[1],
                stop=stop,
                **kw,
            )

        resident = {"channel": Channel.APP, "by_resident": bool(self.resident)}
        out = [
            spec(40 * dt.timedelta(minutes=1), "garbage", "submitted"),
            spec(3 * hours, "elderly", "submitted", **resident),
            spec(2 * hours, "water_leak", "dispatched"),
            spec(26 * hours, "property_fee", "dispatched"),
            spec(50 * hours, "lift", "handling", estate=estate, building=building),
            spec(4 * 24 * hours, "elderly", "extension_pending", extension=True),
            spec(14 * 24 * hours, "neighbour_noise", "handling", late=True, stall=True),
            spec(10 * 24 * hours, "certificate", "handling", late=True, stall=True, supervise=False),
            spec(26 * hours, "construction_noise", "return_pending", misroute=True, category="env-noise"),
            spec(4 * 24 * hours, "water_leak", "replied", **resident),
            spec(3 * 24 * hours, "elderly", "replied"),
            spec(6 * 24 * hours, "property_fee", "called_back", satisfaction=Satisfaction.UNSATISFIED),
            # the street's own and the civil-affairs department's
            spec(12 * 24 * hours, "illegal_building", "handling", late=True, stall=True),
            spec(30 * hours, "elderly", "handling", category="labour-subsistence"),
        ]
        # the demo resident's history: rated and closed
        if self.resident:
            for k in range(5):
                out.append(
                    spec(
                        dt.timedelta(days=20 + 30 * k + self.rnd.randrange(10)),
                        self._topic(),
                        None,
                        fast=False,
                        **resident,
                    )
                )
        return out

    def _cluster(self, community, name, count, lo, hi, *, problem=None, estate=None, building=None):
        topic_ = topic(name)
        problem = problem or self.rnd.choice(topic_.problems)
        if estate is None:
            estates = self.estates.get(community.code) or []
            estate = estates[0] if estates else None
        if building is None and estate is not None:
            buildings = self.buildings.get(estate.id) or []
            building = buildings[0] if buildings else None
        return [
            _Spec(
                at=self._moment(lo, hi),
                topic=name,
                community=community,
                channel=self.rnd.choice([Channel.HOTLINE, Channel.HOTLINE, Channel.APP, Channel.WEB]),
                estate=estate,
                building=building,
                problem=problem,
            )
            for _ in range(count)
        ]

    def _plan_hot_issues(self) -> list[_Spec]:
        """Recurring problems in the last weeks (clusters for the hot-issues page), and an older
        one that has been turned into a proactive task."""
        now = self.now
        monday = dt.datetime.combine(
            calendar.local(now).date() - dt.timedelta(days=calendar.local(now).weekday()),
            dt.time(0, 0),
            tzinfo=calendar.TZ,
        )
        week_lo = monday if now - monday > dt.timedelta(hours=12) else now - dt.timedelta(days=3)
        week_hi = now - dt.timedelta(minutes=30)
        week = dt.timedelta(days=7)
        streets = sorted({c.code[:9] for c in self.communities})
        picks = []  # one community per street, away from the demo's own street first
        for street in [s for s in streets if s != DEMO_STREET] + [DEMO_STREET]:
            members = [c for c in self.communities if c.code.startswith(street) and self.estates.get(c.code)]
            if members:
                picks.append(members[len(members) // 2])
        out: list[_Spec] = []
        junmen = self.by_code.get(DEMO_COMMUNITY)
        if junmen is not None:
            out += self._cluster(junmen, "lift", 6, week_lo, week_hi)
            out += self._cluster(junmen, "lift", 2, week_lo - week, week_lo, problem=out[-1].problem)
        for community, name, count, earlier in zip(
            picks,
            ("garbage", "construction_noise", "parking", "street_vendor"),
            (5, 6, 4, 3),
            (0, 3, 0, 2),
            strict=False,
        ):
            cluster = self._cluster(community, name, count, week_lo, week_hi)
            out += cluster
            if earlier:  # raised the week before as well
                out += self._cluster(
                    community, name, earlier, week_lo - week, week_lo, problem=cluster[0].problem
                )
        # six weeks ago: street lights out at one estate, gathered into a proactive task
        if picks:
            community = picks[-1] if len(picks) > 1 else picks[0]
            lo = now - dt.timedelta(days=45)
            sources = self._cluster(community, "street_light", 5, lo, lo + dt.timedelta(days=4))
            out += sources
            task = _Spec(
                at=max(s.at for s in sources) + dt.timedelta(days=1, hours=2),
                topic="street_light",
                community=community,
                channel=Channel.PROACTIVE,
                estate=sources[0].estate,
                task_of=[id(s) for s in sources],
            )
            out.append(task)
        return out

    # ----------------------------------------------------------------- living

    def run(self) -> HistoryReport:
        specs = self.plan()
        by_identity = {id(s): s for s in specs}
        total = len(specs)
        self.say(
            f"  计划 {total} 件诉求（{calendar.local(self.start):%Y-%m-%d} 至 {calendar.local(self.now):%Y-%m-%d}）"
        )
        saved = list(services.SUGGESTERS)
        services.SUGGESTERS.clear()  # no model yet; suggestions are filled after training
        try:
            # no SMS for history, no query log (DEBUG), each unit's members looked up once
            with (
                SettableClock() as demo_clock,
                override_settings(GONGZHI_NOTIFY_BACKENDS=[], DEBUG=False),
                _unit_members_cached(),
            ):
                self.clock = demo_clock
                for begin in range(0, total, 200):
                    with transaction.atomic():
                        for spec in specs[begin : begin + 200]:
                            if spec.task_of is not None:
                                spec.task_of = [
                                    d for i in spec.task_of if (d := by_identity[i].demand_id) is not None
                                ]
                            self._live(spec)
                    done = min(begin + 200, total)
                    if done % 1000 == 0 or done == total:
                        self.say(f"  已生成 {done}/{total} 件诉求")
        finally:
            services.SUGGESTERS[:] = saved
        # what happened before the last few days has been read
        Notification.objects.filter(
            community__code__startswith=self.district.code,
            created_at__lt=self.now - dt.timedelta(days=3),
            read_at__isnull=True,
        ).update(read_at=self.now)
        rows = Demand.objects.filter(community__code__startswith=self.district.code)
        self.report.created = rows.count()
        self.report.states = Counter(
            dict(rows.order_by().values("state").annotate(c=Count("id")).values_list("state", "c"))
        )
        self.report.overdue = rows.filter(
            state__in=[DemandState.DISPATCHED, DemandState.HANDLING, DemandState.RETURN_PENDING],
            due_at__lt=self.now,
        ).count()
        self.report.proactive = rows.filter(channel=Channel.PROACTIVE).count()
        return self.report

    def _go(self, t: dt.datetime) -> dt.datetime:
        """Move the clock to `t` (never backwards within a life); stop when it is after now."""
        t = max(t, self.last + dt.timedelta(seconds=self.rnd.randint(20, 90)))
        if t >= self.now:
            raise _Stop
        self.last = t
        self.clock.set(t)
        return t

    def _working(self, t: dt.datetime, lo: float, hi: float, fast: tuple[int, int] = (5, 40)) -> dt.datetime:
        """`t` plus lo–hi working hours; for a planted life (which must get far before now even
        over a weekend) fast[0]–fast[1] minutes of clock time instead."""
        if self.fast:
            return t + dt.timedelta(minutes=self.rnd.uniform(*fast))
        return calendar.add_working_hours(t, self.rnd.uniform(lo, hi))

    def _daytime(self, t: dt.datetime, after: dt.datetime) -> dt.datetime:
        """Staff answer in the day: a late-evening or night moment moves back to the afternoon
        before (unless that is not after `after`)."""
        local = calendar.local(t)
        if 8 <= local.hour < 20:
            return t
        day = local.date() if local.hour >= 20 else local.date() - dt.timedelta(days=1)
        moved = dt.datetime.combine(
            day, dt.time(self.rnd.randint(14, 18), self.rnd.randrange(60)), tzinfo=calendar.TZ
        )
        return moved if moved > after else t

    def _live(self, spec: _Spec) -> None:
        self.last = spec.at - dt.timedelta(minutes=2)
        self.fast = spec.fast
        try:
            self._life(spec)
        except _Stop:
            pass
        except ApplicationError as exc:  # a planned step the services refused: count it, go on
            self.report.refused += 1
            if self.report.refused <= 5:
                logger.warning("demo history: %s refused: %s", spec, exc.message)

    def _intake_user(self, spec: _Spec):
        if spec.channel == Channel.HOTLINE:
            return self.hotline
        if spec.channel in (Channel.WALK_IN, Channel.GRID_VISIT):
            if (
                spec.channel == Channel.GRID_VISIT
                and spec.community.code == DEMO_COMMUNITY
                and "grid" in self.demo
            ):
                return self.demo["grid"]
            return self.handler(self.region_unit[spec.community.code])
        if spec.by_resident:
            return self.resident
        return None  # web, app, Open311: signed out, with a phone number

    def _create(self, spec: _Spec) -> Demand:
        t = self._go(spec.at)
        if spec.channel == Channel.PROACTIVE:
            street = self.handler(self.region_unit[spec.community.code[:9]])
            return hot_issue_task_create(
                by=street,
                demand_ids=spec.task_of or [],
                title=f"{spec.estate.name if spec.estate else spec.community.short_name}路灯集中检修",
                note="同一小区多名居民反映路灯不亮，街道统一组织检修。",
                at=t,
            )
        rnd = self.rnd
        text = hotline_demand(
            rnd,
            topic(spec.topic),
            estate=spec.estate.name if spec.estate else spec.community.short_name,
            building=spec.building.name if spec.building else None,
            at=t,
            problem=spec.problem,
        )
        by = self._intake_user(spec)
        contact_name = contact_phone = ""
        wants_contact = by is None or spec.channel in (Channel.HOTLINE, Channel.WALK_IN) or rnd.random() < 0.5
        if wants_contact and not spec.by_resident:
            contact_name = rnd.choice(SURNAMES) + rnd.choice(("先生", "女士"))
            contact_phone = "1" + rnd.choice("35789") + "".join(rnd.choice("0123456789") for _ in range(9))
        address, lat, lon = "", None, None
        if spec.estate is not None:
            if spec.building is None:  # a building shows itself (estate and name) on the pages
                address = spec.estate.address or spec.estate.name
            if spec.estate.latitude is not None and spec.channel in (Channel.APP, Channel.WEB):
                lat = spec.estate.latitude + rnd.uniform(-0.0004, 0.0004)
                lon = spec.estate.longitude + rnd.uniform(-0.0004, 0.0004)
        return services.demand_create(
            by=by,
            channel=spec.channel,
            title=text.title,
            body=text.body,
            community=spec.community,
            estate=spec.estate,
            building=spec.building,
            address=address,
            latitude=lat,
            longitude=lon,
            contact_name=contact_name,
            contact_phone=contact_phone,
            created_at=t,
            via_open311=spec.channel == Channel.OPEN311,  # the demo plays the Open311 endpoint
        )

    def _life(self, spec: _Spec) -> None:
        rnd = self.rnd
        demand = self._create(spec)
        spec.demand_id = demand.pk
        self.report.created += 1
        if spec.stop == "submitted":
            return
        category = self.categories[spec.category or TOPICS[spec.topic][0]]
        right = self.right_unit(category, spec.community)
        unit = self.wrong_unit(right, spec.community) if spec.misroute or rnd.random() < 0.03 else right
        # the 12345 centre reads it, sometimes classifies first, and dispatches
        urgent = category.time_limit == "urgent"
        t = demand.created_at
        if not urgent and rnd.random() < 0.2:
            t = self._go(t + dt.timedelta(minutes=rnd.randint(3, 40)))
            services.demand_classify(demand=demand, category=category, by=self.hotline)
        # the 12345 centre works round the clock; the units sign for it in their working hours
        minutes = (3, 25) if urgent or spec.fast else (10, 180)
        t = self._go(t + dt.timedelta(minutes=rnd.uniform(*minutes)))
        demand = services.demand_dispatch(
            demand=demand,
            unit=unit,
            by=self.hotline,
            category=category,
            note="请按时办理。" if urgent else "",
        )
        assert demand.dispatched_at and demand.return_deadline and demand.sign_deadline  # just dispatched
        if unit != right:  # the wrong unit returns it within the window; one level up decides
            window = demand.return_deadline - demand.dispatched_at
            if spec.fast:
                window = min(window, dt.timedelta(minutes=30))
            t = self._go(demand.dispatched_at + window * rnd.uniform(0.1, 0.8))
            services.demand_return(
                demand=demand, by=self.handler(unit), reason=rnd.choice(RETURN_REASONS), suggested_unit=right
            )
            if spec.stop == "return_pending":
                return
            refuse = spec.refuse_return or rnd.random() < 0.15
            t = self._go(self._working(t, 0.3, 4))
            demand = services.return_decide(
                demand=demand,
                by=self.reviewer(unit),
                accept=not refuse,
                note="属实，请改派。" if not refuse else "属本单位职责，请继续办理。",
            )
            if not refuse:
                t = self._go(self._working(t, 0.1, 1.5))
                demand = services.demand_dispatch(demand=demand, unit=right, by=self.hotline)
                unit = right
        if spec.stop == "dispatched":
            return
        quality = self._quality(unit)
        handler = self.handler(unit)
        # sign for: mostly within the limit
        if demand.state == DemandState.DISPATCHED:
            assert demand.dispatched_at and demand.sign_deadline
            span = demand.sign_deadline - demand.dispatched_at
            late = rnd.random() < 0.08 * math.exp(-0.6 * quality)
            if spec.fast:
                t = self._go(demand.dispatched_at + dt.timedelta(minutes=rnd.uniform(5, 25)))
            elif urgent:  # a clock-time limit: someone is on call
                extra = dt.timedelta(minutes=rnd.randint(10, 150)) if late else span * rnd.uniform(0.1, 0.9)
                t = self._go((demand.sign_deadline if late else demand.dispatched_at) + extra)
            else:  # in the unit's working hours (the limit is 2 of them)
                hours = rnd.uniform(2.2, 12) if late else rnd.uniform(0.05, 1.9)
                t = self._go(calendar.add_working_hours(demand.dispatched_at, hours))
            demand = services.demand_sign(demand=demand, by=handler)
        rounds = 0
        while True:
            demand = self._handle(spec, demand, unit, handler, quality, rounds)
            if spec.stop == "replied":
                return
            after = self._call_back(spec, demand, quality, rounds)
            if after is None:
                return
            demand = after
            rounds += 1

    def _handle(self, spec, demand, unit, handler, quality, rounds) -> Demand:
        """Handle until the reply (extension, reminder, supervision on the way)."""
        rnd = self.rnd
        start = self.last
        due = demand.due_at
        limit = demand.time_limit
        if (
            rounds == 0
            and limit in ("ordinary", "complex")
            and (spec.extension or (spec.extension is None and rnd.random() < 0.05))
        ):
            t = self._go(start + (due - start) * rnd.uniform(*((0.02, 0.1) if spec.fast else (0.3, 0.7))))
            services.extension_request(
                demand=demand,
                by=handler,
                reason=rnd.choice(EXTENSION_REASONS),
                working_days=rnd.randint(3, 10),
            )
            if spec.stop == "extension_pending":
                raise _Stop
            self._go(self._working(t, 0.5, 8))
            request = services.extension_decide(
                demand=demand, by=self.reviewer(unit), approve=rnd.random() < 0.85, note="同意。"
            )
            if request.new_due_at:
                due = request.new_due_at
        late = spec.late if spec.late is not None else rnd.random() < 0.07 * math.exp(-0.5 * quality)
        if rounds == 0 and not late and rnd.random() < 0.08 and self.last < due:
            t = self._go(self.last + (due - self.last) * rnd.uniform(0.5, 0.8))
            if t < due:
                services.demand_remind(
                    demand=demand, by=self.supervisor(spec.community), note=rnd.choice(REMIND_NOTES)
                )
        if late or spec.stall:
            over = (
                dt.timedelta(days=rnd.uniform(8, 30))
                if spec.stall
                else dt.timedelta(hours=rnd.uniform(2, 96))
            )
            reply_at = due + over
            if spec.supervise:
                self._go(due + min(over * rnd.uniform(0.2, 0.6), dt.timedelta(days=2)))
                services.demand_supervise(
                    demand=demand, by=self.supervisor(spec.community), note=rnd.choice(SUPERVISION_NOTES)
                )
        elif spec.fast:
            reply_at = self._daytime(self.last + dt.timedelta(hours=rnd.uniform(4, 30)), self.last)
        else:
            span = max(due - self.last, dt.timedelta(minutes=20))
            reply_at = self._daytime(self.last + span * rnd.uniform(0.1, 0.9), self.last)
        if spec.stop in ("handling", "extension_pending"):
            raise _Stop
        self._go(reply_at)
        kind = self._resolution_kind(unit, spec.community)
        return services.demand_reply(
            demand=demand, by=handler, reply=self._reply(spec, kind, unit), resolution_kind=kind
        )

    def _resolution_kind(self, unit: HandlingUnit, community: Region) -> str:
        """Yuhuatai's 622: about six in ten by deliberation, two by social organisations, two
        referred — varying by community, and mostly referrals for departments."""
        if unit.kind == HandlingLevel.DEPARTMENT:
            weights = (0.1, 0.1, 0.8)
        else:
            tilt = (int(community.code[-3:]) * 7919 % 21 - 10) / 100  # ±0.1 per community, stable
            weights = (0.6 + tilt, 0.2 - tilt / 2, 0.2 - tilt / 2)
            if unit.kind == HandlingLevel.DISTRICT:
                weights = (0.3, 0.15, 0.55)
        return self.rnd.choices(
            [ResolutionKind.DELIBERATION, ResolutionKind.SOCIAL_ORG, ResolutionKind.REFERRAL], weights=weights
        )[0]

    def _reply(self, spec: _Spec, kind: str, unit: HandlingUnit) -> str:
        fix = FIXES[spec.topic]
        if kind == ResolutionKind.DELIBERATION:
            leads: dict[str, str] = {HandlingLevel.STREET: "街道", HandlingLevel.DISTRICT: "区里"}
            lead = leads.get(unit.kind, "社区")
            text = f"{lead}牵头召集{self.rnd.choice(DELIBERATION)}协商，{fix}。"
        elif kind == ResolutionKind.SOCIAL_ORG:
            text = f"联系{self.rnd.choice(SOCIAL_ORGS)}提供服务，{fix}。"
        else:
            text = f"已转相关职能部门办理，{fix}。" if unit.kind != HandlingLevel.DEPARTMENT else f"{fix}。"
        return text + "已电话告知诉求人。"

    def _call_back(self, spec, demand, quality, rounds) -> Demand | None:
        """Call-back or the resident's rating, then close, or reopen (the reopened demand is
        returned; None when the life has ended)."""
        rnd = self.rnd
        replied = self.last
        p_unsat = max(0.02, 0.06 - 0.03 * quality + (0.08 if demand.is_overdue(replied) else 0))
        if rounds:
            p_unsat = 0.3
        if spec.satisfaction and rounds == 0:
            satisfaction = spec.satisfaction
        else:
            x = rnd.random()
            satisfaction = (
                Satisfaction.UNSATISFIED
                if x < p_unsat
                else Satisfaction.BASIC
                if x < p_unsat + 0.2
                else Satisfaction.SATISFIED
            )
        resolved = rnd.random() < {"satisfied": 0.97, "basic": 0.85, "unsatisfied": 0.2}[satisfaction]
        if satisfaction == Satisfaction.UNSATISFIED and spec.satisfaction:
            resolved = False
        note = rnd.choice(UNSATISFIED_NOTES) if satisfaction == Satisfaction.UNSATISFIED else ""
        self_rated = demand.submitted_by_id or (
            spec.channel in (Channel.WEB, Channel.APP) and demand.contact_phone_hash and rnd.random() < 0.5
        )
        if self_rated and rnd.random() < 0.6:
            self._go(replied + dt.timedelta(hours=rnd.uniform(1, 5 if spec.fast else 48)))
            demand = services.demand_rate(
                demand=demand,
                by=self.resident if demand.submitted_by_id else None,
                satisfaction=satisfaction,
                resolved=resolved,
                note=note,
                phone="" if demand.submitted_by_id else demand.contact_phone,
            )
        else:
            self._go(self._working(replied, 0.5, 14))
            demand = services.demand_callback(
                demand=demand, by=self.hotline, satisfaction=satisfaction, resolved=resolved, note=note
            )
        if spec.stop == "called_back":
            return None
        t = self.last
        if satisfaction == Satisfaction.UNSATISFIED or not resolved:
            if demand.reopen_count < MAX_REOPENS and rnd.random() < 0.65:
                self._go(self._working(t, 0.5, 4))
                return services.demand_reopen(demand=demand, by=self.hotline, note="诉求人不满意，重新办理。")
            self._go(self._working(t, 1, 12))
            services.demand_close(
                demand=demand, by=self.reviewer(demand.unit), note=FORCE_CLOSE_NOTE, force=True
            )
            return None
        self._go(self._working(t, 0.2, 8))
        services.demand_close(demand=demand, by=self.hotline)
        return None


def demo_suggestions_fill(district: Region) -> int:
    """After training: the classifier's suggestions for the demands waiting for dispatch."""
    from .classifier import demand_suggestion_fill

    waiting = Demand.objects.filter(
        community__code__startswith=district.code,
        state=DemandState.SUBMITTED,
        suggested_category__isnull=True,
    )
    n = 0
    for demand in waiting:
        demand_suggestion_fill(demand)
        n += 1
    return n
