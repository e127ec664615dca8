"""Online discussion of a topic: threaded comments by residents of the council's area, the closing
time (the guard refuses afterwards), pre-moderation, reports and hiding with a reason; the guard
agreement and the role matrix."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction

from gongzhi.core import clock
from gongzhi.core.errors import ApplicationError, PermissionDenied
from gongzhi.deliberation import discussion_services as ds
from gongzhi.deliberation import services as s
from gongzhi.deliberation.discussion import Comment, CommentReport
from gongzhi.deliberation.models import Topic
from gongzhi.deliberation.selectors import discussion_thread, moderation_queue
from gongzhi.deliberation.workflow import DISCUSSION, MODERATION

from .conftest import JUNMEN

pytestmark = pytest.mark.django_db


@pytest.fixture
def topic(council, staff):
    t = s.topic_propose(by=staff, council=council, title="广场舞噪音")
    return ds.discussion_open(by=staff, topic=t, closes_at=clock.now() + dt.timedelta(days=3))


def test_open_discussion_needs_a_future_closing_time_and_staff(council, staff, make_resident):
    t = s.topic_propose(by=staff, council=council, title="t")
    with pytest.raises(ApplicationError) as exc:
        ds.discussion_open(by=staff, topic=t, closes_at=clock.now() - dt.timedelta(minutes=1))
    assert exc.value.code == "discussion_close_time"
    with pytest.raises(PermissionDenied):
        ds.discussion_open(by=make_resident(), topic=t, closes_at=clock.now() + dt.timedelta(days=1))
    with pytest.raises(ApplicationError) as exc:  # not opened yet
        ds.comment_post(by=make_resident(), topic=t, body="我有意见")
    assert exc.value.code == "discussion_not_open"
    assert Topic.objects.get(pk=t.pk).discussion_closes_at is None and Comment.objects.count() == 0


def test_threaded_comments_in_order(topic, staff, make_resident):
    a, b = make_resident(), make_resident()
    first = ds.comment_post(by=a, topic=topic, body="建议晚上九点前结束")
    second = ds.comment_post(by=b, topic=topic, body="音量也要控制")
    reply = ds.comment_post(by=staff, topic=topic, body="社区将约谈舞队", parent=first)
    deeper = ds.comment_post(by=a, topic=topic, body="谢谢", parent=reply)
    thread = discussion_thread(user=b, topic=topic)
    assert [c.pk for c in thread] == [first.pk, reply.pk, deeper.pk, second.pk]
    assert [c.depth for c in thread] == [0, 1, 2, 0]
    assert "（工作人员）" in reply.author_label and "**" in first.author_label
    d3 = ds.comment_post(by=b, topic=topic, body="同意", parent=deeper)
    with pytest.raises(ApplicationError) as exc:
        ds.comment_post(by=a, topic=topic, body="太深", parent=d3)
    assert exc.value.code == "comment_too_deep"
    for body in ["", " ", "长" * 2001]:
        with pytest.raises(ApplicationError) as exc:
            ds.comment_post(by=a, topic=topic, body=body)
        assert exc.value.code == "comment_empty"
    assert Comment.objects.count() == 5


def test_commenting_refused_after_the_closing_time(topic, make_resident):
    user = make_resident()
    ds.comment_post(by=user, topic=topic, body="赶在截止前")
    with clock.at(topic.discussion_closes_at + dt.timedelta(seconds=1)):
        with pytest.raises(ApplicationError) as exc:
            ds.comment_post(by=user, topic=topic, body="晚了")
        assert exc.value.code == "discussion_closed"
        assert DISCUSSION.allowed(Topic.objects.get(pk=topic.pk), user) == []
    assert Comment.objects.count() == 1


def test_closing_early_and_decided_topics_refuse(topic, staff, make_resident):
    user = make_resident()
    ds.discussion_close(by=staff, topic=topic)
    with pytest.raises(ApplicationError) as exc:
        ds.comment_post(by=user, topic=topic, body="x")
    assert exc.value.code == "discussion_closed"
    ds.discussion_open(by=staff, topic=topic, closes_at=clock.now() + dt.timedelta(days=1))
    s.topic_agenda(by=staff, topic=topic)
    s.topic_decide(
        by=staff,
        topic=topic,
        outcome="deliberation",
        text="约定时段",
        owner="居委会",
        deadline=clock.now().date() + dt.timedelta(days=7),
    )
    with pytest.raises(ApplicationError) as exc:
        ds.comment_post(by=user, topic=topic, body="x")
    assert exc.value.code == "wrong_state"


def test_only_residents_of_the_area_speak(council, staff, make_resident, other_community, make_user):
    from gongzhi.core.models import Region
    from tests.factories import DwellingFactory

    outsider = make_resident(community=other_community.code)
    t = s.topic_propose(by=staff, council=council, title="t")
    ds.discussion_open(by=staff, topic=t, closes_at=clock.now() + dt.timedelta(days=1))
    with pytest.raises(PermissionDenied):
        ds.comment_post(by=outsider, topic=t, body="x")
    with pytest.raises(PermissionDenied):
        ds.comment_post(by=make_user("grid_worker", JUNMEN), topic=t, body="x")
    # A building group: only that building's households.
    dwelling = DwellingFactory()
    group = s.council_create(
        by=staff,
        region=Region.objects.get(code=JUNMEN),
        level="group",
        name="3号楼议事小组",
        building=dwelling.building,
        parent=council,
    )
    gt = s.topic_propose(by=staff, council=group, title="单元门禁")
    ds.discussion_open(by=staff, topic=gt, closes_at=clock.now() + dt.timedelta(days=1))
    with pytest.raises(ApplicationError) as exc:
        ds.comment_post(by=make_resident(), topic=gt, body="x")  # another building
    assert exc.value.code == "comment_outside"
    ds.comment_post(by=make_resident(dwelling=dwelling), topic=gt, body="门禁坏了")


def test_premoderation_holds_residents_comments(topic, council, staff, make_resident):
    council.premoderation = True
    council.save(update_fields=["premoderation"])
    author, other = make_resident(), make_resident()
    c = ds.comment_post(by=author, topic=topic, body="待审核")
    assert c.state == "pending"
    assert ds.comment_post(by=staff, topic=topic, body="工作人员直接发布").state == "published"
    assert c.pk in [x.pk for x in discussion_thread(user=author, topic=topic)]
    assert c.pk not in [x.pk for x in discussion_thread(user=other, topic=topic)]
    assert [x.pk for x in moderation_queue(user=staff)] == [c.pk]
    with pytest.raises(ApplicationError) as exc:  # no reply to what is not published
        ds.comment_post(by=other, topic=topic, body="x", parent=c)
    assert exc.value.code == "comment_parent"
    with pytest.raises(PermissionDenied):
        ds.comment_moderate(by=other, comment=c, step="publish")
    ds.comment_moderate(by=staff, comment=c, step="publish")
    assert c.pk in [x.pk for x in discussion_thread(user=other, topic=topic)]


def test_report_then_hide_with_reason(topic, staff, make_resident):
    author, reader, third = make_resident(), make_resident(), make_resident()
    c = ds.comment_post(by=author, topic=topic, body="某某家是骗子")
    reply = ds.comment_post(by=reader, topic=topic, body="请文明发言", parent=c)
    with pytest.raises(ApplicationError) as exc:
        ds.comment_report(by=author, comment=c, reason="x")
    assert exc.value.code == "own_comment"
    with pytest.raises(ApplicationError) as exc:
        ds.comment_report(by=reader, comment=c, reason="")
    assert exc.value.code == "reason_required"
    ds.comment_report(by=reader, comment=c, reason="人身攻击")
    with pytest.raises(ApplicationError) as exc:
        ds.comment_report(by=reader, comment=c, reason="again")
    assert exc.value.code == "already_reported"
    ds.comment_report(by=third, comment=c, reason="不实")
    queued = list(moderation_queue(user=staff))
    assert [x.pk for x in queued] == [c.pk] and queued[0].open_reports == 2
    with pytest.raises(ApplicationError) as exc:
        ds.comment_moderate(by=staff, comment=c, step="hide", reason=" ")
    assert exc.value.code == "reason_required"
    ds.comment_moderate(by=staff, comment=c, step="hide", reason="含人身攻击")
    assert list(moderation_queue(user=staff)) == []
    assert not CommentReport.objects.filter(resolved=False).exists()
    seen = discussion_thread(user=third, topic=topic)
    assert [x.pk for x in seen] == [c.pk, reply.pk]  # the reply stays under a placeholder
    with pytest.raises(ApplicationError) as exc:
        ds.comment_report(by=third, comment=Comment.objects.get(pk=c.pk), reason="x")
    assert exc.value.code == "comment_wrong_state"


def test_dismissing_reports_keeps_the_comment(topic, staff, make_resident):
    c = ds.comment_post(by=make_resident(), topic=topic, body="建议装监控")
    with pytest.raises(ApplicationError) as exc:
        ds.comment_moderate(by=staff, comment=c, step="dismiss")
    assert exc.value.code == "no_reports"
    ds.comment_report(by=make_resident(), comment=c, reason="不喜欢")
    ds.comment_moderate(by=staff, comment=c, step="dismiss")
    assert Comment.objects.get(pk=c.pk).state == "published" and list(moderation_queue(user=staff)) == []


# ------------------------------------------------------------------ guard agreement


class _Rollback(Exception):
    pass


def _ok(call) -> bool:
    try:
        with transaction.atomic():
            call()
            raise _Rollback()
    except _Rollback:
        return True
    except ApplicationError:
        return False


@pytest.mark.parametrize("when", ["not_open", "open", "closed"])
def test_discussion_guard_agreement(when, council, staff, make_resident, make_user, client):
    t = s.topic_propose(by=staff, council=council, title="t")
    if when != "not_open":
        ds.discussion_open(by=staff, topic=t, closes_at=clock.now() + dt.timedelta(days=1))
    if when == "closed":
        ds.discussion_close(by=staff, topic=t)
    t = Topic.objects.get(pk=t.pk)
    for user in [staff, make_resident(), make_user("grid_worker", JUNMEN)]:
        allowed = set(DISCUSSION.allowed(t, user))
        client.force_login(user)
        html = client.get(f"/deliberation/topic/{t.pk}/").content.decode()
        calls = {
            "open_discussion": lambda u=user: ds.discussion_open(
                by=u, topic=t, closes_at=clock.now() + dt.timedelta(days=2)
            ),
            "comment": lambda u=user: ds.comment_post(by=u, topic=t, body="x"),
            "close_discussion": lambda u=user: ds.discussion_close(by=u, topic=t),
        }
        for step, call in calls.items():
            assert _ok(call) == (step in allowed), (when, user, step)
            assert (f'data-action="{step}"' in html) == (step in allowed), (when, user, step)


@pytest.mark.parametrize("state", ["published", "pending", "hidden", "reported"])
def test_moderation_guard_agreement(state, topic, council, staff, make_resident, make_user, client):
    author, reader = make_resident(), make_resident()
    if state == "pending":
        council.premoderation = True
        council.save(update_fields=["premoderation"])
    c = ds.comment_post(by=author, topic=topic, body="发言")
    if state == "hidden":
        ds.comment_moderate(by=staff, comment=c, step="hide", reason="广告")
    if state == "reported":
        ds.comment_report(by=make_resident(), comment=c, reason="广告")
    c = Comment.objects.select_related("topic").get(pk=c.pk)
    for user in [staff, author, reader, make_user("grid_worker", JUNMEN)]:
        allowed = set(MODERATION.allowed(c, user))
        client.force_login(user)
        html = client.get(f"/deliberation/topic/{topic.pk}/").content.decode()
        for step in MODERATION.steps:
            if step == "report":
                call = lambda u=user: ds.comment_report(by=u, comment=c, reason="r")  # noqa: E731
            else:
                call = lambda u=user, st=step: ds.comment_moderate(by=u, comment=c, step=st, reason="r")  # noqa: E731
            assert _ok(call) == (step in allowed), (state, user, step)
            assert (f'data-action="{step}"' in html) == (step in allowed), (state, user, step)


@pytest.mark.parametrize(
    "role,scope,queue,act",
    [
        ("community_worker", JUNMEN, 200, 302),
        ("street_staff", "350102004", 200, 302),
        ("grid_worker", JUNMEN, 403, 403),
        ("resident", JUNMEN, 403, 403),
        ("community_worker", "OTHER", 200, 404),
        ("department_staff", "350102", 403, 404),
    ],
)
def test_role_matrix(role, scope, queue, act, topic, make_resident, make_user, client, other_community):
    c = ds.comment_post(by=make_resident(), topic=topic, body="发言")
    client.force_login(make_user(role, other_community.code if scope == "OTHER" else scope))
    assert client.get("/deliberation/moderation/").status_code == queue
    assert client.post(f"/deliberation/comment/{c.pk}/hide/", {"reason": "r"}).status_code == act
    assert client.get(f"/deliberation/comment/{c.pk}/hide/").status_code == 405


def test_page_comment_and_closed_message(topic, make_resident, client):
    user = make_resident()
    client.force_login(user)
    r = client.post(f"/deliberation/topic/{topic.pk}/discussion/comment/", {"body": "我支持"})
    assert r.status_code == 302 and Comment.objects.get().body == "我支持"
    with clock.at(topic.discussion_closes_at + dt.timedelta(minutes=1)):
        r = client.post(f"/deliberation/topic/{topic.pk}/discussion/comment/", {"body": "晚了"}, follow=True)
        page = r.content.decode()
    assert Comment.objects.count() == 1 and "网上讨论已于" in page and 'data-testid="comment-refusal"' in page
