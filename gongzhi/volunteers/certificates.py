"""Service-record certificates (志愿服务记录证明): services and selectors.

The national rules (志愿服务记录与证明出具办法, 民政部令第67号) say the record must be true,
accurate and complete, and that whoever records the hours certifies them: a certificate counts
only the hours recorded in the communities where the issuer holds `volunteers.certify`, over the
period asked for (self check-in, staff entry and corrections alike, each kept apart on the
certificate). What was certified is frozen in the row; a wrong certificate is revoked with a
reason, never edited. Every issue is written to the personal-data access log (purpose 出具证明).

The public verification page shows what a verifier needs and nothing more: the masked name, the
hours, the period, the issuing organisation and whether the certificate is still valid.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from gongzhi.core import clock, pii
from gongzhi.core.audit import access_log_record
from gongzhi.core.errors import NotFound
from gongzhi.core.models import AccessAction, Region
from gongzhi.core.permissions import require
from gongzhi.core.purposes import Purpose
from gongzhi.core.scoping import scoped

from . import rules
from .errors import error
from .models import Certificate, HourRecord, Volunteer

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed from paper
CODE_LENGTH = 12  # 32**12 = 2**60 codes: not guessable
EARLIEST = dt.date(2000, 1, 1)
TWO = Decimal("0.01")


def _d(value) -> Decimal:
    return Decimal(str(value or 0)).quantize(TWO)


@dataclass(frozen=True)
class CertifiableHours:
    """The figure a certificate states, and the hour records it counted."""

    total: Decimal
    checkin: Decimal  # 信用时长: self check-in with the rotating code
    staff: Decimal  # 补录 and 更正: entered by staff
    activities: int
    records: QuerySet[HourRecord]

    @property
    def count(self) -> int:
        return self.records.count()


def certifiable_hours(*, user, volunteer: Volunteer, start: dt.date, end: dt.date) -> CertifiableHours:
    """The hours of `volunteer` served from `start` to `end` (inclusive) and recorded in the
    communities where `user` may certify. The issue form's preview and the certificate use it."""
    records = scoped(
        HourRecord.objects.filter(volunteer=volunteer, served_on__gte=start, served_on__lte=end),
        user,
        rules.CERTIFY,
    ).select_related("activity")
    sums = records.aggregate(
        total=Sum("hours"),
        checkin=Sum("hours", filter=Q(source=HourRecord.Source.CHECKIN)),
        activities=Count("activity", distinct=True),
    )
    total, checkin = _d(sums["total"]), _d(sums["checkin"])
    return CertifiableHours(
        total=total,
        checkin=checkin,
        staff=total - checkin,
        activities=sums["activities"] or 0,
        records=records.order_by("served_on", "id"),
    )


def issuer_name(community: Region) -> str:
    """The residents' committee of the volunteer's community, named with its city, district and
    street: 福州市鼓楼区东街街道军门社区居民委员会."""
    codes = [community.code[:n] for n in (4, 6, 9)]
    names = dict(Region.objects.filter(code__in=codes).values_list("code", "name"))
    return "".join(names.get(c, "") for c in codes) + community.name + "居民委员会"


def _check_period(start: dt.date | None, end: dt.date | None) -> tuple[dt.date, dt.date]:
    today = timezone.localdate(clock.now())
    if start is None or end is None or start > end or end > today or start < EARLIEST:
        raise error("bad_period")
    return start, end


def _new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


@transaction.atomic
def certificate_issue(*, volunteer: Volunteer, start: dt.date | None, end: dt.date | None, by) -> Certificate:
    """Issue a certificate of the hours `by`'s communities recorded for the volunteer in the period.
    Refused (nothing written) without the permission over the volunteer, with a bad period, or when
    no hours were recorded there."""
    require(by, rules.CERTIFY)
    require(by, rules.CERTIFY, volunteer, hide=True)
    start, end = _check_period(start, end)
    figure = certifiable_hours(user=by, volunteer=volunteer, start=start, end=end)
    if figure.total <= 0:
        raise error("no_hours_in_period")
    person = volunteer.person
    community = Region.objects.get(code=volunteer.community_id)
    cert = Certificate.objects.create(
        community=community,
        volunteer=volunteer,
        holder=volunteer.name,
        holder_masked=pii.mask_name(volunteer.name),
        id_number_masked=person.id_number_masked,
        period_start=start,
        period_end=end,
        hours=figure.total,
        hours_checkin=figure.checkin,
        hours_staff=figure.staff,
        records=figure.count,
        activities=figure.activities,
        issuer=issuer_name(community),
        code=_new_code(),
        issued_by=by,
    )
    access_log_record(
        user=by,
        action=AccessAction.EXPORT,
        object_type="registry.person",
        object_id=str(person.pk),
        community_code=volunteer.community_id,
        fields=["name", "id_number_masked", "volunteer_hours"],
        purpose=Purpose.ISSUE_CERTIFICATE,
        note=f"志愿服务记录证明 {cert.code}",
    )
    return cert


@transaction.atomic
def certificate_revoke(*, certificate: Certificate, reason: str, by) -> Certificate:
    """Revoke a certificate (the public page then says so); the reason is required."""
    require(by, rules.CERTIFY)
    require(by, rules.CERTIFY, certificate, hide=True)
    reason = (reason or "").strip()[:200]
    if not reason:
        raise error("reason_required")
    cert = Certificate.objects.select_for_update().get(pk=certificate.pk)
    if cert.revoked_at is not None:
        raise error("already_revoked")
    cert.revoked_at = clock.now()
    cert.revoked_by = by
    cert.revoke_reason = reason
    cert.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
    return cert


def normalise_code(code: str) -> str:
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())[:CODE_LENGTH]


def certificate_verify(*, code: str) -> Certificate:
    """The public check by verification code (no account needed)."""
    code = normalise_code(code)
    cert = Certificate.objects.filter(code=code).first() if len(code) == CODE_LENGTH else None
    if cert is None:
        raise NotFound(error("certificate_code").message)
    return cert


@dataclass(frozen=True)
class PublicCertificate:
    """Everything the public verification page may show — and nothing else."""

    code: str
    holder_masked: str
    hours: Decimal
    period_start: dt.date
    period_end: dt.date
    issuer: str
    issued_on: dt.date
    valid: bool
    revoked_on: dt.date | None


def certificate_public(*, code: str) -> PublicCertificate:
    cert = certificate_verify(code=code)
    return PublicCertificate(
        code=cert.code,
        holder_masked=cert.holder_masked,
        hours=cert.hours,
        period_start=cert.period_start,
        period_end=cert.period_end,
        issuer=cert.issuer,
        issued_on=timezone.localdate(cert.issued_at),
        valid=cert.valid,
        revoked_on=timezone.localdate(cert.revoked_at) if cert.revoked_at else None,
    )


def certificate_list(*, user) -> QuerySet[Certificate]:
    """Staff: the certificates of their communities; a volunteer: their own."""
    qs = Certificate.objects.select_related("volunteer", "community")
    mine = Q(volunteer__person_id=user.person_id) if getattr(user, "person_id", None) else Q(pk__in=[])
    if user.has_perm(rules.CERTIFY):
        from gongzhi.core.scoping import scope_q

        return qs.filter(scope_q(user, rules.CERTIFY) | mine).order_by("-issued_at", "-id")
    return qs.filter(mine).order_by("-issued_at", "-id")


def certificate_get(*, user, pk: int) -> Certificate:
    cert = certificate_list(user=user).filter(pk=pk).first()
    if cert is None:
        raise NotFound()
    return cert
