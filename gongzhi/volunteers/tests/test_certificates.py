"""Service-record certificates (志愿服务记录证明): who may issue and revoke, what is counted (only
the issuer's communities' records, within the period), the PDF (a real PDF carrying the
verification code and its QR link), the access log, and a public page that leaks nothing."""

from __future__ import annotations

import base64
import datetime as dt
import re
import zlib
from decimal import Decimal

import pytest
from django.urls import reverse

from gongzhi.core import clock
from gongzhi.core.errors import ApplicationError, NotFound, PermissionDenied
from gongzhi.core.models import AccessLogEntry, Region
from gongzhi.volunteers import certificates as certs
from gongzhi.volunteers import services
from gongzhi.volunteers.codes import checkin_code
from gongzhi.volunteers.models import Certificate

from .conftest import DAGEN, JUNMEN, OTHER, TZ

pytestmark = pytest.mark.django_db

STREET = "350102004"


def _today() -> dt.date:
    return clock.now().astimezone(TZ).date()


@pytest.fixture
def served(make_user, make_resident, staff):
    """A 军门 volunteer (with an identity number and a phone in the register) who served 2 h by
    self check-in and 3 h entered by staff in 军门 last week, and 4 h in 大根 (entered by the
    street) — plus 5 h two years ago."""
    user = make_resident(JUNMEN, name="林秀英", birth_date=dt.date(1968, 3, 12))
    v = services.volunteer_register(person=user.person, by=user)
    junmen = Region.objects.get(code=JUNMEN)
    street = make_user("street_staff", STREET)
    week_ago = clock.now().astimezone(TZ).replace(hour=9, minute=0, second=0, microsecond=0) - dt.timedelta(
        days=7
    )
    with clock.at(week_ago - dt.timedelta(days=1)):
        act = services.activity_create(
            community=junmen,
            title="敬老院陪伴",
            place="东街街道敬老院",
            by=staff,
            shifts=[(week_ago, week_ago + dt.timedelta(hours=3), 5)],
        )
        services.signup_create(shift=act.shifts.get(), volunteer=v, by=user)
    with clock.at(week_ago):
        services.checkin_record(activity=act, volunteer=v, code=checkin_code(act.pk, week_ago), by=user)
    t_out = week_ago + dt.timedelta(hours=2)
    with clock.at(t_out):
        services.checkout_record(activity=act, volunteer=v, code=checkin_code(act.pk, t_out), by=user)
    services.hours_enter(
        volunteer=v,
        activity=act,
        hours=Decimal("3"),
        served_on=week_ago.date(),
        reason="纸质签到表",
        by=staff,
    )
    dagen_act = services.activity_create(
        community=Region.objects.get(code=DAGEN), title="文明劝导", place="大根路口", by=street
    )
    services.hours_enter(
        volunteer=v,
        activity=dagen_act,
        hours=Decimal("4"),
        served_on=week_ago.date(),
        reason="街道补录",
        by=street,
    )
    services.hours_enter(
        volunteer=v,
        activity=act,
        hours=Decimal("5"),
        served_on=_today() - dt.timedelta(days=730),
        reason="旧台账",
        by=staff,
    )
    return {"user": user, "volunteer": v, "street": street, "activity": act}


def test_a_certificate_counts_the_issuers_records_in_the_period(served, staff):
    v = served["volunteer"]
    start, end = _today() - dt.timedelta(days=30), _today()
    logged = AccessLogEntry.objects.count()
    cert = certs.certificate_issue(volunteer=v, start=start, end=end, by=staff)
    # 军门 staff certify 军门's records only: 2 h check-in + 3 h staff entry; not 大根's 4 h, not
    # the 5 h of two years ago.
    assert (cert.hours, cert.hours_checkin, cert.hours_staff) == (Decimal("5"), Decimal("2"), Decimal("3"))
    assert (cert.records, cert.activities) == (2, 1)
    assert cert.holder == "林秀英" and cert.holder_masked == "林*英"
    assert cert.id_number_masked == v.person.id_number_masked and "*" in cert.id_number_masked
    assert cert.issuer == "福州市鼓楼区东街街道军门社区居民委员会"
    assert re.fullmatch(r"[A-HJ-NP-Z2-9]{12}", cert.code)
    # The street, whose scope covers both communities, certifies all 9 h of the period.
    wide = certs.certificate_issue(volunteer=v, start=start, end=end, by=served["street"])
    assert wide.hours == Decimal("9") and wide.code != cert.code
    # Each issue is in the personal-data access log with its purpose.
    entries = list(AccessLogEntry.objects.order_by("id")[logged:])
    assert [(e.action, e.purpose, e.object_id) for e in entries] == [
        ("export", "issue_certificate", str(v.person_id)),
        ("export", "issue_certificate", str(v.person_id)),
    ]
    assert cert.code in entries[0].purpose_note


