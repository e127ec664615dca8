"""Demo (order 90): 鼓楼区's lists, applications at every stage, the admitted catalogue with funds,
tasks in 军门社区's inbox (one unadmitted task refused, one waiting), hours spent."""

from __future__ import annotations

import datetime as dt
import time
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.db import transaction

from gongzhi.core import clock
from gongzhi.core.models import Region, RoleAssignment, User
from gongzhi.core.roles import Role
from gongzhi.demands.calendar import TZ

from . import services
from .listdata import list_items
from .models import Application, InboxTask, ListVersion

JUNMEN = "350102004001"
# Items the evaluation demo asks residents about (evaluation/demo.py): one residents dislike
# everywhere, one disliked in 军门社区 only.
DISLIKED_ITEM = "文明城市创建入户问卷调查"
VISITS_ITEM = "退役军人春节走访慰问"

# 一表通: the fields of the demo's forms; those with a figure are filled from the records.
JOBS_FORM = [
    {"name": "在册居民", "figure": "registry.residents", "unit": "人"},
    {"name": "残疾人", "figure": "registry.disabled", "unit": "人"},
    {"name": "低保对象", "figure": "registry.minimum_allowance", "unit": "人"},
    {"name": "登记失业人员", "figure": "", "unit": "人"},
    {"name": "本季度就业援助人次", "figure": "", "unit": "人次"},
]
NEEDY_FORM = [
    {"name": "户数", "figure": "registry.households", "unit": "户"},
    {"name": "在册居民", "figure": "registry.residents", "unit": "人"},
    {"name": "低保对象", "figure": "registry.minimum_allowance", "unit": "人"},
    {"name": "高龄老人（80 岁以上）", "figure": "registry.elderly_80", "unit": "人"},
    {"name": "独居老人", "figure": "registry.elderly_alone", "unit": "人"},
    {"name": "残疾人", "figure": "registry.disabled", "unit": "人"},
    {"name": "特困供养人员", "figure": "", "unit": "人"},
    {"name": "本季度临时救助人次", "figure": "", "unit": "人次"},
]


def _staff(username: str, display: str, role: str, *, region=None, department=None) -> User:
    user, created = User.objects.get_or_create(
        username=username,
        defaults={"display_name": display, "is_demo_account": False, "password": make_password(None)},
    )
    RoleAssignment.objects.get_or_create(user=user, role=role, region=region, department=department)
    return user


def _when(y, m, d, h=10) -> dt.datetime:
    return dt.datetime(y, m, d, h, 0, tzinfo=TZ)


