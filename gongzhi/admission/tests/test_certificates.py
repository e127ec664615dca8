import pytest

from gongzhi.admission import certificates as certs
from gongzhi.admission.models import Certificate
from gongzhi.core.append_only import AppendOnlyError
from gongzhi.core.errors import ApplicationError
from gongzhi.core.models import AccessLogEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def person(db):
    from tests.factories import DwellingFactory, PersonFactory

    return PersonFactory(dwelling=DwellingFactory())


def test_listed_certificate_is_filled_from_the_register_and_logged(
    published, person, community_worker, client
):
    cert = certs.certificate_issue(
        person_id=person.pk, kind="residence", by=community_worker, note="办理入学"
    )
    assert (
        person.name in cert.body
        and person.id_number_masked in cert.body
        and cert.holder_masked != person.name
    )
    log = AccessLogEntry.objects.get(object_id=str(person.pk))
    assert log.purpose == "issue_certificate" and cert.code in log.purpose_note
    # the public page: anonymous, masked holder only
    html = client.get(f"/admission/verify/?code={cert.code.lower()}").content.decode()
    assert 'data-testid="verified"' in html and cert.holder_masked in html and person.name not in html
    assert 'data-testid="verified"' not in client.get("/admission/verify/?code=NOPE2345NOPE").content.decode()
    with pytest.raises(AppendOnlyError):
        cert.delete()


@pytest.mark.parametrize("kind", ["relatives", "no_crime", "", "FM01"])
def test_unlisted_kinds_are_refused_with_the_reason(published, person, community_worker, kind):
    with pytest.raises(ApplicationError) as e:
        certs.certificate_issue(person_id=person.pk, kind=kind, by=community_worker)
    assert str(e.value.message) == "不属于社区出具证明事项"
    assert not Certificate.objects.exists() and not AccessLogEntry.objects.exists()


def test_household_certificate_lists_members(published, community_worker):
    from gongzhi.registry.models import HouseholdMember
    from tests.factories import HouseholdFactory, PersonFactory

    head, child = PersonFactory(), PersonFactory()
    h = HouseholdFactory(head=head)
    HouseholdMember.objects.create(community=h.community, household=h, person=head, relationship="02")
    HouseholdMember.objects.create(community=h.community, household=h, person=child, relationship="20")
    cert = certs.certificate_issue(person_id=head.pk, kind="household", by=community_worker)
    assert head.name in cert.body and child.name in cert.body


def test_another_communitys_worker_cannot_issue(published, person, make_user):
    other = make_user("community_worker", "350102004003")
    with pytest.raises(ApplicationError) as e:
        certs.certificate_issue(person_id=person.pk, kind="residence", by=other)
    assert e.value.status == 404 and not Certificate.objects.exists()


@pytest.mark.parametrize(
    "role,scope,status",
    [
        ("community_worker", "350102004001", 200),
        ("community_head", "350102004001", 200),
        ("resident", "350102004001", 403),
        ("street_staff", "350102004", 403),
        ("department_staff", None, 403),
        ("district_staff", "350102", 403),
    ],
)
def test_certificate_page_matrix(role, scope, status, client, make_user, dept, published):
    client.force_login(make_user(role, scope or dept))
    assert client.get("/admission/certificates/").status_code == status
    assert client.get("/admission/verify/").status_code == 200
