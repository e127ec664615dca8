"""Councils and topics: services (each refusal changes nothing), referral, merge, decide, report-back,
the guard agreement test (allowed ⇔ service succeeds ⇔ button on the page), and the role matrix."""

from __future__ import annotations

import datetime as dt

import pytest

from gongzhi.core import clock
from gongzhi.core.errors import ApplicationError
from gongzhi.deliberation import resolution_services
from gongzhi.deliberation import services as s
from gongzhi.deliberation.eligibility import household_of
from gongzhi.deliberation.models import Notice, Topic, TopicState, TopicSupport
from gongzhi.deliberation.workflow import TOPIC
from gongzhi.demands.models import HandlingUnit

from .conftest import JUNMEN

pytestmark = pytest.mark.django_db


def _propose(council, by, title="楼道堆物清理"):
    return s.topic_propose(by=by, council=council, title=title, body="消防隐患")


def test_resident_proposes_and_households_support_to_the_threshold(council, make_resident):
    a, b = make_resident(), make_resident()
    topic = _propose(council, a)
    assert topic.origin == "resident" and topic.state == "proposed"
    s.topic_support(by=a, topic=topic)
    with pytest.raises(ApplicationError) as exc:
        s.topic_support(by=a, topic=topic)
    assert exc.value.code == "already_supported"
    assert TopicSupport.objects.filter(topic=topic).count() == 1
    topic = s.topic_support(by=b, topic=topic)
    assert topic.support_count == 2 and topic.state == "agenda"  # threshold 2


def test_same_household_supports_once_whoever_clicks(council, make_resident):
    a = make_resident()
    household = a.person.household_membership.household if hasattr(a.person, "household_membership") else None
    from gongzhi.registry.models import HouseholdMember

    household = HouseholdMember.objects.get(person=a.person).household
    b = make_resident(household=household)
    topic = _propose(council, a)
    s.topic_support(by=a, topic=topic)
    with pytest.raises(ApplicationError) as exc:
        s.topic_support(by=b, topic=topic)
    assert exc.value.code == "already_supported"
    assert Topic.objects.get(pk=topic.pk).support_count == 1


def test_resident_without_household_or_outside_is_refused(council, make_user, make_resident, other_community):
    lone = make_user("resident", JUNMEN)
    topic = _propose(council, make_resident())
    with pytest.raises(ApplicationError) as exc:
        s.topic_support(by=lone, topic=topic)
    assert exc.value.code == "no_household"
    outsider = make_resident(community=other_community.code)
    with pytest.raises(ApplicationError) as exc:
        s.topic_support(by=outsider, topic=topic)
    assert exc.value.status == 403
    assert Topic.objects.get(pk=topic.pk).support_count == 0


def test_empty_title_changes_nothing(council, staff):
    with pytest.raises(ApplicationError) as exc:
        s.topic_propose(by=staff, council=council, title="  ")
    assert exc.value.code == "title_required"
    assert not Topic.objects.exists()


def test_topic_from_demands_carries_households_and_report_back_reaches_them(council, staff, make_resident):
    from gongzhi.deliberation.selectors import households_behind
    from gongzhi.demands import services as ds

    raiser = make_resident()
    from gongzhi.registry.models import HouseholdMember

    relative = make_resident(household=HouseholdMember.objects.get(person=raiser.person).household)
    demand = ds.demand_create(
        by=staff, channel="hotline", title="电动车楼道充电", body="危险", community=council.community
    )
    type(demand).objects.filter(pk=demand.pk).update(person=raiser.person)
    topic = s.topic_propose(by=staff, council=council, title="充电桩", demand_ids=[demand.pk], hot_issue=True)
    assert topic.origin == "hot_issue" and households_behind(topic) == 1
    s.topic_agenda(by=staff, topic=topic)
    s.topic_decide(
        by=staff,
        topic=topic,
        outcome="deliberation",
        text="增设充电棚",
        owner="居委会",
        deadline=dt.date.today() + dt.timedelta(days=30),
    )
    s.resolution_progress(by=staff, topic=topic, text="选址完成", progress=50)
    with pytest.raises(ApplicationError):
        s.resolution_progress(by=staff, topic=topic, text="倒退", progress=20)
    s.resolution_report(by=staff, topic=topic, report="充电棚已建成")
    topic.refresh_from_db()
    assert topic.state == "closed" and topic.resolution.state == "done"
    recipients = set(Notice.objects.filter(topic=topic).values_list("recipient_id", flat=True))
    assert {raiser.pk, relative.pk} <= recipients


