"""Importing residents from a spreadsheet: a per-row report of what was rejected and why,
good rows land once, importing again adds nothing, a broken file changes nothing."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from gongzhi.core import pii
from gongzhi.core.idnumber import compose
from gongzhi.core.models import ChangeRecord
from gongzhi.registry.imports import COLUMNS, person_import
from gongzhi.registry.models import Building, Dwelling, Estate, Household, HouseholdMember, Person, PersonTag

from .test_pages_support import login

HEAD = "350102"
WANG = compose(HEAD, dt.date(1950, 3, 2), 11)  # a man
LI = compose(HEAD, dt.date(1953, 7, 9), 12)  # a woman
SON = compose(HEAD, dt.date(1980, 1, 20), 13)
BAD_CHECK = WANG[:17] + ("0" if WANG[17] != "0" else "1")
MIGRANT = compose("350121", dt.date(1992, 11, 30), 24)


def _row(**values) -> list:
    return [values.get(c, "") for c in COLUMNS]


GOOD = [
    _row(
        姓名="王建国",
        公民身份号码=WANG,
        性别="男",
        联系电话="13800001111",
        小区="军门新村",
        楼栋="3号楼",
        单元="1",
        房号="302",
        户编号="JM-001",
        与户主关系="户主",
        人群标签="独居老人、党员",
    ),
    _row(
        姓名="李秀英",
        公民身份号码=LI,
        性别="女",
        出生日期="1953-07-09",
        小区="军门新村",
        楼栋="3号楼",
        单元="1",
        房号="302",
        户编号="JM-001",
        与户主关系="配偶",
    ),
    _row(
        姓名="王小明",
        公民身份号码=SON,
        民族="回族",
        小区="军门新村",
        楼栋="3号楼",
        单元="2",
        房号="501",
        户编号="JM-002",
        与户主关系="户主",
        人口类型="人户分离",
    ),
    _row(姓名="陈流动", 公民身份号码=MIGRANT, 人口类型="流动人口", 联系电话="0591-87654321"),
]
BAD = [
    (_row(姓名="校验错", 公民身份号码=BAD_CHECK), "校验位错误"),
    (_row(姓名="", 公民身份号码=compose(HEAD, dt.date(1970, 1, 1), 31)), "缺少姓名"),
    (
        _row(姓名="性别错", 公民身份号码=compose(HEAD, dt.date(1971, 1, 1), 33), 性别="女"),
        "所填性别与身份号码不符",
    ),
    (
        _row(姓名="生日错", 公民身份号码=compose(HEAD, dt.date(1972, 1, 1), 35), 出生日期="1972-02-01"),
        "所填出生日期与身份号码不符",
    ),
    (_row(姓名="王建国重复", 公民身份号码=WANG), "身份号码与第2行重复"),
    (
        _row(姓名="电话错", 公民身份号码=compose(HEAD, dt.date(1973, 1, 1), 37), 联系电话="12345"),
        "电话号码格式不正确",
    ),
    (
        _row(姓名="标签错", 公民身份号码=compose(HEAD, dt.date(1974, 1, 1), 39), 人群标签="外星人"),
        "人群标签“外星人”无法识别",
    ),
    (_row(姓名="短号码", 公民身份号码="35010219800517"), "身份号码应为18位"),
]


def _xlsx(rows, header=COLUMNS) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(list(header))
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _csv(rows, header=COLUMNS, encoding="utf-8") -> bytes:
    lines = [",".join(header)] + [",".join(str(v) for v in row) for row in rows]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def _upload(client, content: bytes, name="居民.xlsx", community="350102004001", allow_new_places=True):
    data = {"file": SimpleUploadedFile(name, content), "community": community}
    if allow_new_places:  # these files bring their estates and buildings with them
        data["allow_new_places"] = "on"
    return client.post(reverse("registry:import"), data)


def _state():
    return (
        Person.objects.count(),
        Household.objects.count(),
        HouseholdMember.objects.count(),
        PersonTag.objects.count(),
        Dwelling.objects.count(),
    )


def test_good_and_bad_rows_report_each_bad_row_and_land_the_good_ones_once(community_worker, junmen):
    client = login(community_worker)
    content = _xlsx(GOOD + [row for row, _reason in BAD])
    response = _upload(client, content)
    assert response.status_code == 200
    report = response.context["report"]
    assert (report.created, report.rejected, report.updated, report.unchanged) == (4, len(BAD), 0, 0)
    rejected = {r.row: r.reason for r in report.rejected_rows}
    for offset, (_row_values, reason) in enumerate(BAD):
        row_number = 2 + len(GOOD) + offset
        assert reason in rejected[row_number], (row_number, rejected[row_number])
    page = response.content.decode()
    assert "第6行" in page and "校验位错误" in page  # the first bad row, shown with its reason

    wang = Person.objects.get(id_number_hash=pii.keyed_hash(WANG))
    assert (wang.name, wang.sex, wang.birth_date, wang.community_id) == (
        "王建国",
        "M",
        dt.date(1950, 3, 2),
        junmen.code,
    )
    assert wang.phone == "13800001111"
    assert wang.address == "军门新村3号楼1单元302室"
    assert set(PersonTag.objects.filter(person=wang).values_list("kind", flat=True)) == {
        "elderly_alone",
        "party_member",
    }
    household = Household.objects.get(community=junmen, number="JM-001")
    assert household.head == wang
    assert dict(household.members.values_list("person__name", "relationship")) == {
        "王建国": "02",
        "李秀英": "10",
    }
    son = Person.objects.get(id_number_hash=pii.keyed_hash(SON))
    assert (son.ethnicity, son.residence_type, son.dwelling.entrance, son.dwelling.floor) == (
        "03",
        "away",
        2,
        5,
    )
    assert Person.objects.get(id_number_hash=pii.keyed_hash(MIGRANT)).residence_type == "migrant"
    assert Estate.objects.filter(community=junmen, name="军门新村").count() == 1
    assert Building.objects.filter(estate__name="军门新村", name="3号楼").count() == 1
    assert Person.objects.count() == 4
    assert ChangeRecord.objects.filter(object_type="registry.person", action="create").count() == 4

    # The same file again adds nothing; the good rows are reported unchanged.
    before = _state()
    again = _upload(client, content).context["report"]
    assert (again.created, again.updated, again.unchanged, again.rejected) == (0, 0, 4, len(BAD))
    assert _state() == before


def test_reimport_with_a_changed_phone_updates_the_person(community_worker):
    client = login(community_worker)
    _upload(client, _xlsx(GOOD[:1]))
    changed = list(GOOD[0])
    changed[COLUMNS.index("联系电话")] = "13900002222"
    report = _upload(client, _xlsx([changed])).context["report"]
    assert (report.created, report.updated) == (0, 1)
    wang = Person.objects.get(id_number_hash=pii.keyed_hash(WANG))
    assert wang.phone == "13900002222" and Person.objects.count() == 1


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_csv_in_utf8_or_gbk(community_worker, encoding):
    report = _upload(login(community_worker), _csv(GOOD[:2], encoding=encoding), name="居民.csv").context[
        "report"
    ]
    assert report.created == 2 and report.rejected == 0
    assert Person.objects.filter(name="李秀英").exists()


@pytest.mark.parametrize(
    "content, name, message",
    [
        (b"", "empty.xlsx", "文件是空的"),
        (b"PK\x03\x04 this is not really a zip file", "broken.xlsx", "无法读取这个 Excel 文件"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "photo.png", "无法识别文件格式"),
        ("随便写的一段话，不是表格。\n第二行".encode(), "notes.txt", "找不到表头"),
        (_csv([["张三"]], header=["姓名", "性别"]), "no-id.csv", "缺少必需的列：公民身份号码"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "old.xls", "旧版 Excel"),
    ],
)
def test_a_broken_or_non_spreadsheet_file_gets_a_clear_message_and_changes_nothing(
    community_worker, content, name, message
):
    before = _state()
    response = _upload(login(community_worker), content, name=name)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert response.context["report"] is None
    assert _state() == before


def test_district_user_imports_with_a_community_code_column(make_user, junmen, other_community):
    user = make_user("district_staff", "350102")
    header = ["社区代码"] + COLUMNS
    rows = [
        [junmen.code] + GOOD[0],
        ["350102004003"] + GOOD[1],
        [other_community.code] + GOOD[2],  # another district
        ["350102999999"] + GOOD[3],  # no such community
        [""] + _row(姓名="无社区", 公民身份号码=compose(HEAD, dt.date(1960, 1, 1), 41)),
    ]
    response = _upload(login(user), _xlsx(rows, header=header), community="")
    report = response.context["report"]
    assert report.created == 2
    reasons = {r.row: r.reason for r in report.rejected_rows}
    assert "不在您的管辖范围内" in reasons[4]
    assert "未知的社区代码" in reasons[5]
    assert "缺少社区代码" in reasons[6]
    assert Person.objects.get(name="李秀英").community_id == "350102004003"
    assert not Person.objects.filter(community=other_community).exists()


def test_a_person_registered_elsewhere_is_not_taken_over(make_user, community_worker, other_community):
    from tests.factories import PersonFactory

    PersonFactory(
        community=other_community, name="外区王建国", id_number=WANG, birth_date=dt.date(1950, 3, 2)
    )
    report = _upload(login(community_worker), _xlsx(GOOD[:1])).context["report"]
    reason = report.rejected_rows[0].reason
    assert report.rejected == 1 and "不能在这里登记" in reason and "街道" in reason
    assert "其他社区" not in reason and other_community.name not in reason  # no existence oracle
    holder = Person.objects.get(id_number_hash=pii.keyed_hash(WANG))
    assert holder.community == other_community
    from gongzhi.core.models import ChangeRecord

    attempt = ChangeRecord.objects.get(action="id_conflict")  # logged, in the holder's history
    assert (attempt.object_id, attempt.community_code, attempt.by) == (
        str(holder.pk),
        other_community.code,
        community_worker,
    )


def test_community_user_cannot_import_into_another_community(community_worker):
    response = _upload(login(community_worker), _xlsx(GOOD[:1]), community="350102004003")
    assert response.status_code == 400  # not a choice they are offered
    assert Person.objects.count() == 0


def test_service_refuses_a_user_without_import_permission(make_user, junmen):
    from gongzhi.core.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        person_import(by=make_user("grid_worker", junmen.code), data=_xlsx(GOOD), community=junmen)
    assert Person.objects.count() == 0


def test_template_download_has_the_expected_columns(community_worker):
    response = login(community_worker).get(reverse("registry:import_template"))
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    header = [c.value for c in book.worksheets[0][1]]
    assert header == COLUMNS
    assert "填写说明" in book.sheetnames
