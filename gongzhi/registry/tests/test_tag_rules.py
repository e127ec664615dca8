"""Group tags checked against the register's facts (issue 7, item 15): the elderly tags by
age, 独居老人 by the household, 残疾人 with a grade; on every path that adds a tag (the
page form, the spreadsheet import, the department import); and no tag pre-selected on the
tag form. (The registry API has no endpoint that adds tags.)"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from gongzhi.core.errors import ApplicationError
from gongzhi.registry import services
from gongzhi.registry.forms import TagForm
from gongzhi.registry.models import HouseholdMember, PersonTag
from tests.factories import HouseholdFactory, PersonFactory

pytestmark = pytest.mark.django_db

JUNMEN = "350102004001"


def _born_years_ago(years: int, days: int = 0) -> dt.date:
    today = timezone.localdate()
    return today.replace(year=today.year - years) + dt.timedelta(days=days)


@pytest.fixture
def worker(make_user):
    return make_user("community_worker", JUNMEN)


def person_aged(years: int, junmen, **kwargs):
    return PersonFactory(community=junmen, birth_date=_born_years_ago(years, days=-1), **kwargs)


def test_a_76_year_old_is_not_tagged_80_plus(worker, junmen):
    person = person_aged(76, junmen)
    with pytest.raises(ApplicationError) as exc:
        services.person_tag_add(by=worker, person=person, kind="elderly_80")
    assert exc.value.code == "tag_age" and "80" in str(exc.value.message) and "76" in str(exc.value.message)
    assert not PersonTag.objects.exists()
    services.person_tag_add(by=worker, person=person_aged(80, junmen), kind="elderly_80")  # 80 today: fine


def test_living_alone_needs_60_years_and_an_empty_household(worker, junmen):
    with pytest.raises(ApplicationError) as exc:
        services.person_tag_add(by=worker, person=person_aged(45, junmen), kind="elderly_alone")
    assert exc.value.code == "tag_age"
    old = person_aged(70, junmen)
    household = HouseholdFactory(community=junmen, head=old)
    HouseholdMember.objects.create(community=junmen, household=household, person=old, relationship="02")
    spouse = person_aged(68, junmen)
    HouseholdMember.objects.create(community=junmen, household=household, person=spouse, relationship="10")
    with pytest.raises(ApplicationError) as exc:
        services.person_tag_add(by=worker, person=old, kind="elderly_alone")
    assert exc.value.code == "tag_not_alone" and household.number in str(exc.value.message)
    HouseholdMember.objects.filter(person=spouse).delete()
    services.person_tag_add(by=worker, person=old, kind="elderly_alone")


def test_an_elderly_tag_needs_a_birth_date(worker, junmen):
    person = PersonFactory(community=junmen, id_number="", birth_date=None)
    with pytest.raises(ApplicationError) as exc:
        services.person_tag_add(by=worker, person=person, kind="elderly_80")
    assert exc.value.code == "tag_needs_birth_date"


def test_disability_needs_a_grade_and_only_disability_has_one(worker, junmen):
    person = person_aged(40, junmen)
    with pytest.raises(ApplicationError) as exc:
        services.person_tag_add(by=worker, person=person, kind="disabled")
    assert exc.value.code == "tag_grade_required" and exc.value.field == "grade"
    with pytest.raises(ApplicationError) as exc:
        services.person_tag_add(by=worker, person=person, kind="veteran", grade=2)
    assert exc.value.code == "tag_grade_only_disabled"
    services.person_tag_add(
        by=worker, person=person, kind="disabled", grade=2, disability_category="physical"
    )
    assert PersonTag.objects.get().grade == 2


def test_the_tag_form_preselects_nothing_and_shows_the_refusal_beside_the_field(client, worker, junmen):
    assert TagForm()["kind"].value() in (None, "")
    assert TagForm(data={}).errors["kind"]
    person = person_aged(76, junmen)
    client.force_login(worker)
    page = client.get(reverse("registry:person_detail", args=[person.pk])).content.decode()
    assert 'value="elderly_alone" selected' not in page and 'value="" selected' in page
    response = client.post(reverse("registry:person_tag_add", args=[person.pk]), {"kind": "elderly_80"})
    assert response.status_code == 400
    assert "80" in " ".join(response.context["tag_form"].errors["kind"])
    assert not PersonTag.objects.exists()


def test_the_spreadsheet_import_rejects_a_tag_the_facts_contradict(client, worker, junmen):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from gongzhi.core.idnumber import compose
    from gongzhi.registry.imports import COLUMNS

    young = compose("350102", _born_years_ago(76, days=-1), 11)
    row = dict.fromkeys(COLUMNS, "")
    row.update({"姓名": "王七十六", "公民身份号码": young, "人群标签": "高龄老人"})
    text = ",".join(COLUMNS) + "\r\n" + ",".join(row[c] for c in COLUMNS) + "\r\n"
    client.force_login(worker)
    report = client.post(
        reverse("registry:import"), {"file": SimpleUploadedFile("a.csv", text.encode()), "community": JUNMEN}
    ).context["report"]
    assert report.rejected == 1 and "80" in report.rows[0].reason
    assert not PersonTag.objects.exists()


def test_a_department_import_does_not_tag_against_the_facts(make_user, junmen):
    from gongzhi.core.idnumber import compose
    from gongzhi.integration.models import RecordStatus
    from gongzhi.integration.services import batch_submit, source_create
    from gongzhi.integration.tests.conftest import csv_bytes
    from tests.factories import DepartmentFactory

    officer = make_user("district_staff", "350102")
    columns = {
        "姓名": "name",
        "身份证号": "id_number",
        "社区": "community",
        "类别": "tag_kind",
        "等级": "tag_grade",
    }
    source = source_create(
        by=officer,
        department=DepartmentFactory(name="鼓楼区民政局", kind="civil_affairs", code="gl-civil"),
        name="高龄津贴名册",
        file_format="csv",
        columns=columns,
    )
    rows = [
        {
            "姓名": "王七十六",
            "身份证号": compose("350102", _born_years_ago(76, days=-1), 11),
            "社区": JUNMEN,
            "类别": "高龄老人（80岁以上）",
        },
        {
            "姓名": "李残",
            "身份证号": compose("350102", _born_years_ago(50), 13),
            "社区": JUNMEN,
            "类别": "残疾人",
        },
        {
            "姓名": "赵八十",
            "身份证号": compose("350102", _born_years_ago(81), 15),
            "社区": JUNMEN,
            "类别": "高龄老人（80岁以上）",
        },
    ]
    batch, _new = batch_submit(
        by=officer, source=source, data=csv_bytes(rows, columns=list(columns)), filename="a.csv"
    )
    records = {r.row_number: r for r in batch.records.all()}
    assert records[2].status == RecordStatus.REJECTED
    assert any("80" in e["message"] for e in records[2].errors)
    assert records[3].status == RecordStatus.REJECTED
    assert any("残疾等级" in e["message"] for e in records[3].errors)
    assert records[4].status == RecordStatus.ACCEPTED
    assert list(PersonTag.objects.values_list("person_name", "kind")) == [("赵八十", "elderly_80")]


def test_a_department_tag_refused_by_the_register_is_a_warning_not_a_crash(make_user, junmen):
    """The row shows no birth date, the register knows one: the register's facts decide."""
    from gongzhi.integration.services import batch_submit, source_create
    from gongzhi.integration.tests.conftest import csv_bytes
    from tests.factories import DepartmentFactory

    registered = person_aged(70, junmen, name="孙七十")
    household = HouseholdFactory(community=junmen, head=registered)
    HouseholdMember.objects.create(
        community=junmen, household=household, person=registered, relationship="02"
    )
    HouseholdMember.objects.create(
        community=junmen, household=household, person=person_aged(40, junmen), relationship="20"
    )
    officer = make_user("district_staff", "350102")
    columns = {"姓名": "name", "身份证号": "id_number", "社区": "community", "类别": "tag_kind"}
    source = source_create(
        by=officer,
        department=DepartmentFactory(name="鼓楼区民政局", kind="civil_affairs", code="gl-civil"),
        name="独居老人名册",
        file_format="csv",
        columns=columns,
    )
    rows = [{"姓名": "孙七十", "身份证号": registered.id_number, "社区": JUNMEN, "类别": "独居老人"}]
    batch, _new = batch_submit(
        by=officer, source=source, data=csv_bytes(rows, columns=list(columns)), filename="b.csv"
    )
    record = batch.records.get()
    assert record.person_id == registered.pk
    assert any("独自居住" in e["message"] for e in record.errors)
    assert not PersonTag.objects.filter(kind="elderly_alone").exists()
