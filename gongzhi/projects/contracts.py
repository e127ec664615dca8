"""The contract of an approved project (签约): recorded once by the approver.

Design: a recorded contract is shown, never edited — the database keeps one per project and the
service refuses a second (409). A wrong contract is corrected outside the platform's record for
now (there is no "new version with a reason" yet); the refusal says so plainly. The parties are
the approving street or district (the call's region) and the applying organisation; the amount is
the approved grant; the instalment schedule is the project's instalments."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone

from gongzhi.core import clock

from .details import FORMULA_START
from .errors import error
from .models import Contract, Project, ProjectEvent
from .workflow import CONTRACT


def _date(value) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value or "").strip())
    except ValueError:
        return None


@transaction.atomic
def contract_record(*, by, project: Project, number: str, signed_on) -> Contract:
    project = (
        Project.objects.select_for_update(of=("self",))
        .select_related("application__call", "application__organization")
        .get(pk=project.pk)
    )
    CONTRACT.require("record", project, by)
    number = " ".join(str(number or "").split())
    if not number or len(number) > 40 or number.startswith(FORMULA_START):
        raise error("contract_number")
    signed = _date(signed_on)
    approved = (
        ProjectEvent.objects.filter(
            kind="application_approve", subject=f"application:{project.application_id}"
        )
        .order_by("at")
        .values_list("at", flat=True)
        .first()
    )
    too_early = approved is not None and signed is not None and signed < timezone.localdate(approved)
    if signed is None or signed > timezone.localdate(clock.now()) or too_early:
        raise error("contract_date")
    if Contract.objects.filter(community_id=project.community_id, number=number).exists():
        raise error("contract_number_taken")
    app = project.application
    try:
        with transaction.atomic():
            contract = Contract.objects.create(
                community_id=project.community_id,
                project=project,
                number=number,
                signed_on=signed,
                party_region_id=app.call.region_id,
                party_organization_id=app.organization_id,
                amount=project.grant,
                created_by=by,
            )
    except IntegrityError:  # a parallel recording won
        raise error("contract_exists") from None
    ProjectEvent.objects.create(
        kind="contract_recorded",
        subject=f"project:{project.pk}",
        by=by,
        data={"number": number, "signed_on": signed.isoformat(), "amount": str(project.grant)},
    )
    return contract


def contract_of(project: Project) -> Contract | None:
    return (
        Contract.objects.filter(project_id=project.pk)
        .select_related("party_region", "party_organization")
        .first()
    )