def test_the_figure_and_its_records_agree(served, staff):
    v = served["volunteer"]
    fig = certs.certifiable_hours(
        user=staff, volunteer=v, start=_today() - dt.timedelta(days=30), end=_today()
    )
    assert fig.total == sum(r.hours for r in fig.records) == Decimal("5")
    assert fig.checkin + fig.staff == fig.total


@pytest.mark.parametrize(
    "who,start_days,end_days,exc,code",
    [
        ("resident", 30, 0, PermissionDenied, "permission_denied"),
        ("dagen_worker", 30, 0, NotFound, "not_found"),
        ("grid_worker", 30, 0, PermissionDenied, "permission_denied"),
        ("staff", 30, -1, ApplicationError, "bad_period"),  # ends tomorrow
        ("staff", 0, 30, ApplicationError, "bad_period"),  # starts after it ends
        ("staff", 3, 0, ApplicationError, "no_hours_in_period"),
    ],
)
def test_refused_issues_change_nothing(served, staff, make_user, who, start_days, end_days, exc, code):
    by = {
        "resident": served["user"],
        "dagen_worker": make_user("community_worker", DAGEN),
        "grid_worker": make_user("grid_worker", JUNMEN),
        "staff": staff,
    }[who]
    logged = AccessLogEntry.objects.count()
    with pytest.raises(exc) as e:
        certs.certificate_issue(
            volunteer=served["volunteer"],
            start=_today() - dt.timedelta(days=start_days),
            end=_today() - dt.timedelta(days=end_days),
            by=by,
        )
    assert e.value.code == code
    assert Certificate.objects.count() == 0 and AccessLogEntry.objects.count() == logged


def test_revoke_needs_a_reason_the_permission_and_happens_once(served, staff, make_user):
    cert = certs.certificate_issue(
        volunteer=served["volunteer"], start=_today() - dt.timedelta(days=30), end=_today(), by=staff
    )
    with pytest.raises(ApplicationError) as e:
        certs.certificate_revoke(certificate=cert, reason="  ", by=staff)
    assert e.value.code == "reason_required"
    with pytest.raises(NotFound):
        certs.certificate_revoke(certificate=cert, reason="错", by=make_user("community_worker", DAGEN))
    with pytest.raises(PermissionDenied):
        certs.certificate_revoke(certificate=cert, reason="错", by=served["user"])
    cert.refresh_from_db()
    assert cert.valid
    certs.certificate_revoke(certificate=cert, reason="服务期间填错", by=staff)
    with pytest.raises(ApplicationError) as e:
        certs.certificate_revoke(certificate=cert, reason="again", by=staff)
    assert e.value.code == "already_revoked" and e.value.status == 409
    cert.refresh_from_db()
    assert not cert.valid and cert.revoke_reason == "服务期间填错"


# The PDF -----------------------------------------------------------------------------------------


def pdf_text(data: bytes) -> str:
    """The text drawn in a reportlab PDF: every content stream inflated (ASCII85 + Flate), every
    string operand read both as Latin-1 and as UTF-16BE (the CID font's encoding)."""
    out = []
    for m in re.finditer(rb"stream\r?\n(.*?)endstream", data, re.S):
        raw = m.group(1).strip()
        try:
            if raw.endswith(b"~>"):
                raw = base64.a85decode(raw, adobe=True)
            raw = zlib.decompress(raw)
        except (ValueError, zlib.error):
            continue
        for s in re.findall(rb"\(((?:\\.|[^\\)])*)\)\s*Tj", raw, re.S):
            b = re.sub(
                rb"\\([0-7]{1,3}|.)",
                lambda x: bytes([int(x.group(1), 8)]) if x.group(1)[:1].isdigit() else x.group(1),
                s,
                flags=re.S,
            )
            out.append(b.decode("latin-1"))
            if len(b) % 2 == 0:
                out.append(b.decode("utf-16-be", errors="ignore"))
    return "\n".join(out)