@transaction.atomic
def demo_admission(ctx) -> None:
    started = time.perf_counter()
    _community_users.clear()  # users of an earlier run (another database) are not this run's
    district = Region.objects.get(code=ctx.district)
    if ListVersion.objects.filter(region=district).exists():
        ctx.out("  已有社区工作准入数据，跳过")
        return
    from gongzhi.registry.generate import departments_ensure

    depts = departments_ensure(district)
    reviewer = _staff("demo-admission-office", "区社区工作准入联席办", Role.DISTRICT_STAFF, region=district)
    staff = {
        k: _staff(f"demo-dept-{k}", f"{d.name}经办人", Role.DEPARTMENT_STAFF, department=d)
        for k, d in depts.items()
    }
    communities = list(
        Region.objects.filter(level=5, code__startswith=JUNMEN[:9])
        .order_by("code")
        .values_list("code", flat=True)
    )
    today = clock.now()
    year = today.year

    # The lists: version 1 published early last year, version 2 (adds two items) this year.
    items = list_items()
    with clock.at(_when(year - 1, 1, 15)):
        v1 = services.list_draft_open(region=district, by=reviewer)
        services.list_items_set(
            version=v1, items=[i for i in items if i["code"] not in ("XZ11", "FM08")], by=reviewer
        )
        services.list_publish(version=v1, by=reviewer, note="首次发布")
    with clock.at(_when(year, 1, 10)):
        v2 = services.list_draft_open(region=district, by=reviewer)
        services.list_items_set(version=v2, items=items, by=reviewer)
        services.list_publish(version=v2, by=reviewer, note="增列禁毒反诈协助事项与证明负面事项")

    def apply(key, when, **data):
        with clock.at(when):
            return services.application_create(department=depts[key], data=data, by=staff[key])

    def submit(app, when):
        with clock.at(when):
            return services.application_submit(application=app, by=staff_of(app))

    def decide(app, step, reason, when):
        with clock.at(when):
            return services.application_decide(application=app, step=step, reason=reason, by=reviewer)

    by_dept = {d.pk: staff[k] for k, d in depts.items()}

    def staff_of(app):
        return by_dept[app.department_id]

    last = year - 1
    admitted = [
        (
            "civil-affairs",
            "task",
            "高龄津贴对象年度资格认证入户核实",
            12,
            1500,
            "XZ02",
            "《福建省老年人权益保障条例》",
        ),
        ("veterans", "task", VISITS_ITEM, 6, 800, "XZ04", "《退役军人保障法》第六十条"),
        ("hrss", "form", "就业困难人员季度台账", 8, 1200, "XZ05", "《就业促进法》第五十二条"),
        ("health", "survey", "65 岁以上老年人健康体检动员", 10, 2000, "XZ07", "《基本医疗卫生与健康促进法》"),
        (
            "disabled-federation",
            "task",
            "残疾人基本服务状况和需求信息动态更新",
            16,
            2400,
            "XZ03",
            "《残疾人保障法》第九条",
        ),
        ("civil-affairs", "survey", DISLIKED_ITEM, 20, 500, "XZ12", "《全国文明城市测评体系》"),
    ]
    apps = []
    for i, (key, kind, title, hours, money, _code, basis) in enumerate(admitted):
        a = apply(
            key,
            _when(last, 2, 3 + i),
            kind=kind,
            title=title,
            description=title,
            communities=communities,
            period_start=dt.date(last, 4, 1),
            period_end=dt.date(last, 12, 31),
            hours_per_community=hours,
            funding_per_community=money,
            materials="",
            legal_basis=basis,
            form_fields=JOBS_FORM if kind == "form" else [],
            report_every="quarter" if kind == "form" else "once",
        )
        submit(a, _when(last, 2, 3 + i, 11))
        if i == 2:  # one went back for changes first
            decide(a, "request_changes", "请写明报表字段中哪些可从居民信息库自动生成", _when(last, 2, 14))
            with clock.at(_when(last, 2, 16)):
                services.application_submit(
                    application=a,
                    by=staff_of(a),
                    changes={"description": "字段 7 项，其中 5 项由居民信息库生成"},
                )
        decide(a, "approve", "符合协助政府工作事项清单，经费随事转移到位", _when(last, 2, 24))
        apps.append(a)
    refused = apply(
        "health",
        _when(last, 5, 6),
        kind="campaign",
        title="“健康社区”创建达标评比",
        description="",
        communities=communities,
        period_start=dt.date(last, 7, 1),
        period_end=dt.date(last, 12, 31),
        hours_per_community=40,
        funding_per_community=0,
        materials="宣传展板 2 块",
        legal_basis="市爱卫办通知",
    )
    submit(refused, _when(last, 5, 6, 11))
    decide(refused, "refuse", "创建达标评比未列入清单且无经费随转，属负面清单 FM04", _when(last, 5, 20))
    # Withdrawn after poor evaluations (自贡: tasks residents dislike can be withdrawn).
    decide(apps[2], "withdraw", "双评议中社区对该报表评价差，撤出目录，改由系统自动生成", _when(year, 1, 20))
    # Under review now: a department application waiting for the joint office.
    pending = apply(
        "civil-affairs",
        today - dt.timedelta(days=3),
        kind="form",
        title="困难群众基本情况统计表（一表通）",
        description="按季度报送辖区困难群众基本情况，字段大部分可由居民信息库自动生成",
        communities=communities,
        period_start=(today + dt.timedelta(days=70)).date(),
        period_end=(today + dt.timedelta(days=435)).date(),
        hours_per_community=4,
        funding_per_community=600,
        materials="",
        legal_basis="《社会救助暂行办法》第五十条",
        form_fields=NEEDY_FORM,
        report_every="quarter",
    )
    with clock.at(today - dt.timedelta(days=2)):
        services.application_submit(application=pending, by=staff_of(pending))
    # This year's admitted form (一表通), applied for last autumn; 军门社区 has sent this quarter's.
    needy = apply(
        "civil-affairs",
        _when(last, 11, 3),
        kind="form",
        title="老年人和困难群众基本情况季度统计表",
        description="按季度报送，8 项字段中 6 项由居民信息库生成",
        communities=communities,
        period_start=dt.date(year, 1, 1),
        period_end=dt.date(year, 12, 31),
        hours_per_community=2,
        funding_per_community=400,
        materials="",
        legal_basis="《社会救助暂行办法》第五十条",
        form_fields=NEEDY_FORM,
        report_every="quarter",
    )
    submit(needy, _when(last, 11, 3, 11))
    decide(needy, "approve", "一表通：字段大部分由系统生成，社区只填 2 项", _when(last, 11, 24))

    # Hours the communities spent on last year's admitted tasks (bulk by service).
    n_hours = 0
    for t in InboxTask.objects.filter(application__in=apps).order_by("pk"):
        assert t.application is not None  # filtered on application__in
        planned = t.application.hours_per_community
        spent = (planned * Decimal(str(0.8 + (t.pk % 7) / 10))).quantize(Decimal("0.1"))
        with clock.at(_when(last, 11, 20)):
            services.task_hours_record(
                task=t, hours=spent, by=_community_user(t.community_id), note="年度登记"
            )
        n_hours += 1

    # Unadmitted tasks pushed down to 军门社区: one refused, two waiting.
    worker = User.objects.filter(username="community").first() or _staff(
        "demo-junmen-worker", "军门社区工作者", Role.COMMUNITY_WORKER, region=Region.objects.get(code=JUNMEN)
    )
    with clock.at(today - dt.timedelta(days=10)):
        t1 = services.task_send(
            title="填报辖区沿街商户消防台账（每周）",
            communities=[JUNMEN],
            by=staff["health"],
            department=depts["health"],
            deadline=(today + dt.timedelta(days=5)).date(),
        )[0]
    with clock.at(today - dt.timedelta(days=9)):
        services.task_refuse(task=t1, by=worker)
    with clock.at(today - dt.timedelta(days=2)):
        services.task_send(
            title="“文明楼道”创建评比材料报送",
            communities=[JUNMEN] + communities[1:3],
            by=staff["hrss"],
            department=depts["hrss"],
            deadline=(today + dt.timedelta(days=7)).date(),
        )
        services.task_send(
            title="协助开展 65 岁以上老年人体检通知",
            communities=[JUNMEN],
            by=staff["health"],
            department=depts["health"],
            application=apps[3],
            deadline=dt.date(year, 12, 31),
        )
    from .reports import report_periods, report_submit

    needy_task = InboxTask.objects.get(application=needy, community_id=JUNMEN)
    report = report_submit(
        task=needy_task,
        period=report_periods(needy)[-1],
        typed={"特困供养人员": "3", "本季度临时救助人次": "5"},
        by=worker,
    )
    # A certificate issued by 军门社区 for one of its residents, and verified.
    from gongzhi.registry.selectors import person_queryset

    from .certificates import certificate_issue, certificate_verify

    resident = person_queryset(user=worker).filter(dwelling__isnull=False).order_by("pk").first()
    cert_code = ""
    if resident is not None:
        with clock.at(today - dt.timedelta(days=1)):
            cert = certificate_issue(person_id=resident.pk, kind="residence", by=worker, note="子女入学")
        cert_code = certificate_verify(code=cert.code).code
    ctx.out(
        f"  证明验证码 {cert_code or '（无居民，未出具）'}；清单 2 版（{len(items)} 项），准入申请 {Application.objects.filter(region=district).count()} 件"
        f"（1 件审核中），{len(communities)} 个社区收到任务，工时登记 {n_hours} 条，"
        f"军门社区拒绝未准入任务 1 件，一表通报表 {report.from_records} 项自动生成、{report.typed} 项手填"
        f"（{time.perf_counter() - started:.1f} 秒）"
    )


_community_users: dict[str, User] = {}


def _community_user(code: str) -> User:
    if code not in _community_users:
        _community_users[code] = _staff(
            f"demo-cw-{code}", "社区工作者", Role.COMMUNITY_WORKER, region=Region.objects.get(code=code)
        )
    return _community_users[code]