def test_resident_cannot_attach_demands(council, make_resident):
    with pytest.raises(ApplicationError) as exc:
        s.topic_propose(by=make_resident(), council=council, title="x", demand_ids=[1])
    assert exc.value.code == "demands_outside"


def test_referral_up_accept_and_return(councils, staff, street_user, make_user):
    street, council = councils
    topic = s.topic_propose(by=staff, council=council, title="跨社区停车")
    tomorrow = clock.now().date() + dt.timedelta(days=7)
    with pytest.raises(ApplicationError) as exc:
        s.topic_refer(by=staff, topic=topic, to_council=street, reason=" ", deadline=tomorrow)
    assert exc.value.code == "reason_required"
    with pytest.raises(ApplicationError) as exc:
        s.topic_refer(
            by=staff, topic=topic, to_council=street, reason="需街道协调", deadline=clock.now().date()
        )
    assert exc.value.code == "deadline_past"
    assert Topic.objects.get(pk=topic.pk).state == "proposed"
    s.topic_refer(by=staff, topic=topic, to_council=street, reason="需街道协调", deadline=tomorrow)
    topic.refresh_from_db()
    assert TOPIC.allowed(topic, staff) == []  # the community can no longer act on it
    assert "accept" in TOPIC.allowed(topic, street_user)
    with pytest.raises(ApplicationError):
        s.topic_referral_answer(by=street_user, topic=topic, accept=False, answer="")
    s.topic_referral_answer(by=street_user, topic=topic, accept=False, answer="属社区自治事项")
    topic.refresh_from_db()
    assert topic.state == "proposed" and topic.council_id == council.pk
    s.topic_refer(by=staff, topic=topic, to_council=street, reason="再次转介", deadline=tomorrow)
    s.topic_referral_answer(by=street_user, topic=topic, accept=True, answer="街道受理")
    topic.refresh_from_db()
    assert (
        topic.council_id == street.pk and topic.region_id == street.region_id and topic.community_id is None
    )


def test_merge_moves_demands(council, staff):
    a = s.topic_propose(by=staff, council=council, title="a")
    b = s.topic_propose(by=staff, council=council, title="b")
    with pytest.raises(ApplicationError):
        s.topic_merge(by=staff, topic=a, into=a)
    s.topic_merge(by=staff, topic=a, into=b)
    a.refresh_from_db()
    assert a.state == "merged" and a.merged_into_id == b.pk