def test_the_pdf_is_a_pdf_with_the_code_and_the_verification_link(client, served, staff):
    cert = certs.certificate_issue(
        volunteer=served["volunteer"], start=_today() - dt.timedelta(days=30), end=_today(), by=staff
    )
    client.force_login(staff)
    r = client.get(reverse("volunteers:certificate_download", args=[cert.pk]))
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    assert "filename*=UTF-8''" in r["Content-Disposition"]
    data = r.content
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    text = pdf_text(data)
    url = "http://testserver" + reverse("volunteers:certificate_verify_code", args=[cert.code])
    assert cert.code in text and url in text
    assert "志愿服务记录证明" in text and "林秀英" in text and cert.issuer in text
    assert cert.id_number_masked in text
    # The full identity number and the phone are never printed.
    person = served["volunteer"].person
    assert person.id_number not in text and person.phone not in text
    # The volunteer downloads their own; another resident cannot find it.
    client.force_login(served["user"])
    assert client.get(reverse("volunteers:certificate_download", args=[cert.pk])).status_code == 200


def test_a_revoked_certificate_says_so_on_the_pdf(client, served, staff):
    cert = certs.certificate_issue(
        volunteer=served["volunteer"], start=_today() - dt.timedelta(days=30), end=_today(), by=staff
    )
    certs.certificate_revoke(certificate=cert, reason="时长有误", by=staff)
    client.force_login(staff)
    text = pdf_text(client.get(reverse("volunteers:certificate_download", args=[cert.pk])).content)
    assert "作废" in text and "时长有误" in text


def test_the_qr_code_in_the_pdf_is_the_verification_link():
    """The drawing's dark squares are segno's matrix of exactly that URL."""
    import segno

    from gongzhi.volunteers.certificate_pdf import qr_drawing

    url = "https://gz.example/volunteers/verify/ABCDEFGHJKLM/"
    d = qr_drawing(url, 100)
    assert len(d.contents) == sum(sum(1 for x in row if x) for row in segno.make(url, error="m").matrix)


# The public verification page --------------------------------------------------------------------


def test_the_public_page_shows_what_a_verifier_needs_and_leaks_nothing(client, served, staff):
    cert = certs.certificate_issue(
        volunteer=served["volunteer"], start=_today() - dt.timedelta(days=30), end=_today(), by=staff
    )
    person = served["volunteer"].person
    r = client.get(reverse("volunteers:certificate_verify_code", args=[cert.code]))  # anonymous
    assert r.status_code == 200 and r["X-Robots-Tag"] == "noindex"
    html = r.content.decode()
    for shown in (
        "林*英",
        "5.00",
        cert.issuer,
        cert.period_start.isoformat(),
        cert.period_end.isoformat(),
        "真实有效",
    ):
        assert shown in html, shown
    leaks = [
        "林秀英",
        person.id_number,
        cert.id_number_masked,
        person.phone,
        person.phone_masked,
        "1968",
        "纸质签到表",
        "敬老院陪伴",
        str(staff.username),
    ]
    assert [s for s in leaks if s in html] == []
    # Typed by hand: lower case and spaces are forgiven; a wrong code is a 404 that names nobody.
    spaced = " ".join([cert.code[:4].lower(), cert.code[4:8], cert.code[8:]])
    assert "林*英" in client.get(reverse("volunteers:certificate_verify"), {"code": spaced}).content.decode()
    r = client.get(reverse("volunteers:certificate_verify_code", args=["ABCDEFGHJKLM"]))
    assert r.status_code == 404 and "未找到该证明" in r.content.decode()
    # Revoked: the page says so.
    certs.certificate_revoke(certificate=cert, reason="时长有误", by=staff)
    html = client.get(reverse("volunteers:certificate_verify_code", args=[cert.code])).content.decode()
    assert "作废" in html and "真实有效" not in html and "时长有误" not in html


def test_the_public_api_answers_the_same_fields_only(client, served, staff):
    cert = certs.certificate_issue(
        volunteer=served["volunteer"], start=_today() - dt.timedelta(days=30), end=_today(), by=staff
    )
    r = client.get(f"/api/volunteers/certificates/verify/{cert.code}/")
    assert r.status_code == 200
    body = r.json()
    assert set(body) == {
        "code",
        "holder_masked",
        "hours",
        "period_start",
        "period_end",
        "issuer",
        "issued_on",
        "valid",
        "revoked_on",
    }
    assert body["holder_masked"] == "林*英" and body["valid"] is True
    assert client.get("/api/volunteers/certificates/verify/ZZZZZZZZZZZZ/").status_code == 404


# Pages and API: the role matrix ------------------------------------------------------------------


