"""The estates a property company manages: the registry's `Estate.property_company`, set here.

One change, three ways in: set (the API: the estates in the user's reach become exactly these),
add (the company's page and the import) and remove (the page). The guard is
`rules.may_set_estates`: `organizations.manage` held over the estates, each of which must lie in
the user's scope and in the company's region. An estate managed by another company is moved only
with `move=True`, and the change says from which company. Every estate changed writes an event on
the company (and on the company it left) and a line in the estate's edit history."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

from gongzhi.core.errors import PermissionDenied
from gongzhi.core.history import change_record
from gongzhi.core.permissions import require
from gongzhi.core.scoping import in_scope, scoped
from gongzhi.registry.models import Estate

from .errors import error
from .events import event_record
from .models import Organization, OrganizationKind
from .rules import MANAGE, estate_scope_prefixes


@dataclass
class EstatesChange:
    """What a change did: the estates added (of which those moved from another company, with its
    name) and removed."""

    company: Organization
    added: list[Estate] = field(default_factory=list)
    removed: list[Estate] = field(default_factory=list)
    moved: list[tuple[Estate, str]] = field(default_factory=list)

    def message(self) -> str:
        parts = []
        if self.added:
            parts.append(_("已添加 %(n)s 个小区。") % {"n": len(self.added)})
        if self.moved:
            moved = _("、").join(
                _("“%(estate)s”（原由“%(company)s”管理）") % {"estate": e.name, "company": c}
                for e, c in self.moved
            )
            parts.append(_("其中从其他物业公司移交：%(list)s。") % {"list": moved})
        if self.removed:
            names = _("、").join(e.name for e in self.removed)
            parts.append(_("已移除：%(list)s。") % {"list": names})
        return "".join(parts) or _("没有变化。")


def _check_company(by, company: Organization) -> list[str]:
    require(by, MANAGE)
    if company.kind != OrganizationKind.PROPERTY_COMPANY:
        raise error("not_property_company")
    prefixes = estate_scope_prefixes(by, company)
    if not prefixes:
        raise PermissionDenied()
    return prefixes


def _check_reach(by, company: Organization, estate: Estate) -> None:
    if not in_scope(by, MANAGE, estate.community_id):
        raise error("estate_out_of_scope", name=estate.name)
    if not estate.community_id.startswith(company.region_id):
        raise error(
            "estate_outside_company_region",
            name=estate.name,
            company=company.name,
            region=company.region.name,
        )


@transaction.atomic
def _change(*, by, company: Organization, add: Iterable[Estate], remove: Iterable[Estate], move: bool):
    _check_company(by, company)
    add_ids = list(dict.fromkeys(e.pk for e in add))
    remove_ids = [pk for pk in dict.fromkeys(e.pk for e in remove) if pk not in add_ids]
    rows = {
        e.pk: e
        for e in Estate.objects.select_for_update(of=("self",))
        .select_related("community", "property_company")
        .filter(pk__in=[*add_ids, *remove_ids])
    }
    change = EstatesChange(company)
    for pk in add_ids:
        estate = rows[pk]
        _check_reach(by, company, estate)
        before = estate.property_company
        if before is not None and before.pk == company.pk:
            continue  # already managed by this company: nothing to do
        if before is not None and not move:
            raise error("estate_managed_by_other", name=estate.name, company=before.name)
        estate.property_company = company
        estate.has_property_management = True
        estate.updated_by = by
        estate.save(update_fields=["property_company", "has_property_management", "updated_by", "updated_at"])
        change.added.append(estate)
        if before is not None:
            change.moved.append((estate, before.name))
            event_record(
                "property_estate_moved_out",
                before,
                by=by,
                community=estate.community_id,
                estate=estate.pk,
                to_company=company.pk,
            )
        event_record(
            "property_estate_added",
            company,
            by=by,
            community=estate.community_id,
            estate=estate.pk,
            moved_from=before.pk if before else None,
        )
        change_record(
            obj=estate,
            by=by,
            action="update",
            changes={"property_company": [before.name if before else None, company.name]},
        )
    for pk in remove_ids:
        estate = rows[pk]
        if not in_scope(by, MANAGE, estate.community_id):  # a link out of the company's region may go
            raise error("estate_out_of_scope", name=estate.name)
        if estate.property_company_id != company.pk:
            raise error("estate_not_managed", name=estate.name, company=company.name)
        estate.property_company = None
        estate.updated_by = by
        estate.save(update_fields=["property_company", "updated_by", "updated_at"])
        change.removed.append(estate)
        event_record(
            "property_estate_removed", company, by=by, community=estate.community_id, estate=estate.pk
        )
        change_record(obj=estate, by=by, action="update", changes={"property_company": [company.name, None]})
    return change


def property_estates_add(
    *, by, company: Organization, estates: Iterable[Estate], move: bool = False
) -> EstatesChange:
    """The company manages these estates as well; one managed by another company only with move."""
    estates = list(estates)
    if not estates:
        raise error("estates_required")
    return _change(by=by, company=company, add=estates, remove=(), move=move)


def property_estate_remove(*, by, company: Organization, estate: Estate) -> EstatesChange:
    """The company no longer manages this estate (the estate keeps no company)."""
    return _change(by=by, company=company, add=(), remove=(estate,), move=False)


@transaction.atomic
def property_estates_set(
    *, by, company: Organization, estates: Iterable[Estate], move: bool = False
) -> EstatesChange:
    """Within the user's scope, the company manages exactly these estates: the others it managed
    there are removed; estates it manages outside the user's scope stay as they are."""
    _check_company(by, company)
    wanted = list(estates)
    wanted_ids = {e.pk for e in wanted}
    current = [
        e
        for e in scoped(Estate.objects.filter(property_company=company), by, MANAGE).only("pk")
        if e.pk not in wanted_ids
    ]
    return _change(by=by, company=company, add=wanted, remove=current, move=move)


# --- names in an import cell -------------------------------------------------------------------

NAME_SEPARATORS = re.compile(r"[、;；\n]+")


def estates_by_names(*, by, company_region, text: str) -> tuple[list[Estate], list[str]]:
    """The estates named in an import cell ("甲小区、乙小区；社区名/丙小区"), looked up among the
    estates in the user's MANAGE scope inside the company's region (a district, street or
    community). Returns the estates found and one message per name not found or ambiguous."""
    names = [n.strip() for n in NAME_SEPARATORS.split(text or "") if n.strip()]
    found: list[Estate] = []
    problems: list[str] = []
    if not names:
        return found, problems
    reach = scoped(Estate.objects.all(), by, MANAGE).filter(community__code__startswith=company_region.code)
    for raw in names:
        community_name, _sep, name = raw.rpartition("/")
        name = name.strip()
        qs = reach.filter(name=name)
        if community_name.strip():
            c = community_name.strip()
            qs = qs.filter(community__name__in=(c, c + "社区", c + "村"))
        matches = list(qs.select_related("community", "property_company").order_by("community_id")[:10])
        if not matches:
            problems.append(str(error("estate_name_not_found", name=raw, region=company_region.name).message))
        elif len(matches) > 1:
            communities = _("、").join(e.community.name for e in matches)
            problems.append(
                str(
                    error(
                        "estate_name_ambiguous", name=raw, region=company_region.name, communities=communities
                    ).message
                )
            )
        else:
            found.append(matches[0])
    return found, problems
