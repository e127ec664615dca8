"""Masked identity numbers must not be derivable (issue 7, item 1).

For each surface that shows a masked number (`3501**********001X`) this takes what the surface
actually shows of each resident — the visible prefix and last four, and whatever it shows of
the birth date (a date, a year, an age) — and brute-forces the GB 11643 numbers that fit:
county code x every birth date the shown information allows x the check character. The
attacker is given the best case: the county is known exactly (the person's own district, not
the city's dozen counties). Before the fix every surface showed the full birth date next to
the masked number, and every resident was recovered; now none may be, and each must keep
many candidates.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import random
import re
from html.parser import HTMLParser

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from gongzhi.core.idnumber import check_char, compose
from gongzhi.core.models import Region
from gongzhi.registry.models import Household, HouseholdMember, Person
from tests.factories import DepartmentFactory, PersonFactory

pytestmark = pytest.mark.django_db

JUNMEN = "350102004001"
# What "many" means: a person is safe when at least this many numbers fit what is shown.
# A birth year leaves about 365 / 11 = 33 with the county known; a year and month about 3.
MANY = 10
MASKED = re.compile(r"^(\d{4})\*{10}(\d{3}[\dX])$")


# --- the attacker ---------------------------------------------------------------------------


def _birth_dates(info: list[tuple[str, object]]) -> list[dt.date]:
    """Every birth date consistent with what a surface shows (a date, year, age on the day)."""
    today = timezone.localdate()
    lo, hi = dt.date(1900, 1, 1), today
    exact = None
    for kind, value in info:
        if kind == "date":
            exact = value
        elif kind == "year":
            lo, hi = max(lo, dt.date(value, 1, 1)), min(hi, dt.date(value, 12, 31))
        elif kind == "age":  # age on the day: born after today - (age + 1) years, by today - age
            lo = max(lo, _years_before(today, value + 1) + dt.timedelta(days=1))
            hi = min(hi, _years_before(today, value))
    if exact is not None:
        return [exact] if lo <= exact <= hi else []
    return [lo + dt.timedelta(days=n) for n in range((hi - lo).days + 1)]


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def candidates(masked: str | None, info: list, county: str) -> int:
    """How many valid numbers fit: with the last four known, a (county, date) pair fits when
    its check character is the one shown; without them every pair fits 1,000 sequences."""
    dates = _birth_dates(info)
    if not masked:
        return len(dates) * 1000
    m = MASKED.match(masked)
    assert m, masked
    prefix, tail = m.groups()
    assert county.startswith(prefix)
    return sum(1 for d in dates if check_char(f"{county}{d:%Y%m%d}{tail[:3]}") == tail[3])


def date_info(label: str, value) -> list[tuple[str, object]]:
    """Read a shown value the way a person reading the page would."""
    if value in (None, "", "—"):
        return []
    if isinstance(value, dt.date | dt.datetime):
        return [("date", value if isinstance(value, dt.date) else value.date())]
    text = str(value)
    full = re.search(r"(\d{4})-(\d{2})-(\d{2})", text)
    if full:
        return [("date", dt.date(*map(int, full.groups())))]
    if "年龄" in label or label == "age":
        return [("age", int(text))]
    year = re.search(r"(\d{4})", text)
    if year:
        return [("year", int(year.group(1)))]
    return []


DATE_LABELS = ("出生日期", "出生年份", "年龄", "birth_date", "birth_year", "age")


def assert_none_recovered(shown: dict[int, tuple[str | None, list]], people: dict[int, Person]):
    """`shown`: person pk -> (masked number, date info) as read off a surface."""
    assert shown, "the surface showed nobody"
    counts = {}
    for pk, (masked, info) in shown.items():
        person = people[pk]
        counts[person.name] = n = candidates(masked, info, person.community_id[:6])
        assert n >= 1, f"the attacker's model is wrong: the true number of {person.name} does not fit"
    recovered = sorted(name for name, n in counts.items() if n == 1)
    assert not recovered, f"{len(recovered)} of {len(counts)} recovered exactly: {recovered[:5]}"
    assert min(counts.values()) >= MANY, counts


# --- what the surfaces show -------------------------------------------------------------------


class _Tables(HTMLParser):
    """Tables as rows of cell texts, and definition lists as (dt, dd) pairs."""

    def __init__(self):
        super().__init__()
        self.rows: list[list[tuple[str, str, str]]] = []  # (tag, text, href of first link)
        self.pairs: list[tuple[str, str]] = []
        self._cell = None
        self._dt = None
        self._dd = None

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th") and self.rows:
            self._cell = [tag, "", ""]
        elif tag == "a" and self._cell is not None and not self._cell[2]:
            self._cell[2] = dict(attrs).get("href", "")
        elif tag == "dt":
            self._dt = ""
        elif tag == "dd":
            self._dd = ""

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append(tuple(self._cell))
            self._cell = None
        elif tag == "dd" and self._dd is not None:
            self.pairs.append((self._dt_last, self._dd.strip()))
            self._dd = None
        elif tag == "dt" and self._dt is not None:
            self._dt_last, self._dt = self._dt.strip(), None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell[1] += data
        if self._dt is not None:
            self._dt += data
        if self._dd is not None:
            self._dd += data


def _html_table(html: str, key) -> dict:
    """From every table with a 公民身份号码 column: person -> (masked, date info)."""
    parser = _Tables()
    parser.feed(html)
    out: dict = {}
    header: list[str] = []
    for row in parser.rows:
        if row and all(tag == "th" for tag, _t, _h in row):
            header = [text.strip() for _tag, text, _h in row]
            continue
        if "公民身份号码" not in header or len(row) != len(header):
            continue
        cells = dict(zip(header, row, strict=True))
        pk = key(cells)
        if pk is None:
            continue
        masked = cells["公民身份号码"][1].strip()
        info = [
            i for label in header if label in DATE_LABELS for i in date_info(label, cells[label][1].strip())
        ]
        out[pk] = (masked if MASKED.match(masked) else None, info)
    return out


def _pk_from_link(cells) -> int | None:
    href = cells["姓名"][2]
    m = re.search(r"/people/(\d+)/", href)
    return int(m.group(1)) if m else None


# --- the people and the attacker's accounts -----------------------------------------------------


@pytest.fixture
def people(db):
    """Thirty residents of 军门社区 born on random days, numbers issued in their district."""
    rng = random.Random(20261130)
    junmen = Region.objects.get(code=JUNMEN)
    out = {}
    for n in range(30):
        birth = dt.date(1935, 1, 1) + dt.timedelta(days=rng.randrange(365 * 70))
        male = rng.random() < 0.5
        number = compose("350102", birth, rng.randrange(1, 500) * 2 + (1 if male else 0))
        p = PersonFactory(
            community=junmen,
            name=f"测试{n:02d}号",
            sex="M" if male else "F",
            birth_date=birth,
            id_number=number,
        )
        out[p.pk] = p
    household = Household.objects.create(community=junmen, number="H-REC-1")
    for pk in list(out)[:3]:
        HouseholdMember.objects.create(
            community=junmen,
            household=household,
            person_id=pk,
            relationship="01" if pk == list(out)[0] else "20",
        )
    return out


@pytest.fixture
def worker_client(client, make_user):
    client.force_login(make_user("community_worker", JUNMEN))
    return client


def _by_name(people):
    return {p.name: pk for pk, p in people.items()}


# --- the surfaces -------------------------------------------------------------------------------


def test_list_page(worker_client, people):
    shown = {}
    for page in (1, 2):
        html = worker_client.get(
            reverse("registry:person_list"), {"q": "测试", "page": page}
        ).content.decode()
        shown |= _html_table(html, _pk_from_link)
    assert len(shown) == len(people)
    assert_none_recovered(shown, people)


def test_detail_page(worker_client, people):
    shown = {}
    for pk in people:
        html = worker_client.get(reverse("registry:person_detail", args=[pk])).content.decode()
        parser = _Tables()
        parser.feed(html)
        facts = dict(parser.pairs)
        heading = re.search(r"<h1>(.*?)</h1>", html, re.S).group(1)
        info = [i for label in DATE_LABELS for i in date_info(label, facts.get(label))]
        age = re.search(r"(\d+)岁", heading)
        if age and "今年满" not in heading:
            info.append(("age", int(age.group(1))))
        shown[pk] = (facts["公民身份号码"], info)
    assert_none_recovered(shown, people)


def test_registry_api(worker_client, people):
    items = worker_client.get("/api/registry/persons", {"q": "测试", "limit": 200}).json()["items"]
    listed = {i["id"]: (i["id_number_masked"], _api_info(i)) for i in items}
    assert len(listed) == len(people)
    assert_none_recovered(listed, people)
    detailed = {}
    for pk in people:
        body = worker_client.get(f"/api/registry/persons/{pk}").json()
        info = _api_info(body)
        history = worker_client.get(f"/api/registry/persons/{pk}/history").json()["items"]
        for change in history:  # the record's creation lists what it was created with
            value = change["changes"].get("birth_date")
            if isinstance(value, list):
                value = value[-1]
            info += date_info("birth_date", value)
        detailed[pk] = (body["id_number_masked"], info)
    assert_none_recovered(detailed, people)
    household = Household.objects.get(number="H-REC-1")
    members = worker_client.get(f"/api/registry/households/{household.pk}").json()["members"]
    assert_none_recovered({m["person_id"]: (m["id_number_masked"], _api_info(m)) for m in members}, people)


def _api_info(item: dict) -> list:
    """What a JSON person says of the birth: a date beats a year; `age` is the age this year
    when a year is given (documented so), the age on the day otherwise."""
    info = date_info("birth_date", item.get("birth_date"))
    info += date_info("birth_year", item.get("birth_year"))
    if not info and item.get("age") is not None:
        info = [("age", item["age"])]
    return info


def test_excel_export(worker_client, people):
    response = worker_client.post(
        reverse("registry:export"), {"purpose": "export_filing", "note": "季度走访名单"}
    )
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    header = [str(h) for h in rows[0]]
    by_name = _by_name(people)
    id_col = next(i for i, h in enumerate(header) if h.startswith("公民身份号码"))
    shown = {}
    for row in rows[1:]:
        info = [
            i
            for label, v in zip(header, row, strict=True)
            if label in DATE_LABELS
            for i in date_info(label, v)
        ]
        shown[by_name[row[0]]] = (row[id_col], info)
    assert len(shown) == len(people)
    assert_none_recovered(shown, people)


@pytest.fixture
def civil_client(client, make_user):
    """A 民政局 worker: the civil-affairs rules share name, birth date, identity number, ..."""
    department = DepartmentFactory(name="鼓楼区民政局", kind="civil_affairs", code="gl-civil-rec")
    client.force_login(make_user("department_staff", department))
    return client


def test_department_page(civil_client, people):
    html = civil_client.get(reverse("integration:department"), {"purpose": "aid_check"}).content.decode()
    by_name = _by_name(people)
    shown = _html_table(html, lambda cells: by_name.get(cells["姓名"][1].strip()))
    assert len(shown) == len(people)
    assert_none_recovered(shown, people)


def test_department_api_with_the_register_api(client, make_user, people):
    """A department whose rules give the birth date but not the number (卫健): what its API
    gives, joined with whatever the registry API would add, still leaves many numbers."""
    department = DepartmentFactory(name="鼓楼区卫健局", kind="health", code="gl-health-rec")
    client.force_login(make_user("department_staff", department))
    body = client.get(
        "/api/integration/department/people", {"purpose": "department_assist", "limit": 500}
    ).json()
    shown = {}
    for item in body["items"]:
        registry = client.get(f"/api/registry/persons/{item['id']}")
        masked = registry.json().get("id_number_masked") if registry.status_code == 200 else None
        masked = masked or (item.get("id_number") if MASKED.match(item.get("id_number") or "") else None)
        shown[item["id"]] = (masked, _api_info(item))
    assert len(shown) == len(people)
    assert_none_recovered(shown, people)


# --- the search as an oracle ------------------------------------------------------------------


def test_a_search_by_full_number_is_a_logged_reveal(worker_client, make_user, people, monkeypatch):
    """Trying each candidate as a search would confirm the right one: such a search needs the
    reveal permission and is written to the access log."""
    from gongzhi.core.models import AccessLogEntry
    from gongzhi.core.roles import ROLE_PERMISSIONS
    from gongzhi.registry.rules import VIEW_PERSON

    person = next(iter(people.values()))
    found = worker_client.get("/api/registry/persons", {"q": person.id_number}).json()
    assert [i["id"] for i in found["items"]] == [person.pk]
    entry = AccessLogEntry.objects.get()
    assert (entry.action, entry.object_id, entry.fields) == ("reveal", str(person.pk), ["id_number"])
    worker_client.get("/api/registry/persons", {"phone": person.phone})
    assert AccessLogEntry.objects.filter(fields=["phone"]).count() == 1

    monkeypatch.setitem(ROLE_PERMISSIONS, "expert", {VIEW_PERSON})  # sees people, may not reveal
    worker_client.force_login(make_user("expert", JUNMEN))
    refused = worker_client.get("/api/registry/persons", {"q": person.id_number})
    assert refused.status_code == 403 and person.name not in refused.content.decode()
    assert worker_client.get(reverse("registry:person_list"), {"q": person.id_number}).status_code == 403
    assert AccessLogEntry.objects.count() == 2  # the refused searches found nothing to log


def test_the_full_birth_date_comes_with_the_revealed_number(worker_client, people):
    person = next(iter(people.values()))
    body = worker_client.post(
        f"/api/registry/persons/{person.pk}/reveal",
        json.dumps({"purpose": "aid_check", "note": "核实低保申请"}),
        content_type="application/json",
    ).json()
    assert (body["id_number"], body["birth_date"]) == (person.id_number, person.birth_date.isoformat())


# --- the full date appears nowhere beside a masked number -------------------------------------


def _date_spellings(day: dt.date) -> list[str]:
    return [day.isoformat(), f"{day:%Y%m%d}", f"{day:%Y/%m/%d}", f"{day.year}年{day.month}月{day.day}日"]


@pytest.fixture
def entered(db, make_user):
    """Residents entered on the pages (so that their fields have provenance: 社区采集)."""
    from gongzhi.registry import services

    worker = make_user("community_worker", JUNMEN)
    junmen = Region.objects.get(code=JUNMEN)
    return [
        services.person_create(
            by=worker,
            community=junmen,
            data={
                "name": f"录入{n}",
                "id_number": compose("350102", dt.date(1950 + n, 3, 9 + n), 31 + 2 * n),
            },
        )
        for n in range(5)
    ]


@pytest.mark.parametrize("role,scope", [("community_worker", JUNMEN), ("street_staff", "350102004")])
def test_no_page_shows_the_date_beside_the_masked_number(client, make_user, entered, role, scope):
    """Detail page with its provenance panel and history, the provenance page, the edit form,
    the history API: the birth date in no spelling (the year is all they show)."""
    client.force_login(make_user(role, scope))
    for person in entered:
        urls = [
            reverse("registry:person_detail", args=[person.pk]),
            reverse("integration:person_provenance", args=[person.pk]),
            f"/api/registry/persons/{person.pk}/history",
            f"/api/registry/persons/{person.pk}",
            f"/api/integration/people/{person.pk}/provenance",
        ]
        if role == "community_worker":
            urls.append(reverse("registry:person_edit", args=[person.pk]))
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            text = response.content.decode()
            assert (
                person.id_number_masked in text or "/edit/" in url or "provenance" in url or "history" in url
            )
            for spelling in _date_spellings(person.birth_date):
                assert spelling not in text, (url, spelling)


def test_what_is_shown_does_not_change_on_the_birthday(worker_client, people):
    """An age on the day would change on the birthday: a page read every day would date it.
    What is shown is the same the day before and the day of the birthday."""
    from freezegun import freeze_time

    person = next(iter(people.values()))
    birthday = (
        person.birth_date.replace(year=2026)
        if person.birth_date.month != 2 or person.birth_date.day != 29
        else dt.date(2026, 3, 1)
    )
    seen = []
    for day in (birthday - dt.timedelta(days=1), birthday):
        with freeze_time(f"{day.isoformat()} 12:00:00"):
            html = worker_client.get(reverse("registry:person_list"), {"q": person.name}).content.decode()
            shown = _html_table(html, _pk_from_link)[person.pk]
            api = worker_client.get(f"/api/registry/persons/{person.pk}").json()
            seen.append((shown, api["birth_year"], api["age"]))
    assert seen[0] == seen[1]
