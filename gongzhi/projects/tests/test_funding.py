"""Public-benefit funding: the 60% rule (service and database), applications, conflict-of-interest
declaration before seeing, blind 0–5 scoring, approval, evaluations gating payments (late or failed
reports stop the next one), payments as a ledger, the guard agreement, pages by role."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.test import Client

from gongzhi.core import clock
from gongzhi.core.errors import ApplicationError, PermissionDenied
from gongzhi.core.ledger import ledger_verify
from gongzhi.projects import selectors, services
from gongzhi.projects.models import Application, FundAccount, Score
from gongzhi.projects.workflow import APPLICATION

from .conftest import JUNMEN, NOW

pytestmark = pytest.mark.django_db


def apply(w, requested=30000, budget=60000, submit=True):
    app = services.application_create(
        by=w["org_staff"],
        call=w["call"],
        organization=w["org"],
        community=w["junmen"],
        title="长者助餐",
        budget_total=budget,
        requested=requested,
        households_target=80,
    )
    if submit:
        services.application_act(by=w["org_staff"], application=app, action="submit")
    return app


def to_review(w, app, experts=("expert", "expert2")):
    services.call_phase_set(by=w["staff"], call=w["call"], phase="review")
    services.application_act(by=w["staff"], application=app, action="start_review")
    return services.reviewers_assign(by=w["staff"], application=app, experts=[w[e] for e in experts])


def score_all(w, app, value=4):
    for a in app.assignments.all():
        services.review_declare(by=a.expert, assignment=a, conflict=False)
        services.review_submit(by=a.expert, assignment=a, scores={"need": value, "design": value})


def test_call_budget_is_a_ledger_transfer(w):
    assert w["call"].account.balance == Decimal("100000")
    assert ledger_verify(FundAccount) == (2, [])


def test_grant_at_most_60_percent_service_and_database(w):
    with pytest.raises(ApplicationError) as exc:
        apply(w, requested=36001, budget=60000)
    assert exc.value.code == "grant_share"
    assert not Application.objects.exists()
    app = apply(w, requested=36000, budget=60000, submit=False)
    with pytest.raises(IntegrityError), transaction.atomic():
        Application.objects.filter(pk=app.pk).update(requested=36000.01)


def test_only_own_organization_and_open_call(w):
    with pytest.raises(ApplicationError) as exc:
        services.application_create(
            by=w["other_staff"],
            call=w["call"],
            organization=w["org"],
            community=w["junmen"],
            title="x",
            budget_total=100,
            requested=50,
        )
    assert exc.value.code == "not_your_organization"
    app = apply(w, submit=False)
    with clock.at(NOW + dt.timedelta(days=11)), pytest.raises(ApplicationError) as exc:
        services.application_act(by=w["org_staff"], application=app, action="submit")
    assert exc.value.code == "call_closed"


def test_conflict_declared_before_seeing_and_known_ties(w, make_user):
    app = apply(w)
    a1, a2 = to_review(w, app)
    with pytest.raises(ApplicationError) as exc:
        services.review_open(by=w["expert"], assignment=a1)
    assert exc.value.code == "declare_first"
    client = Client()
    client.force_login(w["expert"])
    assert "长者助餐" not in client.get(f"/projects/reviews/{a1.pk}/").content.decode()
    # The platform knows expert2 works for the organisation: "no conflict" is refused.
    from gongzhi.core.models import RoleAssignment

    RoleAssignment.objects.create(
        user=w["expert2"], role="social_org_staff", organization=w["org"], active=True
    )
    with pytest.raises(ApplicationError) as exc:
        services.review_declare(by=w["expert2"], assignment=a2, conflict=False)
    assert exc.value.code == "known_tie"
    services.review_declare(by=w["expert2"], assignment=a2, conflict=True, note="本组织理事")
    with pytest.raises(ApplicationError) as exc:
        services.review_open(by=w["expert2"], assignment=a2)
    assert exc.value.code == "conflicted"
    services.review_declare(by=w["expert"], assignment=a1, conflict=False)
    assert "长者助餐" in client.get(f"/projects/reviews/{a1.pk}/").content.decode()


def test_blind_scoring_0_to_5_and_ranking(w):
    app = apply(w)
    a1, a2 = to_review(w, app)
    for a in (a1, a2):
        services.review_declare(by=a.expert, assignment=a, conflict=False)
    with pytest.raises(ApplicationError) as exc:
        services.review_submit(by=w["expert"], assignment=a1, scores={"need": 6, "design": 3})
    assert exc.value.code == "score_invalid" and not Score.objects.exists()
    with pytest.raises(ApplicationError):
        services.review_submit(by=w["expert"], assignment=a1, scores={"need": 3})
    services.review_submit(by=w["expert2"], assignment=a2, scores={"need": 5, "design": 5})
    a1.refresh_from_db()
    assert selectors.other_scores(assignment=a1) == []  # blind until submitting
    services.review_submit(by=w["expert"], assignment=a1, scores={"need": 3, "design": 4})
    a1.refresh_from_db()
    assert [o["total"] for o in selectors.other_scores(assignment=a1)] == [10]
    app.refresh_from_db()
    assert app.score == Decimal("8.50")
    with pytest.raises(ApplicationError) as exc:
        services.review_submit(by=w["expert"], assignment=a1, scores={"need": 0, "design": 0})
    assert exc.value.code == "already_submitted"


def test_approval_needs_reviews_and_not_a_reviewer(w):
    app = apply(w)
    to_review(w, app, experts=("expert",))
    with pytest.raises(ApplicationError) as exc:
        services.application_act(by=w["staff"], application=app, action="approve")
    assert exc.value.code == "reviews_pending"
    score_all(w, app)
    services.reviewers_assign(by=w["staff"], application=app, experts=[])
    project = services.application_act(by=w["staff"], application=app, action="approve").project
    assert [i.amount for i in project.instalments.all()] == [
        Decimal("12000.00"),
        Decimal("12000.00"),
        Decimal("6000.00"),
    ]
    assert set(project.evaluations.values_list("kind", flat=True)) == {"midterm", "final"}


def _project(w):
    app = apply(w)
    to_review(w, app, experts=("expert",))
    score_all(w, app)
    return services.application_act(by=w["staff"], application=app, action="approve").project


def test_payments_gated_by_evaluation_late_report_stops_next(w):
    p = _project(w)
    i1, i2, _i3 = p.instalments.all()
    services.instalment_pay(by=w["staff"], instalment=i1)
    p.account.refresh_from_db()
    assert p.account.balance == Decimal("12000.00")
    with pytest.raises(ApplicationError) as exc:
        services.instalment_pay(by=w["staff"], instalment=i1)
    assert exc.value.code == "already_paid"
    with pytest.raises(ApplicationError) as exc:
        services.instalment_pay(by=w["staff"], instalment=i2)
    assert exc.value.code == "gate_not_passed"
    ev = p.evaluations.get(kind="midterm")
    with clock.at(NOW + dt.timedelta(days=95)):  # due after 90 days: late
        services.evaluation_act(by=w["org_staff"], evaluation=ev, action="submit_report", text="已服务80户")
        with pytest.raises(ApplicationError) as exc:  # the project's own reviewer may not evaluate
            services.evaluation_act(by=w["expert"], evaluation=ev, action="pass")
        assert exc.value.code == "approver_reviewed"
        services.evaluation_act(by=w["expert2"], evaluation=ev, action="pass", text="通过")
        with pytest.raises(ApplicationError) as exc:
            services.instalment_pay(by=w["staff"], instalment=i2)
        assert exc.value.code == "report_late"
    ev.refresh_from_db()
    assert ev.late and ev.status == "passed"
    assert ledger_verify(FundAccount)[1] == []


def test_payment_after_passed_and_published_on_time(w):
    p = _project(w)
    i1, i2, _i3 = p.instalments.all()
    services.instalment_pay(by=w["staff"], instalment=i1)
    ev = p.evaluations.get(kind="midterm")
    services.evaluation_act(by=w["org_staff"], evaluation=ev, action="submit_report", text="按期推进")
    services.evaluation_act(by=w["expert2"], evaluation=ev, action="fail", text="台账不全")
    with pytest.raises(ApplicationError) as exc:
        services.instalment_pay(by=w["staff"], instalment=i2)
    assert exc.value.code == "gate_not_passed"
    services.evaluation_act(by=w["org_staff"], evaluation=ev, action="submit_report", text="已补齐台账")
    services.evaluation_act(by=w["expert2"], evaluation=ev, action="pass")
    with pytest.raises(ApplicationError) as exc:
        services.instalment_pay(by=w["staff"], instalment=i2)
    assert exc.value.code == "not_published"
    services.evaluation_act(by=w["staff"], evaluation=ev, action="publish")
    with pytest.raises(PermissionDenied):
        services.instalment_pay(by=w["expert2"], instalment=i2)
    services.instalment_pay(by=w["staff"], instalment=i2)
    w["call"].account.refresh_from_db()
    assert w["call"].account.balance == Decimal("76000.00")
    figure = selectors.funding_committed_vs_paid(user=w["staff"])
    assert (figure.numerator, figure.denominator, figure.value) == (24000, 30000, 80.0)
    assert selectors.notices().count() == 1


def test_guard_agreement_application_steps(w, make_user):
    """status × role × step: listed by APPLICATION.allowed ⇔ the service takes it."""
    roles = ["org_staff", "other_staff", "staff", "street", "expert"]
    base = apply(w, submit=False)
    services.call_phase_set(by=w["staff"], call=w["call"], phase="review")
    checked = 0
    for status in ("draft", "submitted", "revision", "in_review", "approved", "rejected"):
        for role in roles:
            for step in APPLICATION.steps:
                with transaction.atomic():
                    Application.objects.filter(pk=base.pk).update(status=status)
                    app = Application.objects.select_related("call").get(pk=base.pk)
                    if status == "in_review":
                        services.reviewers_assign(by=w["staff"], application=app, experts=[w["expert2"]])
                        score_all(w, app)
                    listed = step in APPLICATION.allowed(app, w[role])
                    try:
                        with transaction.atomic():
                            services.application_act(by=w[role], application=app, action=step)
                        took = True
                    except ApplicationError:
                        took = False
                    assert listed == took, (status, role, step)
                    transaction.set_rollback(True)
                checked += 1
    assert checked == 6 * 5 * 5


@pytest.mark.parametrize(
    "role", ["org_staff", "other_staff", "staff", "street", "expert", "community_worker", "resident"]
)
def test_pages_role_matrix(w, make_user, role):
    user = w.get(role) or make_user(role, JUNMEN)
    p = _project(w)
    client = Client()
    client.force_login(user)
    viewers = {"org_staff", "other_staff", "staff", "street", "expert", "community_worker"}
    assert client.get("/projects/").status_code == (200 if role in viewers else 403)
    assert client.get(f"/projects/projects/{p.pk}/").status_code == (200 if role in viewers else 403)
    a = p.application.assignments.first()
    expected = 200 if role == "expert" else (404 if role == "expert2" else 403)
    assert client.get(f"/projects/reviews/{a.pk}/").status_code == expected
    i2 = p.instalments.get(seq=1)
    r = client.post(f"/projects/instalments/{i2.pk}/pay/")
    assert r.status_code == (302 if role in ("staff", "street") else 403)
    assert Client().get("/projects/notices/").status_code == 200


def test_other_expert_cannot_open_someone_elses_review(w):
    p = _project(w)
    a = p.application.assignments.first()
    client = Client()
    client.force_login(w["expert2"])
    assert client.get(f"/projects/reviews/{a.pk}/").status_code == 404
    assert Client().get("/projects/").status_code == 302


def test_home_panels(w):
    app = apply(w)
    to_review(w, app, experts=("expert",))
    for user, text in ((w["expert"], "待评审申报"), (w["org_staff"], "公益创投"), (w["staff"], "待审批立项")):
        client = Client()
        client.force_login(user)
        assert text in client.get("/").content.decode()
