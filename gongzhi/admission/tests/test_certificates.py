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


# --- templates are list data: a district adds a kind by publishing it with its text ---------------


def _republish(reviewer, extra: list[dict]):
    from gongzhi.admission import services

    v = services.list_draft_open(region="350102", by=reviewer)
    items = [
        {
            "kind": i.kind,
            "code": i.code,
            "title": i.title,
            "basis": i.basis,
            "note": i.note,
            "template": i.template,
        }
        for i in v.items.all()
    ]
    services.list_items_set(version=v, items=items + extra, by=reviewer)
    return services.list_publish(version=v, by=reviewer)


def test_a_kind_the_district_adds_is_issued_from_its_own_template(
    published, person, community_worker, reviewer
):
    with pytest.raises(ApplicationError):
        certs.certificate_issue(person_id=person.pk, kind="pets", by=community_worker)
    _republish(
        reviewer,
        [
            {
                "kind": "certificate",
                "code": "pets",
                "title": "养犬登记居住证明",
                "basis": "《福州市养犬管理规定》",
                "note": "",
                "template": "兹证明 {姓名}（{公民身份号码}）居住于{住址}，特此证明。{日期}",
            }
        ],
    )
    cert = certs.certificate_issue(person_id=person.pk, kind="pets", by=community_worker)
    assert cert.kind_title == "养犬登记居住证明"
    assert cert.body.startswith(
        f"兹证明 {person.name}（{person.id_number_masked}）居住于{person.dwelling.address}"
    )
    assert "{" not in cert.body and person.id_number not in cert.body
    log = AccessLogEntry.objects.get(object_id=str(person.pk))
    assert "address" in log.fields and "household" not in log.fields


@pytest.mark.parametrize(
    "template,message",
    [
        ("", "须有证明模板"),
        ("兹证明 {姓名}（{身份证}）", "{身份证}"),
        ("兹证明 {姓名}（{公民身份号码}）{住址", "不成对"),
        ("兹证明本社区居民 {住址}", "{姓名} 和 {公民身份号码}"),
        ("{姓名}{公民身份号码}" + "证" * 1000, "最多"),
    ],
)
def test_a_broken_template_is_refused_and_nothing_changes(published, reviewer, template, message):
    from gongzhi.admission import services
    from gongzhi.admission.models import ListItem

    services.list_draft_open(region="350102", by=reviewer)  # the draft, copied from the list in force
    before = ListItem.objects.count()
    with pytest.raises(ApplicationError) as e:
        _republish(
            reviewer,
            [
                {
                    "kind": "certificate",
                    "code": "x1",
                    "title": "某证明",
                    "basis": "",
                    "note": "",
                    "template": template,
                }
            ],
        )
    assert message in str(e.value.message) and "x1" in str(e.value.message)
    assert ListItem.objects.filter(code="x1").count() == 0 and ListItem.objects.count() == before


def test_only_certificates_carry_a_template(published, reviewer):
    with pytest.raises(ApplicationError) as e:
        _republish(
            reviewer,
            [
                {
                    "kind": "duty",
                    "code": "YF99",
                    "title": "某事项",
                    "basis": "",
                    "note": "",
                    "template": "{姓名}",
                }
            ],
        )
    assert "只有出具证明事项" in str(e.value.message)


def test_the_workbook_carries_templates_both_ways(published, reviewer):
    from gongzhi.admission import selectors, services

    data = selectors.list_workbook(published)
    report, items = services.list_import_check(data=data)
    assert report.errors == 0
    by_code = {i["code"]: i for i in items}
    assert "{同户成员}" in by_code["household"]["template"] and by_code["YF01"]["template"] == ""


def test_an_import_row_with_an_unknown_placeholder_is_reported(reviewer):
    import io

    import openpyxl

    from gongzhi.admission import services

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(list(services.HEADERS))
    sheet.append(["出具证明事项", "c1", "某证明", "", "", "兹证明 {姓名}（{公民身份号码}），{电话}"])
    sheet.append(["出具证明事项", "c2", "另一证明", "", "", ""])
    out = io.BytesIO()
    book.save(out)
    report, items = services.list_import_check(data=out.getvalue())
    assert items == [] and report.errors == 2
    assert "{电话}" in report.rows[0]["message"] and "须有证明模板" in report.rows[1]["message"]