def test_merge_moves_supporters_once_each_and_recounts(council, staff, make_resident):
    """Issue 10: the merged topic's supporting households support the kept topic, once each (a
    household that supported both counts once); the count is the distinct households; the merge
    and the new count are on both timelines; the threshold applies to the kept topic."""
    from gongzhi.deliberation.models import TopicEvent

    only_a, both = make_resident(), make_resident()
    a = s.topic_propose(by=staff, council=council, title="a")
    b = s.topic_propose(by=staff, council=council, title="b")
    s.topic_support(by=only_a, topic=a)
    s.topic_support(by=both, topic=b)
    s.topic_support(by=both, topic=a)
    a.refresh_from_db()
    a_supports = a.support_count
    b.refresh_from_db()
    assert b.support_count == 1 and b.state == "proposed"  # threshold 2
    s.topic_merge(by=staff, topic=a, into=b)
    b.refresh_from_db()
    rows = TopicSupport.objects.filter(topic=b)
    households = {household_of(u).pk for u in (only_a, both)}
    assert set(rows.values_list("household_id", flat=True)) == households
    assert rows.count() == 2 == b.support_count
    assert rows.get(user=only_a).household_id == household_of(only_a).pk
    assert b.state == "agenda"  # two households now: the council's threshold
    assert TopicSupport.objects.filter(topic=a).count() == 2  # the merged topic's record stays
    assert Topic.objects.get(pk=a.pk).support_count == a_supports
    kinds = list(TopicEvent.objects.filter(topic=b).values_list("kind", flat=True))
    assert "merged_in" in kinds and "supports" in kinds and kinds[-1] == "agenda"
    assert TopicEvent.objects.filter(topic=a, kind="merge").exists()
    # Merging a third topic whose only supporter already supports the kept one changes no count.
    c = s.topic_propose(by=staff, council=council, title="c")
    s.topic_support(by=both, topic=c)
    s.topic_merge(by=staff, topic=c, into=b)
    b.refresh_from_db()
    assert b.support_count == 2 == TopicSupport.objects.filter(topic=b).count()


# ------------------------------------------------------------------ guard agreement

STATES = ["proposed", "agenda", "referred", "decided", "closed", "merged", "rejected"]
ROLES = [
    ("resident", JUNMEN),
    ("community_worker", JUNMEN),
    ("street_staff", "350102004"),
    ("grid_worker", JUNMEN),
    ("community_worker", "OTHER"),
]


def _topic_in(state, councils, staff):
    street, council = councils
    t = s.topic_propose(by=staff, council=council, title=f"t-{state}")
    if state in ("agenda", "decided", "closed"):
        s.topic_agenda(by=staff, topic=t)
    if state in ("decided", "closed"):
        s.topic_decide(
            by=staff,
            topic=t,
            outcome="deliberation",
            text="x",
            owner="y",
            deadline=dt.date.today() + dt.timedelta(days=3),
        )
    if state == "closed":
        s.resolution_report(by=staff, topic=t, report="done")
    if state == "referred":
        s.topic_refer(
            by=staff,
            topic=t,
            to_council=street,
            reason="r",
            deadline=clock.now().date() + dt.timedelta(days=3),
        )
    if state == "merged":
        other = s.topic_propose(by=staff, council=council, title="other")
        s.topic_merge(by=staff, topic=t, into=other)
    if state == "rejected":
        s.topic_reject(by=staff, topic=t, reason="不属议事范围")
    t.refresh_from_db()
    return t


def _try(step, topic, user, councils):
    street, council = councils
    kw = {
        "agenda": lambda: s.topic_agenda(by=user, topic=topic),
        "refer": lambda: s.topic_refer(
            by=user,
            topic=topic,
            to_council=street,
            reason="r",
            deadline=clock.now().date() + dt.timedelta(days=3),
        ),
        "accept": lambda: s.topic_referral_answer(by=user, topic=topic, accept=True),
        "return": lambda: s.topic_referral_answer(by=user, topic=topic, accept=False, answer="no"),
        "reject": lambda: s.topic_reject(by=user, topic=topic, reason="x"),
        "decide": lambda: s.topic_decide(
            by=user, topic=topic, outcome="deliberation", text="x", owner="y", deadline=dt.date.today()
        ),
        "progress": lambda: s.resolution_progress(by=user, topic=topic, text="x", progress=60),
        "report": lambda: s.resolution_report(by=user, topic=topic, report="x"),
        "support": lambda: s.topic_support(by=user, topic=topic),
        "task": lambda: resolution_services.resolution_task_create(
            by=user,
            topic=topic,
            unit_id=HandlingUnit.objects.get(region_id=JUNMEN, kind="community").pk,
            category_code="property-leaks",
        ),
        "project": lambda: resolution_services.resolution_project_create(by=user, topic=topic, cost=1000),
    }[step]
    from django.db import transaction

    try:
        with transaction.atomic():
            kw()
            raise _Rollback()
    except _Rollback:
        return True
    except ApplicationError:
        return False


