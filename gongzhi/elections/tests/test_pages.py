"""Pages of elections: the role matrix (in scope, out of scope, residents, anonymous), the guard
agreement (for every state × role × step: the guard allows it ⇔ the service succeeds ⇔ the page
shows the button), and the forms' refusals (a clear message, nothing changed)."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.urls import reverse

from gongzhi.core import clock
from gongzhi.core.errors import ApplicationError
from gongzhi.elections import services
from gongzhi.elections.models import Candidate, Objection, VoterEntry
from gongzhi.elections.workflow import CANDIDATE, ELECTION, OBJECTION

from .conftest import DAY, DRAWN, OBJECTING, at, election_in

pytestmark = pytest.mark.django_db
ROLES = (
    "head",
    "street",
    "worker",
    "district",
    "other_head",
    "grid",
    "resident",
    "nominee",
    "other_resident",
)
PAGES = {
    "index": lambda e: reverse("elections:index"),
    "detail": lambda e: reverse("elections:detail", args=[e.pk]),
    "roll": lambda e: reverse("elections:roll", args=[e.pk]),
    "mine": lambda e: reverse("elections:resident"),
}
_STAFF = {"index": 200, "detail": 200, "roll": 200, "mine": 403}
_RESIDENT = {"index": 302, "detail": 200, "roll": 200, "mine": 200}
EXPECTED = {
    "head": _STAFF,
    "street": _STAFF,
    "worker": _STAFF,
    "district": _STAFF,
    "other_head": {"index": 200, "detail": 404, "roll": 404, "mine": 403},
    "grid": {"index": 403, "detail": 404, "roll": 404, "mine": 403},
    "resident": _RESIDENT,
    "nominee": _RESIDENT,
    "other_resident": {"index": 302, "detail": 404, "roll": 404, "mine": 200},
}


@pytest.mark.parametrize("role", ROLES)
def test_role_matrix(client, w, role):
    e = election_in("published", w)
    client.force_login(w[role])
    got = {name: client.get(url(e)).status_code for name, url in PAGES.items()}
    assert got == EXPECTED[role]
    if role == "other_resident":  # their community's list shows nothing of 军门社区
        assert "军门社区" not in client.get(reverse("elections:resident")).content.decode()


@pytest.mark.parametrize("role", ("resident", "other_resident"))
def test_residents_never_see_a_draft(client, w, role):
    e = election_in("draft", w)
    client.force_login(w[role])
    assert client.get(reverse("elections:detail", args=[e.pk])).status_code == 404
    assert client.get(reverse("elections:roll", args=[e.pk])).status_code == 404
    assert "2026" not in client.get(reverse("elections:resident")).content.decode()


def test_anonymous_is_sent_to_log_in(client, w):
    e = election_in("published", w)
    for url in PAGES.values():
        r = client.get(url(e))
        assert r.status_code == 302 and "/login" in r["Location"]
    assert client.post(reverse("elections:act", args=[e.pk, "object"])).status_code == 302


def test_the_published_roll_masks_names_and_tells_the_resident(client, w):
    e = election_in("published", w)
    client.force_login(w["resident"])
    body = client.get(reverse("elections:roll", args=[e.pk])).content.decode()
    assert w["voters"][1].name not in body and w["voters"][1].name[0] in body
    mine = client.get(reverse("elections:resident")).content.decode()
    number = VoterEntry.objects.get(election=e, person=w["adult"]).pk
    assert f"选民证编号 {number}" in mine


class _Rollback(Exception):
    pass


def _succeeds(fn) -> bool:
    try:
        with transaction.atomic():
            fn()
            raise _Rollback
    except _Rollback:
        return True
    except ApplicationError:
        return False


# state → the moment the guard is asked (a day its steps could happen)
MOMENTS = {"draft": DRAWN, "published": OBJECTING, "candidates": DAY, "closed": DAY}


def _election_step(step, e, user):
    entry = VoterEntry.objects.filter(election=e, candidacy__isnull=True).first()
    free = entry.pk if entry is not None else 0
    accepted = Candidate.objects.filter(election=e, state="accepted").order_by("pk")
    calls = {
        "draw": lambda: services.roll_draw(election=e, by=user),
        "publish": lambda: services.roll_publish(election=e, by=user),
        "object": lambda: services.objection_file(
            election=e, by=user, kind="omitted", reason="漏登", about_self=True
        ),
        "nominate": lambda: services.candidate_nominate(election=e, by=user, entry_id=free, basis="self"),
        "publish_candidates": lambda: services.candidates_publish(election=e, by=user),
        "vote": lambda: services.votes_record(election=e, by=user, numbers=[free]),
        "result": lambda: services.results_record(
            election=e, by=user, votes={c.pk: v for c, v in zip(accepted, (9, 8, 6, 3), strict=False)}
        ),
    }
    return calls[step]


def _page(client, user, e) -> str:
    client.force_login(user)
    for url in (reverse("elections:detail", args=[e.pk]), reverse("elections:resident")):
        r = client.get(url)
        if r.status_code == 200:
            return r.content.decode()
    return ""


@pytest.mark.parametrize("state", list(MOMENTS))
def test_guard_agreement(client, w, state):
    e = election_in(state, w)
    if state == "candidates":  # the day has come and people voted: the result may be recorded
        with clock.at(at(DAY, 17)):
            services.votes_record(
                election=e,
                by=w["head"],
                numbers=list(VoterEntry.objects.filter(election=e).values_list("pk", flat=True))[:9],
            )
        e.refresh_from_db()
    seen: set = set()
    with clock.at(at(MOMENTS[state], 11)):
        for role in ROLES:
            user = w[role]
            html = _page(client, user, e)
            allowed = set(ELECTION.allowed(e, user))
            seen |= allowed
            for step in ELECTION.steps:
                e.refresh_from_db()
                ok = _succeeds(_election_step(step, e, user))
                assert ok == (step in allowed), (state, role, step)
                assert (f'data-action="{step}"' in html) == (step in allowed), (state, role, step)
            for o in Objection.objects.filter(election=e):
                o_allowed = set(OBJECTION.allowed(o, user))
                seen |= o_allowed
                for step, fn in (
                    (
                        "uphold",
                        lambda o=o, u=user: services.objection_uphold(objection=o, by=u, answer="成立"),
                    ),
                    (
                        "dismiss",
                        lambda o=o, u=user: services.objection_dismiss(objection=o, by=u, answer="不成立"),
                    ),
                ):
                    assert _succeeds(fn) == (step in o_allowed), (state, role, step)
                    shown = f'data-action="{step}" data-id="o{o.pk}"' in html
                    assert shown == (step in o_allowed), (state, role, step)
            for c in Candidate.objects.filter(election=e, state="nominated"):
                c_allowed = set(CANDIDATE.allowed(c, user))
                seen |= c_allowed
                for step, fn in (
                    ("accept", lambda c=c, u=user: services.candidate_accept(candidate=c, by=u)),
                    ("decline", lambda c=c, u=user: services.candidate_decline(candidate=c, by=u)),
                ):
                    assert _succeeds(fn) == (step in c_allowed), (state, role, step)
                    shown = f'data-action="{step}" data-id="c{c.pk}"' in html
                    assert shown == (step in c_allowed), (state, role, step)
    expected = {
        "draft": {"draw"},
        "published": {"object", "nominate", "uphold", "dismiss", "accept", "decline"},
        "candidates": {"vote", "result"},
        "closed": set(),
    }[state]
    assert seen == expected


def test_forms_refuse_bad_input_plainly_and_change_nothing(client, w):
    e = election_in("published", w)
    client.force_login(w["resident"])
    before = Objection.objects.count()
    with clock.at(at(OBJECTING)):
        r = client.post(
            reverse("elections:act", args=[e.pk, "object"]),
            {"kind": "omitted", "about": "other", "subject_name": "", "reason": "x"},
            HTTP_REFERER="/elections/mine/",
        )
        assert r.status_code == 302
        assert "请填写涉及的居民姓名" in client.get("/elections/mine/").content.decode()
        assert Objection.objects.count() == before
        r = client.post(
            reverse("elections:act", args=[e.pk, "object"]),
            {"kind": "omitted", "about": "other", "subject_name": "王大爷", "reason": "租住满一年"},
        )
        assert r.status_code == 302 and Objection.objects.count() == before + 1
        # A resident cannot take the committee's steps.
        assert client.post(reverse("elections:act", args=[e.pk, "publish_candidates"])).status_code == 403
    client.force_login(w["head"])
    with clock.at(at(OBJECTING)):
        for data in (
            {"number": "abc", "basis": "self"},
            {"number": "1", "basis": "joint", "supporters": "x"},
        ):
            r = client.post(reverse("elections:act", args=[e.pk, "nominate"]), data)
            assert r.status_code == 400
        assert client.post(reverse("elections:act", args=[e.pk, "nonsense"])).status_code == 404
    client.force_login(w["other_head"])
    assert client.post(reverse("elections:act", args=[e.pk, "nominate"]), {"number": "1"}).status_code == 404


def test_new_election_form(client, w):
    client.force_login(w["head"])
    body = client.get(reverse("elections:index")).content.decode()
    assert 'data-testid="new-election"' in body
    with clock.at(at(DRAWN)):
        r = client.post(
            reverse("elections:create"),
            {
                "community": "350102004001",
                "term": "2026",
                "held_on": "2026-05-18",
                "seats": "7",
                "method": "direct",
            },
        )
        assert r.status_code == 302
        assert (
            client.post(
                reverse("elections:create"), {"community": "350102004001", "held_on": "x"}
            ).status_code
            == 400
        )
    client.force_login(w["worker"])
    assert 'data-testid="new-election"' not in client.get(reverse("elections:index")).content.decode()
    assert client.post(reverse("elections:create"), {"community": "350102004001"}).status_code == 404
