"""Meetings: invitations per member, sign-in by a rotating code (and its QR link), quorum from the
members present, opinions and minutes approved by the chair and unchangeable afterwards; the guard
agreement (service ⇔ allowed ⇔ button) and the role matrix of the pages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.db import transaction

from gongzhi.core import clock
from gongzhi.core.errors import ApplicationError, PermissionDenied
from gongzhi.deliberation import meeting_services as ms
from gongzhi.deliberation import services as s
from gongzhi.deliberation.meetings import Attendance, Invitation, Meeting, Opinion
from gongzhi.deliberation.selectors import meeting_quorum
from gongzhi.deliberation.workflow import MEETING

from .conftest import JUNMEN

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


@pytest.fixture
def world(council, staff, make_user, make_resident):
    today = clock.now().date()
    term = {"term_start": today - dt.timedelta(days=100), "term_end": today + dt.timedelta(days=600)}
    chair = make_user("community_head", JUNMEN)
    by_account = make_resident()
    by_person = make_resident()
    observer_user = make_resident()
    add = s.council_member_add
    members = {
        "chair": add(by=staff, council=council, kind="rc", position="chair", name="主任", user=chair, **term),
        "account": add(by=staff, council=council, kind="resident_rep", name="甲", user=by_account, **term),
        "person": add(by=staff, council=council, kind="oc", name="乙", person=by_person.person, **term),
        "nobody": add(by=staff, council=council, kind="property", name="丙", **term),
        "observer": add(
            by=staff, council=council, kind="unit", position="observer", name="丁", user=observer_user, **term
        ),
        "former": add(
            by=staff,
            council=council,
            kind="resident_rep",
            name="戊",
            term_start=today - dt.timedelta(days=900),
            term_end=today - dt.timedelta(days=200),
        ),
    }
    return {
        "council": council,
        "staff": staff,
        "chair": chair,
        "by_account": by_account,
        "by_person": by_person,
        "observer": observer_user,
        "outsider": make_resident(),
        "members": members,
    }


def _schedule(w, minutes_ahead=30, **kw):
    topic = s.topic_propose(by=w["staff"], council=w["council"], title="楼道堆物")
    return ms.meeting_schedule(
        by=w["staff"],
        council=w["council"],
        title="第一次会议",
        starts_at=clock.now() + dt.timedelta(minutes=minutes_ahead),
        place=kw.pop("place", "党群服务中心"),
        topics=kw.pop("topics", [topic]),
        **kw,
    )


def test_schedule_invites_every_member_in_term(world):
    m = _schedule(world)
    inv = {i.member_id: i.user_id for i in Invitation.objects.filter(meeting=m)}
    mem = world["members"]
    assert set(inv) == {mem[k].pk for k in ("chair", "account", "person", "nobody", "observer")}
    assert inv[mem["chair"].pk] == world["chair"].pk
    assert inv[mem["person"].pk] == world["by_person"].pk  # reached through the member's person
    assert inv[mem["nobody"].pk] is None


@pytest.mark.parametrize(
    "kw,code",
    [
        ({"title": ""}, "meeting_title"),
        ({"starts_at": -1}, "meeting_in_past"),
        ({"place": "", "online_url": ""}, "meeting_place"),
        ({"place": "", "online_url": "javascript:alert(1)"}, "meeting_place"),
        ({"ends_at": -2}, "meeting_end_order"),
        ({"foreign_topic": True}, "agenda_topic"),
    ],
)
def test_bad_schedule_changes_nothing(world, councils, street_user, kw, code):
    street = councils[0]
    args = {
        "by": world["staff"],
        "council": world["council"],
        "title": "会议",
        "starts_at": clock.now() + dt.timedelta(hours=2),
        "place": "会议室",
    }
    if kw.pop("foreign_topic", False):
        args["topics"] = [s.topic_propose(by=street_user, council=street, title="街道议题")]
    if kw.get("starts_at") == -1:
        kw["starts_at"] = clock.now() - dt.timedelta(minutes=1)
    if kw.get("ends_at") == -2:
        kw["ends_at"] = args["starts_at"] - dt.timedelta(minutes=5)
    args.update(kw)
    with pytest.raises(ApplicationError) as exc:
        ms.meeting_schedule(**args)
    assert exc.value.code == code
    assert Meeting.objects.count() == 0 and Invitation.objects.count() == 0


def test_online_meeting_needs_no_room(world):
    m = _schedule(world, place="", online_url="https://meeting.example.cn/j/123")
    assert m.online_url and not m.place


def test_signin_code_rotates_and_expires(world):
    m = _schedule(world)
    t = clock.now()
    code = ms.signin_code(m, t)
    assert len(code) == 6 and code.isdigit()
    assert ms.signin_code_valid(m, code, t)
    assert ms.signin_code_valid(m, code, t + dt.timedelta(seconds=ms.CODE_PERIOD))  # just changed: still ok
    assert not ms.signin_code_valid(m, code, t + dt.timedelta(seconds=3 * ms.CODE_PERIOD))  # expired
    later = [ms.signin_code(m, t + dt.timedelta(seconds=k * ms.CODE_PERIOD)) for k in range(1, 6)]
    assert any(c != code for c in later)  # it rotates
    other = _schedule(world)  # another meeting has its own secret, so its own codes
    windows = [t + dt.timedelta(seconds=k * ms.CODE_PERIOD) for k in range(3)]
    assert [ms.signin_code(other, w) for w in windows] != [ms.signin_code(m, w) for w in windows]


def test_members_sign_in_once_by_code_others_refused(world):
    m = _schedule(world)
    staff = world["staff"]
    with pytest.raises(ApplicationError) as exc:  # not yet open
        ms.meeting_signin(by=world["by_account"], meeting=m, code=ms.signin_code(m))
    assert exc.value.code == "meeting_wrong_state"
    ms.meeting_signin_open(by=staff, meeting=m)
    with pytest.raises(ApplicationError) as exc:
        ms.meeting_signin(
            by=world["by_account"], meeting=m, code="000000" if ms.signin_code(m) != "000000" else "1"
        )
    assert exc.value.code == "bad_signin_code"
    assert Attendance.objects.count() == 0
    ms.meeting_signin(by=world["by_account"], meeting=m, code=ms.signin_code(m))
    ms.meeting_signin(by=world["by_person"], meeting=m, code=ms.signin_code(m), method="qr")
    with pytest.raises(ApplicationError) as exc:
        ms.meeting_signin(by=world["by_account"], meeting=m, code=ms.signin_code(m))
    assert exc.value.code == "already_signed_in"
    with pytest.raises(ApplicationError) as exc:
        ms.meeting_signin(by=world["outsider"], meeting=m, code=ms.signin_code(m))
    assert exc.value.code == "not_council_member"
    assert sorted(Attendance.objects.values_list("method", flat=True)) == ["code", "qr"]


def test_too_many_wrong_codes_pause_sign_in(world):
    m = _schedule(world)
    ms.meeting_signin_open(by=world["staff"], meeting=m)
    right = ms.signin_code(m)
    wrong = "999999" if right != "999999" else "888888"
    for _ in range(ms.MAX_BAD_CODES):
        with pytest.raises(ApplicationError):
            ms.meeting_signin(by=world["by_account"], meeting=m, code=wrong)
    with pytest.raises(ApplicationError) as exc:
        ms.meeting_signin(by=world["by_account"], meeting=m, code=right)
    assert exc.value.code == "signin_locked"
    ms.meeting_signin(by=world["by_person"], meeting=m, code=right)  # others are not affected


def test_sign_in_opens_an_hour_before(world):
    m = _schedule(world, minutes_ahead=180)
    with pytest.raises(ApplicationError) as exc:
        ms.meeting_signin_open(by=world["staff"], meeting=m)
    assert exc.value.code == "signin_too_early"
    ms.meeting_signin_open(by=world["staff"], meeting=m, at=m.starts_at - dt.timedelta(minutes=50))


@pytest.mark.parametrize(
    "rule,present,met",
    [
        ("half", ["chair", "account"], False),  # 2 of 4: not more than half
        ("half", ["chair", "account", "nobody"], True),
        ("half", ["chair", "account", "observer", "former"], False),  # 列席 and former members not counted
        ("two_thirds", ["chair", "account", "nobody"], True),  # 3 of 4 ≥ 2/3
        ("two_thirds", ["chair", "account"], False),
    ],
)
def test_quorum_from_members_present(world, rule, present, met):
    council = world["council"]
    council.quorum = rule
    council.save(update_fields=["quorum"])
    m = _schedule(world)
    ms.meeting_signin_open(by=world["staff"], meeting=m)
    ids = [world["members"][k].pk for k in present if k != "former"]
    ms.meeting_mark_present(by=world["staff"], meeting=m, member_ids=ids)
    q = meeting_quorum(Meeting.objects.select_related("council").get(pk=m.pk))
    assert q.members == 4
    assert q.met is met
    assert q.present == len(q.records) == len([k for k in present if k not in ("observer", "former")])
    assert {a.member_id for a in q.records} <= {world["members"][k].pk for k in present}


def test_staff_cannot_sign_in_a_former_member(world):
    m = _schedule(world)
    ms.meeting_signin_open(by=world["staff"], meeting=m)
    with pytest.raises(ApplicationError) as exc:
        ms.meeting_mark_present(by=world["staff"], meeting=m, member_ids=[world["members"]["former"].pk])
    assert exc.value.code == "members_required"
    assert Attendance.objects.count() == 0


def _held(w):
    m = _schedule(w)
    ms.meeting_signin_open(by=w["staff"], meeting=m)
    ms.meeting_mark_present(
        by=w["staff"], meeting=m, member_ids=[w["members"][k].pk for k in ("chair", "account", "nobody")]
    )
    topic = m.topics.first()
    ms.opinion_add(
        by=w["staff"], meeting=m, topic=topic, side="resident_rep", stance="support", text="支持清理"
    )
    ms.opinion_add(by=w["staff"], meeting=m, topic=topic, side="property", stance="suggest", text="提供车辆")
    return m


def test_minutes_approved_by_the_chair_then_unchangeable(world):
    m = _held(world)
    with pytest.raises(ApplicationError) as exc:
        ms.opinion_add(by=world["staff"], meeting=m, side="nobody", stance="support", text="x")
    assert exc.value.code == "opinion_side"
    ms.meeting_end(by=world["staff"], meeting=m)
    with pytest.raises(ApplicationError) as exc:  # nothing to approve yet
        ms.minutes_approve(by=world["chair"], meeting=m)
    assert exc.value.code == "minutes_required"
    ms.minutes_save(by=world["staff"], meeting=m, minutes="议定两周内清理完毕。")
    for who in ("staff", "by_account", "observer"):
        with pytest.raises(PermissionDenied):
            ms.minutes_approve(by=world[who], meeting=m)
    m = ms.minutes_approve(by=world["chair"], meeting=m)
    assert m.state == "approved" and m.minutes_digest == ms.minutes_digest(m)
    for attempt in (
        lambda: ms.minutes_save(by=world["staff"], meeting=m, minutes="改过"),
        lambda: ms.opinion_add(by=world["staff"], meeting=m, side="oc", stance="oppose", text="补一句"),
    ):
        with pytest.raises(ApplicationError) as exc:
            attempt()
        assert exc.value.code == "meeting_wrong_state"
    m.refresh_from_db()
    assert m.minutes == "议定两周内清理完毕。" and Opinion.objects.filter(meeting=m).count() == 2
    with pytest.raises(ValueError):  # opinions are append-only, even behind the services' back
        Opinion.objects.filter(meeting=m).update(text="x")


def test_cancel_needs_a_reason(world):
    m = _schedule(world)
    with pytest.raises(ApplicationError) as exc:
        ms.meeting_cancel(by=world["staff"], meeting=m, reason=" ")
    assert exc.value.code == "reason_required"
    assert ms.meeting_cancel(by=world["staff"], meeting=m, reason="台风").state == "cancelled"


# ------------------------------------------------------------------ guard agreement

STATES = ["scheduled", "signin", "ended", "approved", "cancelled"]


def _meeting_in(state, w):
    m = _schedule(w)
    if state == "cancelled":
        ms.meeting_cancel(by=w["staff"], meeting=m, reason="x")
    if state in ("signin", "ended", "approved"):
        ms.meeting_signin_open(by=w["staff"], meeting=m)
    if state in ("ended", "approved"):
        ms.minutes_save(by=w["staff"], meeting=m, minutes="纪要")
        ms.meeting_end(by=w["staff"], meeting=m)
    if state == "approved":
        ms.minutes_approve(by=w["chair"], meeting=m)
    return Meeting.objects.select_related("council").get(pk=m.pk)


class _Rollback(Exception):
    pass


def _try(step, meeting, user, w):
    call = {
        "open_signin": lambda: ms.meeting_signin_open(by=user, meeting=meeting),
        "signin": lambda: ms.meeting_signin(by=user, meeting=meeting, code=ms.signin_code(meeting)),
        "mark_present": lambda: ms.meeting_mark_present(
            by=user, meeting=meeting, member_ids=[w["members"]["nobody"].pk]
        ),
        "record": lambda: ms.opinion_add(by=user, meeting=meeting, side="oc", stance="support", text="x"),
        "end": lambda: ms.meeting_end(by=user, meeting=meeting),
        "approve": lambda: ms.minutes_approve(by=user, meeting=meeting),
        "cancel": lambda: ms.meeting_cancel(by=user, meeting=meeting, reason="x"),
    }[step]
    try:
        with transaction.atomic():
            call()
            raise _Rollback()
    except _Rollback:
        return True
    except ApplicationError:
        return False


@pytest.mark.parametrize("state", STATES)
def test_guard_agreement(state, world, make_user, client):
    meeting = _meeting_in(state, world)
    users = [
        world["staff"],
        world["chair"],
        world["by_account"],
        world["outsider"],
        make_user("grid_worker", JUNMEN),
    ]
    for user in users:
        allowed = set(MEETING.allowed(meeting, user))
        client.force_login(user)
        html = client.get(f"/deliberation/meeting/{meeting.pk}/").content.decode()
        for step in MEETING.steps:
            assert _try(step, meeting, user, world) == (step in allowed), (state, user, step)
            if step in ("signin",):
                continue  # signing in is on the member's phone page (test below)
            marker = f'data-action="{"door" if step == "mark_present" else step}"'
            assert (marker in html) == (step in allowed), (state, user, step)


def test_phone_sign_in_page_and_qr_link(world, client):
    m = _schedule(world)
    ms.meeting_signin_open(by=world["staff"], meeting=m)
    client.force_login(world["staff"])
    door = client.get(f"/deliberation/meeting/{m.pk}/door/")
    code = ms.signin_code(m)
    assert door.status_code == 200 and code in door.content.decode() and "<svg" in door.content.decode()
    assert f"/deliberation/signin/?m={m.pk}&amp;c={code}" in door.content.decode()
    fragment = client.get(f"/deliberation/meeting/{m.pk}/door/", HTTP_HX_REQUEST="true").content.decode()
    assert code in fragment and "<html" not in fragment
    client.force_login(world["by_account"])
    page = client.get(f"/deliberation/signin/?m={m.pk}&c={code}").content.decode()
    assert f'value="{code}"' in page and 'name="via" value="qr"' in page
    assert Attendance.objects.count() == 0  # a GET writes nothing
    r = client.post("/deliberation/signin/", {"meeting": m.pk, "code": code, "via": "qr"})
    assert r.status_code == 302
    assert Attendance.objects.get().method == "qr"
    assert "您已经签到了" in client.get("/deliberation/signin/").content.decode()
    client.force_login(world["outsider"])
    r = client.post("/deliberation/signin/", {"meeting": m.pk, "code": code}, follow=True)
    assert Attendance.objects.count() == 1 and "不是本议事会的成员" in r.content.decode()


def test_invitation_on_the_phone_and_acknowledged(world, client):
    m = _schedule(world)
    client.force_login(world["by_person"])
    page = client.get("/deliberation/mine/").content.decode()
    assert m.title in page
    inv = Invitation.objects.get(meeting=m, user=world["by_person"])
    client.post(f"/deliberation/invitation/{inv.pk}/ack/")
    inv.refresh_from_db()
    assert inv.read_at is not None
    client.force_login(world["by_account"])
    assert client.post(f"/deliberation/invitation/{inv.pk}/ack/").status_code == 404  # not theirs


@pytest.mark.parametrize(
    "role,scope,new,detail,door",
    [
        ("community_worker", JUNMEN, 200, 200, 200),
        ("community_head", JUNMEN, 200, 200, 200),
        ("street_staff", "350102004", 200, 200, 200),
        ("grid_worker", JUNMEN, 403, 200, 403),
        ("resident", JUNMEN, 403, 200, 403),
        ("community_worker", "OTHER", 404, 404, 404),
        ("department_staff", "350102", 404, 404, 404),
    ],
)
def test_role_matrix_pages(role, scope, new, detail, door, world, make_user, client, other_community):
    m = _schedule(world)
    ms.meeting_signin_open(by=world["staff"], meeting=m)
    client.force_login(make_user(role, other_community.code if scope == "OTHER" else scope))
    assert client.get(f"/deliberation/council/{world['council'].pk}/meeting/new/").status_code == new
    assert client.get(f"/deliberation/meeting/{m.pk}/").status_code == detail
    assert client.get(f"/deliberation/meeting/{m.pk}/door/").status_code == door
    assert client.get("/deliberation/signin/").status_code == 200
    assert client.get(f"/deliberation/meeting/{m.pk}/end/").status_code == 405


def test_schedule_page_creates_and_reports_bad_input(world, client):
    client.force_login(world["staff"])
    topic = s.topic_propose(by=world["staff"], council=world["council"], title="停车")
    url = f"/deliberation/council/{world['council'].pk}/meeting/new/"
    start = (clock.now() + dt.timedelta(days=2)).astimezone().strftime("%Y-%m-%dT%H:%M")
    r = client.post(url, {"title": "会", "starts_at": start, "place": ""}, follow=True)
    assert "请填写会议地点" in r.content.decode() and Meeting.objects.count() == 0
    r = client.post(url, {"title": "会", "starts_at": "明天", "place": "室"}, follow=True)
    assert r.status_code == 200 and Meeting.objects.count() == 0
    r = client.post(url, {"title": "会", "starts_at": start, "place": "室", "topics": [topic.pk]})
    m = Meeting.objects.get()
    assert r.status_code == 302 and list(m.topics.all()) == [topic]
    assert m.invitations.count() == 5
