"""Certificates (出具证明): only the kinds on the district's list in force; the text is filled from
the register; a verification code and a public page; every issue logged with its purpose."""

from __future__ import annotations

import secrets

from django.db import transaction

from gongzhi.core import clock, pii
from gongzhi.core.audit import access_log_record
from gongzhi.core.errors import NotFound
from gongzhi.core.models import AccessAction
from gongzhi.core.permissions import require
from gongzhi.core.purposes import Purpose
from gongzhi.demands.calendar import local
from gongzhi.registry import selectors as registry

from . import rules
from .cert_templates import render, template_problem
from .errors import error
from .models import Certificate, ListKind
from .selectors import list_in_force

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I


def certificate_kinds(*, community: str) -> list[tuple[str, str]]:
    version = list_in_force(region=community)
    if version is None:
        return []
    return list(version.items.filter(kind=ListKind.CERTIFICATE).values_list("code", "title"))


@transaction.atomic
def certificate_issue(*, person_id: int, kind: str, by, note: str = "") -> Certificate:
    """Issue a listed certificate for a resident of the worker's community; refuse every other kind."""
    require(by, rules.ISSUE_CERTIFICATE)
    person = registry.person_get(user=by, pk=person_id)  # scoped: another community's resident is "not found"
    require(by, rules.ISSUE_CERTIFICATE, person, hide=True)
    version = list_in_force(region=person.community_id)
    item = version.items.filter(kind=ListKind.CERTIFICATE, code=kind).first() if version is not None else None
    if version is None or item is None:
        raise error("certificate_kind")
    if template_problem(item.template):
        raise error("certificate_no_template")
    now = clock.now()
    body, fields = render(
        item.template, person=person, community_name=person.community.name, today=local(now).date()
    )
    code = "".join(secrets.choice(ALPHABET) for _ in range(12))
    cert = Certificate.objects.create(
        community_id=person.community_id,
        kind=kind,
        kind_title=item.title,
        list_version=version,
        person=person,
        holder_masked=pii.mask_name(person.name),
        body=body,
        code=code,
        issued_at=now,
        issued_by=by,
        purpose_note=(note or "")[:200],
    )
    access_log_record(
        user=by,
        action=AccessAction.EXPORT,
        object_type="registry.person",
        object_id=str(person.pk),
        community_code=person.community_id,
        fields=fields,
        purpose=Purpose.ISSUE_CERTIFICATE,
        note=f"{item.title} {code}"[:200],
    )
    return cert


PEOPLE_SHOWN = 20


def certificate_people(*, user, q: str) -> tuple[list, str]:
    """The person picker: residents the user may issue certificates for, found by name (its first
    characters), the last four of the identity number or part of the address; at most 20, each
    with a masked identity number and a birth year (never the date). A full identity number is a
    reveal the registry answers for (its permission and log); refused here in plain words."""
    from gongzhi.core.errors import ApplicationError
    from gongzhi.core.scoping import scope_q

    try:
        qs = registry.person_search(user=user, q=q).filter(scope_q(user, rules.ISSUE_CERTIFICATE))
        people = list(qs.select_related("community", "dwelling")[:PEOPLE_SHOWN])
    except ApplicationError as e:
        return [], str(e.message)
    return people, ""


def certificate_people_by_pk(*, user, pk: int) -> list:
    from gongzhi.core.scoping import scope_q

    return list(
        registry.person_queryset(user=user)
        .filter(scope_q(user, rules.ISSUE_CERTIFICATE), pk=pk)
        .select_related("community", "dwelling")
    )


def certificate_verify(*, code: str) -> Certificate:
    """The public check: a code gives back the kind, the community, the date and the masked holder."""
    code = "".join(ch for ch in (code or "").upper() if ch.isalnum())[:16]
    cert = Certificate.objects.select_related("community").filter(code=code).first() if code else None
    if cert is None:
        raise NotFound(error("certificate_code").message)
    return cert


def certificates_issued(*, user):
    from gongzhi.core.scoping import scoped

    return scoped(Certificate.objects.select_related("community"), user, rules.ISSUE_CERTIFICATE)