class _Rollback(Exception):
    pass


@pytest.mark.parametrize("state", STATES)
def test_guard_agreement(state, councils, staff, make_user, make_resident, client, other_community):
    from gongzhi.budgeting import services as bs
    from gongzhi.core.models import Region
    from gongzhi.demands.units import unit_for_region

    junmen = Region.objects.get(code=JUNMEN)
    unit_for_region(junmen)
    bs.round_create(by=staff, region=junmen, title="微实事", budget=10000)
    topic = _topic_in(state, councils, staff)
    users = [
        make_resident() if r == "resident" else make_user(r, other_community.code if c == "OTHER" else c)
        for r, c in ROLES
    ]
    for user in users:
        allowed = set(TOPIC.allowed(topic, user))
        client.force_login(user)
        page = client.get(f"/deliberation/topic/{topic.pk}/")
        html = page.content.decode() if page.status_code == 200 else ""
        api = client.get(f"/api/deliberation/topics/{topic.pk}/resolution")
        if api.status_code == 200:  # the API's allowed_actions: the same guard
            assert api.json()["allowed_actions"] == [x for x in ("task", "project") if x in allowed]
        for step in [
            "support",
            "agenda",
            "refer",
            "accept",
            "return",
            "reject",
            "decide",
            "progress",
            "report",
            "task",
            "project",
        ]:
            ok = _try(step, Topic.objects.get(pk=topic.pk), user, councils)
            assert ok == (step in allowed), (state, user, step)
            assert (f'data-action="{step}"' in html) == (step in allowed), (state, user, step)


# ------------------------------------------------------------------ role matrix (pages and API)


@pytest.mark.parametrize(
    "role,scope,council_page,topic_page,mine",
    [
        ("resident", JUNMEN, 200, 200, 200),
        ("grid_worker", JUNMEN, 200, 200, 200),
        ("community_worker", JUNMEN, 200, 200, 200),
        ("community_head", JUNMEN, 200, 200, 200),
        ("street_staff", "350102004", 200, 200, 200),
        ("district_staff", "350102", 200, 200, 200),
        ("community_worker", "OTHER", 404, 404, 200),
        ("resident", "OTHER", 404, 404, 200),
        ("department_staff", "350102", 404, 404, 403),
    ],
)
def test_role_matrix_pages(
    role, scope, council_page, topic_page, mine, council, staff, make_user, client, other_community
):
    topic = s.topic_propose(by=staff, council=council, title="矩阵")
    client.force_login(make_user(role, other_community.code if scope == "OTHER" else scope))
    assert client.get(f"/deliberation/council/{council.pk}/").status_code == council_page
    assert client.get(f"/deliberation/topic/{topic.pk}/").status_code == topic_page
    assert client.get(f"/deliberation/topic/{topic.pk}/support/").status_code == 405
    assert client.get("/deliberation/mine/").status_code == mine


def test_anonymous_is_sent_to_login(council, client):
    for url in [
        "/deliberation/",
        "/deliberation/mine/",
        f"/deliberation/council/{council.pk}/",
        "/deliberation/622/",
    ]:
        assert client.get(url).status_code == 302


@pytest.mark.parametrize(
    "role,scope,listed,get_topic,support",
    [
        ("community_worker", JUNMEN, 1, 200, 403),
        ("street_staff", "350102004", 2, 200, 403),
        ("community_worker", "OTHER", 0, 404, 404),
        ("grid_worker", JUNMEN, 1, 200, 403),
    ],
)
def test_role_matrix_api(
    role, scope, listed, get_topic, support, council, staff, make_user, client, other_community
):
    topic = s.topic_propose(by=staff, council=council, title="API")
    client.force_login(make_user(role, other_community.code if scope == "OTHER" else scope))
    r = client.get("/api/deliberation/councils")
    assert r.status_code == 200 and len(r.json()) == listed
    assert client.get(f"/api/deliberation/topics/{topic.pk}").status_code == get_topic
    assert client.post(f"/api/deliberation/topics/{topic.pk}/support").status_code == support


