"""The paper-ballot page: printed one-time codes shown once (only salted hashes kept), entry by code
with plain messages for an unknown or used code and for a voter who voted online; role matrix."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from gongzhi.core import clock
from gongzhi.deliberation import poll_services as ps
from gongzhi.deliberation.polls import Ballot, PaperCode, VoteRecord

from .conftest import JUNMEN, STREET

pytestmark = pytest.mark.django_db


@pytest.fixture
def voters(make_resident):
    return [make_resident() for _ in range(3)]


@pytest.fixture
def poll(council, staff, voters):
    poll = ps.poll_create(
        by=staff,
        council=council,
        title="增设充电棚",
        kind="household",
        options=["同意", "不同意"],
        closes_at=clock.now() + dt.timedelta(days=3),
    )
    return ps.poll_open(by=staff, poll=poll)


def _codes(html: str) -> list[str]:
    return re.findall(r'data-testid="slip-code">([0-9A-Z]+)<', html)


def _option(poll, i=0) -> str:
    return str(poll.options.all()[i].pk)


def test_issue_shows_the_sheet_once_and_keeps_only_hashes(poll, staff, client):
    client.force_login(staff)
    url = f"/deliberation/poll/{poll.pk}/paper/"
    page = client.get(url).content.decode()
    assert "只显示这一次" in page and "散列值" in page and 'data-testid="paper-issue"' in page
    r = client.post(url, {"action": "issue"})
    html = r.content.decode()
    codes = _codes(html)
    assert r.status_code == 200 and r["Cache-Control"] == "no-store"
    assert len(codes) == 3 == PaperCode.objects.filter(poll=poll).count()
    assert "@media print" in html and 'data-testid="shown-once"' in html and "同意" in html
    stored = set(PaperCode.objects.values_list("code_hash", flat=True))
    assert not stored & set(codes) and all(len(h) == 64 for h in stored)
    # A second issue has no one left: nothing new, nothing shown again.
    r = client.post(url, {"action": "issue"}, follow=True)
    page = r.content.decode()
    assert "都已发放过选票码" in page and not set(codes) & set(_codes(page))
    assert not any(c in page for c in codes)
    assert PaperCode.objects.count() == 3


def test_enter_by_code_then_used_unknown_and_online_voter(poll, staff, voters, client):
    client.force_login(staff)
    url = f"/deliberation/poll/{poll.pk}/paper/"
    codes = _codes(client.post(url, {"action": "issue"}).content.decode())
    r = client.post(url, {"action": "enter", "code": codes[0].lower(), "option": _option(poll)}, follow=True)
    assert "纸质选票已录入" in r.content.decode()
    r = client.post(url, {"action": "enter", "code": codes[0], "option": _option(poll, 1)}, follow=True)
    assert "录入过，同一张选票不能录入两次" in r.content.decode()
    r = client.post(url, {"action": "enter", "code": "ABCDEFGHJK", "option": _option(poll)}, follow=True)
    assert "选票码无效" in r.content.decode()
    r = client.post(url, {"action": "enter", "code": codes[1], "option": "abc"}, follow=True)
    assert "有效的选项" in r.content.decode()
    # A voter who voted online: their slip is void.
    from gongzhi.deliberation.eligibility import household_of

    online = {f"h:{household_of(v).pk}": v for v in voters}
    slip_voter = {
        PaperCode.objects.get(poll=poll, code_hash=ps.code_hash(poll, c)).voter: c for c in codes[1:]
    }
    key, code = next(iter(slip_voter.items()))
    ps.ballot_cast(by=online[key], poll=poll, option_id=_option(poll))
    r = client.post(url, {"action": "enter", "code": code, "option": _option(poll, 1)}, follow=True)
    assert "已经在网上投票，纸质选票作废" in r.content.decode()
    assert Ballot.objects.filter(poll=poll).count() == VoteRecord.objects.filter(poll=poll).count() == 2
    assert PaperCode.objects.filter(poll=poll, used_at__isnull=False).count() == 1
    status = client.get(url).content.decode()
    assert "已录入 1" in status and "网上已投 1" in status


def test_paper_page_refuses_before_opening(council, staff, client):
    poll = ps.poll_create(
        by=staff,
        council=council,
        title="草稿",
        kind="household",
        options=["是", "否"],
        closes_at=clock.now() + dt.timedelta(days=3),
    )
    client.force_login(staff)
    url = f"/deliberation/poll/{poll.pk}/paper/"
    page = client.get(url).content.decode()
    assert 'data-testid="paper-refusal"' in page and "不能录入纸质选票" in page
    r = client.post(url, {"action": "issue"}, follow=True)
    assert "不能录入纸质选票" in r.content.decode() and PaperCode.objects.count() == 0
    assert client.post(url, {"action": "print-all"}).status_code == 404


@pytest.mark.parametrize(
    "role,scope,status",
    [
        ("community_worker", JUNMEN, 200),
        ("community_head", JUNMEN, 200),
        ("street_staff", STREET, 200),
        ("resident", JUNMEN, 403),
        ("grid_worker", JUNMEN, 403),
        ("social_org_staff", JUNMEN, 403),
        ("community_worker", "OTHER", 404),
        ("department_staff", "350102", 404),
    ],
)
def test_paper_page_role_matrix(role, scope, status, poll, make_user, client, other_community, staff):
    client.force_login(make_user(role, other_community.code if scope == "OTHER" else scope))
    url = f"/deliberation/poll/{poll.pk}/paper/"
    assert client.get(url).status_code == status
    r = client.post(url, {"action": "issue"})
    assert r.status_code == status
    assert PaperCode.objects.count() == (3 if status == 200 else 0)
    codes = dict(ps.paper_codes_issue(by=staff, poll=poll)) or {"x": "NONE"}
    r = client.post(url, {"action": "enter", "code": next(iter(codes.values())), "option": _option(poll)})
    assert r.status_code == (302 if status == 200 else status)
    assert VoteRecord.objects.filter(channel="paper").count() == 0


def test_poll_page_links_to_paper_page_for_staff_only(poll, staff, voters, client):
    client.force_login(staff)
    assert 'data-testid="paper-link"' in client.get(f"/deliberation/poll/{poll.pk}/").content.decode()
    client.force_login(voters[0])
    assert 'data-testid="paper-link"' not in client.get(f"/deliberation/poll/{poll.pk}/").content.decode()


def test_one_path_for_paper_ballots(poll, staff, client):
    """The poll page only links to the paper-ballot page: it has no entry form of its own, and a
    paper entry posted to it is not found (nothing recorded)."""
    codes = dict(ps.paper_codes_issue(by=staff, poll=poll))
    client.force_login(staff)
    page = client.get(f"/deliberation/poll/{poll.pk}/").content.decode()
    assert 'data-action="paper"' not in page and 'name="code"' not in page
    r = client.post(
        f"/deliberation/poll/{poll.pk}/",
        {"action": "paper", "code": next(iter(codes.values())), "option": _option(poll)},
    )
    assert r.status_code == 404
    assert VoteRecord.objects.filter(channel="paper").count() == 0
