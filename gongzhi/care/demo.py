"""The demo's elderly care in 军门社区: profiles for the elderly living alone and 80+, one-key call
devices with a call from this morning (one device taken back), two meal points with a month of
meals (one enrolment ended), home-care orders to the demo social organisation with service records
(most confirmed)."""

from __future__ import annotations

import datetime as dt
import random
import time

from django.utils import timezone


def demo_care(ctx) -> None:
    from gongzhi.core import clock
    from gongzhi.core.demo import COMMUNITY
    from gongzhi.core.models import RoleAssignment, User
    from gongzhi.organizations.models import Organization
    from gongzhi.registry.models import Person, PersonTag

    from . import services
    from .models import CareProfile, MealEnrolment, MealPoint

    started = time.perf_counter()
    if CareProfile.objects.filter(community_id=COMMUNITY).exists():
        ctx.out("  已有照护档案，跳过")
        return
    worker = User.objects.filter(username="community").first()
    if worker is None:
        ctx.out("  没有社区工作者账号，跳过")
        return
    rng = random.Random(ctx.seed)
    now = timezone.now()
    today = timezone.localdate()
    ids = (
        PersonTag.objects.filter(community_id=COMMUNITY, kind__in=("elderly_alone", "elderly_80"))
        .exclude(valid_to__lt=today)
        .values_list("person_id", flat=True)
        .distinct()
    )
    alone = set(
        PersonTag.objects.filter(community_id=COMMUNITY, kind="elderly_alone").values_list(
            "person_id", flat=True
        )
    )
    elders = sorted(
        Person.objects.filter(pk__in=ids, status="active", birth_date__isnull=False),
        key=lambda p: (p.pk not in alone, p.pk),
    )[:60]
    month_ago = now - dt.timedelta(days=30)
    profiles = []
    with clock.at(month_ago):
        for p in elders:
            try:
                prof = services.profile_create(
                    person=p,
                    by=worker,
                    living_alone=p.pk in alone,
                    care_level=rng.choice([0, 0, 0, 1, 1, 2, 3]),
                    assessed_on=month_ago.date(),
                )
            except Exception:  # noqa: BLE001 - a person too young for a profile is skipped
                continue
            profiles.append(prof)
            services.contact_add(
                profile=prof,
                by=worker,
                name=rng.choice(["林", "陈", "黄"]) + "女士",
                relation="女儿",
                phone=f"139{rng.randrange(10**8):08d}",
                consent=True,
                consent_by=rng.choice(["", "", "本人（电话确认）"]),  # "": the contact, in person
            )
        points = [
            MealPoint.objects.create(
                community_id=COMMUNITY,
                name="军门社区长者食堂",
                address="军门社区服务中心一楼",
                capacity=80,
                opening_days="1234567",
            ),
            MealPoint.objects.create(
                community_id=COMMUNITY, name="军门社区助餐点（南）", address="南门兜", capacity=40
            ),
        ]
        enrolments = [
            services.meal_enrol(profile=prof, point=rng.choice(points), by=worker) for prof in profiles[::3]
        ]
        devices = [
            services.device_install(profile=prof, serial=f"YJT{COMMUNITY[-6:]}{i:04d}", by=worker)
            for i, prof in enumerate([p for p in profiles if p.living_alone][:30])
        ]
    org = (
        Organization.objects.filter(region__code__startswith=ctx.district, kind="social_org")
        .order_by("pk")
        .first()
    )
    orders = []
    if org is not None:
        with clock.at(month_ago):
            # The elders the rules entitle (care.eligibility); most have an order, a few wait.
            for prof in profiles:
                entitled, _basis = services.profile_entitlement(prof)
                if entitled and rng.random() < 0.85:
                    hours = min(entitled, rng.choice([8, 12, 20, 30]))
                    orders.append(
                        services.order_create(profile=prof, provider=org, hours_per_month=hours, by=worker)
                    )
        staff = (
            RoleAssignment.objects.filter(role="social_org_staff", organization=org)
            .select_related("user")
            .first()
        )
        provider_user = staff.user if staff else worker
        for order in orders:
            for d in range(3, 30, 9):
                at = month_ago + dt.timedelta(days=d, hours=rng.randint(1, 6))
                with clock.at(at):
                    rec = services.record_add(
                        order=order,
                        by=provider_user,
                        minutes=rng.choice([60, 90, 120]),
                        content=rng.choice(["助浴", "助洁", "陪同就医", "康复护理"]),
                    )
                    if rng.random() < 0.8:
                        services.record_confirm(record=rec, by=provider_user, confirmer="本人")
    meals = 0
    for day_back in range(14, 0, -1):
        day = today - dt.timedelta(days=day_back)
        with clock.at(now - dt.timedelta(days=day_back)):
            for e in enrolments:
                if rng.random() < 0.8:
                    services.meal_log(enrolment=e, by=worker, day=day)
                    meals += 1
    calls = 0
    for day_back in range(10, 0, -1):
        for device in rng.sample(devices, k=min(len(devices), 2)):
            at = now - dt.timedelta(days=day_back, hours=rng.randint(0, 8))
            with clock.at(at):
                call = services.call_receive(serial=device.serial)
            with clock.at(at + dt.timedelta(minutes=rng.choice([1, 2, 3, 4, 8]))):
                services.call_answer(
                    call=call,
                    by=worker,
                    outcome=rng.choice(["visit", "false_alarm", "false_alarm", "demand"]),
                )
            calls += 1
    if devices:
        with clock.at(now - dt.timedelta(hours=1)):
            services.call_receive(serial=devices[0].serial)  # this morning's call, waiting to be answered
        calls += 1
    if len(devices) > 1:
        services.device_deactivate(device=devices[-1], by=worker)  # taken back; keeps its calls
    if len(enrolments) > 1:
        services.meal_end(enrolment=enrolments[-1], by=worker)  # moved away: meals kept, enrolment ended
    ctx.out(
        f"  {len(profiles)} 份照护档案，{len(devices)} 台一键通（{calls} 次呼叫），"
        f"{MealEnrolment.objects.filter(community_id=COMMUNITY).count()} 人助餐（{meals} 餐），"
        f"{len(orders)} 张购买服务工单，用时 {time.perf_counter() - started:.1f} 秒"
    )