@pytest.mark.parametrize(
    "role,scope,new,detail",
    [
        ("community_worker", JUNMEN, 200, 200),
        ("community_head", JUNMEN, 200, 200),
        ("street_staff", STREET, 200, 200),
        ("district_staff", "350102", 200, 200),
        ("community_worker", DAGEN, 404, 404),
        ("street_staff", "350102001", 404, 404),
        ("grid_worker", JUNMEN, 403, 404),
        ("resident", JUNMEN, 403, 404),
        ("resident", OTHER, 403, 404),
    ],
)
def test_page_role_matrix(client, make_user, served, staff, role, scope, new, detail):
    v = served["volunteer"]
    cert = certs.certificate_issue(
        volunteer=v, start=_today() - dt.timedelta(days=30), end=_today(), by=staff
    )
    client.force_login(make_user(role, scope))
    assert client.get(reverse("volunteers:certificate_list")).status_code == 200
    assert client.get(reverse("volunteers:certificate_new"), {"volunteer": v.pk}).status_code == new
    assert client.get(reverse("volunteers:certificate_detail", args=[cert.pk])).status_code == detail
    assert client.get(reverse("volunteers:certificate_download", args=[cert.pk])).status_code == detail
    r = client.post(reverse("volunteers:certificate_revoke", args=[cert.pk]), {"reason": "测试"})
    assert (r.status_code == 302) == (detail == 200)
    cert.refresh_from_db()
    assert cert.valid == (detail != 200)


def test_anonymous_visitors_log_in_for_everything_but_the_public_check(client, served, staff):
    cert = certs.certificate_issue(
        volunteer=served["volunteer"], start=_today() - dt.timedelta(days=30), end=_today(), by=staff
    )
    for url in (
        reverse("volunteers:certificate_list"),
        reverse("volunteers:certificate_new") + f"?volunteer={served['volunteer'].pk}",
        reverse("volunteers:certificate_detail", args=[cert.pk]),
        reverse("volunteers:certificate_download", args=[cert.pk]),
    ):
        r = client.get(url)
        assert r.status_code == 302 and "login" in r["Location"], url
    assert client.get(reverse("volunteers:certificate_verify")).status_code == 200
    assert client.get("/api/volunteers/certificates/").status_code == 401


def test_issue_from_the_page_and_list_what_each_may_see(client, served, staff, make_user):
    v = served["volunteer"]
    client.force_login(staff)
    start = (_today() - dt.timedelta(days=30)).isoformat()
    r = client.get(reverse("volunteers:certificate_new"), {"volunteer": v.pk, "start": start})
    assert r.status_code == 200 and "敬老院陪伴" in r.content.decode()
    r = client.post(
        reverse("volunteers:certificate_new"),
        {"volunteer": v.pk, "start": start, "end": _today().isoformat()},
    )
    cert = Certificate.objects.get()
    assert r.status_code == 302 and r["Location"] == reverse("volunteers:certificate_detail", args=[cert.pk])
    html = client.get(r["Location"]).content.decode()
    assert cert.code in html and "<svg" in html and 'role="img"' in html
    # A bad period from the page: a message, nothing written.
    r = client.post(
        reverse("volunteers:certificate_new"), {"volunteer": v.pk, "start": "2099-01-01", "end": "2099-02-01"}
    )
    assert Certificate.objects.count() == 1
    # The volunteer sees their own certificate; another resident of 军门 sees none.
    client.force_login(served["user"])
    assert cert.code in client.get(reverse("volunteers:certificate_list")).content.decode()
    client.force_login(make_user("resident", JUNMEN))
    assert cert.code not in client.get(reverse("volunteers:certificate_list")).content.decode()


def test_api_issue_list_and_revoke_in_scope_only(client, served, staff, make_user):
    v = served["volunteer"]
    body = {
        "volunteer_id": v.pk,
        "start": (_today() - dt.timedelta(days=30)).isoformat(),
        "end": _today().isoformat(),
    }
    client.force_login(served["user"])
    assert (
        client.post("/api/volunteers/certificates/", body, content_type="application/json").status_code == 403
    )
    client.force_login(make_user("community_worker", DAGEN))
    assert (
        client.post("/api/volunteers/certificates/", body, content_type="application/json").status_code == 404
    )
    client.force_login(staff)
    r = client.post("/api/volunteers/certificates/", body, content_type="application/json")
    assert r.status_code == 201 and Decimal(str(r.json()["hours"])) == 5
    pk = r.json()["id"]
    assert [c["id"] for c in client.get("/api/volunteers/certificates/").json()] == [pk]
    r = client.post(
        f"/api/volunteers/certificates/{pk}/revoke/", {"reason": ""}, content_type="application/json"
    )
    assert r.status_code == 400
    r = client.post(
        f"/api/volunteers/certificates/{pk}/revoke/", {"reason": "错"}, content_type="application/json"
    )
    assert r.status_code == 200 and r.json()["valid"] is False
    client.force_login(served["user"])
    assert [c["id"] for c in client.get("/api/volunteers/certificates/").json()] == [pk]
