"""Communities rate departments anonymously: a department sees aggregates only once five communities
answered, and no page or endpoint gives a department user an individual answer."""

import pytest

from gongzhi.core.errors import ApplicationError
from gongzhi.evaluation import selectors, services
from gongzhi.evaluation.models import DepartmentAnswer, DepartmentSubmission

pytestmark = pytest.mark.django_db

COMMUNITIES = ["350102004001", "350102004003", "350102004004", "350102004005", "350102001001", "350102001002"]


@pytest.fixture
def dsurvey(now, office):
    s = services.survey_create(region="350102", title="社区评部门", target="department", year=2026, by=office)
    services.survey_set_state(survey=s, state="open", by=office)
    return s


@pytest.fixture
def dept(db):
    from tests.factories import DepartmentFactory

    return DepartmentFactory()


def _rate(survey, dept, make_user, communities, base=1):
    for i, c in enumerate(communities):
        head = make_user("community_head", c)
        # a distinctive pattern per community, to look for in every answer a department user gets
        services.department_rate(
            survey=survey,
            department=dept,
            answers={str(n): 1 + (i + n * base) % 5 for n in range(1, 11)},
            by=head,
        )


def _existing(codes):
    from gongzhi.core.models import Region

    return [c for c in codes if Region.objects.filter(code=c).exists()]


def test_department_sees_nothing_below_five_then_only_aggregates(dsurvey, dept, make_user, client):
    comms = _existing(COMMUNITIES)
    assert len(comms) >= 5
    staff = make_user("department_staff", dept)
    _rate(dsurvey, dept, make_user, comms[:4])
    [row] = selectors.department_results(survey=dsurvey, user=staff)
    assert row.communities == 4 and not row.shown and row.mean is None and row.aspects == []
    _rate(dsurvey, dept, make_user, comms[4:5])
    [row] = selectors.department_results(survey=dsurvey, user=staff)
    assert row.communities == 5 and not row.shown and row.mean is None  # open: nothing to watch move
    services.survey_set_state(survey=dsurvey, state="closed", by=dsurvey.created_by)
    dsurvey.refresh_from_db()
    [row] = selectors.department_results(survey=dsurvey, user=staff)
    assert row.shown and row.mean is not None


def test_while_the_survey_is_open_no_one_sees_a_department_average(dsurvey, dept, make_user, client, office):
    comms = _existing(COMMUNITIES)
    _rate(dsurvey, dept, make_user, comms)
    staff = make_user("department_staff", dept)
    for user in (staff, office):
        [row] = selectors.department_results(survey=dsurvey, user=user)
        assert row.communities == len(comms) and not row.shown and row.mean is None and row.aspects == []
    client.force_login(staff)
    assert [r["mean"] for r in client.get(f"/api/evaluation/{dsurvey.pk}/departments/").json()] == [None]
    assert "评议进行中，结束后公布" in client.get(f"/evaluation/{dsurvey.pk}/results/").content.decode()
    services.survey_set_state(survey=dsurvey, state="closed", by=office)
    assert [
        r["mean"] is not None for r in client.get(f"/api/evaluation/{dsurvey.pk}/departments/").json()
    ] == [True]


def test_a_community_rates_a_department_once(dsurvey, dept, make_user):
    head = make_user("community_head", "350102004001")
    services.department_rate(
        survey=dsurvey, department=dept, answers={str(n): 3 for n in range(1, 11)}, by=head
    )
    with pytest.raises(ApplicationError) as e:
        services.department_rate(
            survey=dsurvey, department=dept, answers={str(n): 3 for n in range(1, 11)}, by=head
        )
    assert e.value.code == "already_rated"
    assert DepartmentAnswer.objects.count() == 10


def test_answers_cannot_be_joined_to_a_community():
    fields = {f.name for f in DepartmentAnswer._meta.get_fields()}
    assert fields == {"id", "survey", "department", "question", "value"}
    assert not any(
        f.is_relation and f.related_model is DepartmentSubmission for f in DepartmentAnswer._meta.get_fields()
    )


def test_no_page_or_endpoint_gives_a_department_user_an_individual_answer(dsurvey, dept, make_user, client):
    from gongzhi.core.models import Region

    comms = _existing(COMMUNITIES)
    _rate(dsurvey, dept, make_user, comms)
    staff = make_user("department_staff", dept)
    client.force_login(staff)
    names = list(Region.objects.filter(code__in=comms).values_list("name", flat=True))
    bodies = []
    for url in [
        "/evaluation/",
        f"/evaluation/{dsurvey.pk}/",
        f"/evaluation/{dsurvey.pk}/results/",
        f"/evaluation/{dsurvey.pk}/rate/",
        f"/api/evaluation/{dsurvey.pk}/departments/",
        f"/api/evaluation/{dsurvey.pk}/results/",
    ]:
        r = client.get(url)
        assert r.status_code in (200, 403, 404), url
        bodies.append(r.content.decode())
    text = "".join(bodies)
    for name in names:
        assert name not in text  # no rating community is named anywhere
    for code in comms:
        assert code not in text
    api = client.get(f"/api/evaluation/{dsurvey.pk}/departments/").json()
    assert len(api) == 1 and set(api[0]) == {
        "department_id",
        "name",
        "communities",
        "shown",
        "mean",
        "mean_low",
        "mean_high",
        "rank",
    }
    # the selectors a department user can reach return aggregates only
    services.survey_set_state(survey=dsurvey, state="closed", by=dsurvey.created_by)
    dsurvey.refresh_from_db()
    [row] = selectors.department_results(survey=dsurvey, user=staff)
    assert row.communities == len(comms) and all(isinstance(m, float) for _a, m in row.aspects)


def test_another_departments_results_are_not_shown(dsurvey, dept, make_user):
    from tests.factories import DepartmentFactory

    other = DepartmentFactory()
    _rate(dsurvey, other, make_user, _existing(COMMUNITIES))
    staff = make_user("department_staff", dept)
    assert [r.department_id for r in selectors.department_results(survey=dsurvey, user=staff)] == [dept.pk]