def test_api_resident_proposes_and_supports(council, make_resident, client):
    user = make_resident()
    client.force_login(user)
    r = client.post(
        f"/api/deliberation/councils/{council.pk}/topics",
        {"title": "加装电梯"},
        content_type="application/json",
    )
    assert r.status_code == 201 and r.json()["allowed_actions"] == ["support"]
    tid = r.json()["id"]
    r = client.post(f"/api/deliberation/topics/{tid}/support")
    assert r.status_code == 200 and r.json()["support_count"] == 1
    r = client.post(f"/api/deliberation/topics/{tid}/support")
    assert (
        r.status_code == 409 and r.json()["code"] == "wrong_state" or r.json()["code"] == "already_supported"
    )
    assert client.get("/api/deliberation/councils").json()[0]["name"] == "军门社区议事会"
    assert client.get("/api/deliberation/topics/999999").status_code == 404


def test_phone_page_support_button(council, staff, make_resident, client):
    topic = s.topic_propose(by=staff, council=council, title="垃圾分类")
    user = make_resident()
    client.force_login(user)
    page = client.get("/deliberation/mine/").content.decode()
    assert "垃圾分类" in page and "我家支持" in page
    r = client.post(f"/deliberation/topic/{topic.pk}/support/")
    assert r.status_code == 302
    assert Topic.objects.get(pk=topic.pk).support_count == 1
    r = client.post(f"/deliberation/council/{council.pk}/propose/", {"title": "", "body": ""})
    assert r.status_code == 200 and Topic.objects.count() == 1


def test_the_ledgers_622_figure_is_the_months_share_settled_by_deliberation(
    councils, council, staff, make_user
):
    """Hand-worked: in 2026-10 the community closed three demands (two by deliberation, one by
    referral) and one topic (by deliberation); a demand closed in September does not count. The
    share is 3 of 4, and the drill-down lists those three."""
    from gongzhi.core.models import Region
    from gongzhi.deliberation.figures import settled_622
    from gongzhi.demands.models import Demand
    from gongzhi.demands.units import unit_for_region
    from gongzhi.ledgers.figures import compute

    junmen = Region.objects.get(code=JUNMEN)
    unit = unit_for_region(junmen)
    oct_, sep = dt.datetime(2026, 10, 12, 10, tzinfo=dt.UTC), dt.datetime(2026, 9, 12, 10, tzinfo=dt.UTC)
    for title, kind, closed in [
        ("路灯", "deliberation", oct_),
        ("停车", "deliberation", oct_),
        ("低保", "referral", oct_),
        ("九月的", "deliberation", sep),
    ]:
        Demand.objects.create(
            community_id=JUNMEN,
            unit=unit,
            title=title,
            body="x",
            state="closed",
            resolution_kind=kind,
            closed_at=closed,
        )
    topic = s.topic_propose(by=staff, council=council, title="加装电梯")
    Topic.objects.filter(pk=topic.pk).update(state=TopicState.CLOSED, outcome="deliberation", closed_at=oct_)
    share = settled_622(user=staff, region=junmen, period="2026-10")
    assert share.number == 0.75 and share.records.count() == 3
    rows = share.records[:200]
    assert len(rows) == 3 and any("加装电梯" in r for r in rows) and not any("九月的" in r for r in rows)
    assert settled_622(user=staff, region=junmen, period="2026-08").number is None  # nothing closed
    v = compute(
        "deliberation.settled_622",
        user=make_user("district_staff", "350102"),
        region=junmen,
        period="2026-10",
    )
    assert (v.number, v.count, v.display) == (0.75, 3, "75.0%")
