"""Ties between an expert and an application that the platform knows (已知关联), flagged on the
declaration page and in the API before the expert declares conflicts of interest.

Only what the records hold:
- the expert holds a role (an assignment) at the applying organisation, or at an organisation
  named as a source of the application's matched funds (配套资金来源, a name);
- the expert's own resident record (registry, linked to their account) gives a workplace
  (工作单位) that names the applying organisation or a source of its matched funds;
- a member of the project team (a name) is the expert's name, or the name of someone registered
  in the expert's dwelling or building;
- the applying organisation's registered address (its profile) is the expert's dwelling or
  building.
Team members and fund sources are names, not records: a tie by name is a flag for the expert to
answer, never a verdict."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

from gongzhi.core.models import RoleAssignment

from .models import Application

_SPACE = re.compile(r"\s+")
MIN_CONTAINED = 4  # a name shorter than this must match whole (no "银行" in every bank)


@dataclass(frozen=True)
class Tie:
    code: str
    reason: str

    def __str__(self) -> str:
        return self.reason


def _norm(text: str) -> str:
    return _SPACE.sub("", text or "").casefold()


def same_name(a: str, b: str) -> bool:
    """Two organisation names (or a name and a workplace) name the same body: equal, or the
    shorter (at least four characters) within the longer ("兴业银行军门支行" and "兴业银行军门支行营业部")."""
    a, b = _norm(a), _norm(b)
    if not a or not b:
        return False
    short, long_ = sorted((a, b), key=len)
    return short == long_ or (len(short) >= MIN_CONTAINED and short in long_)


def known_ties(*, expert, application: Application) -> list[Tie]:
    ties: list[Tie] = []
    org = application.organization
    sources = list(application.fund_lines.order_by("seq").values_list("source", flat=True))
    team = list(application.team.order_by("seq").values_list("name", flat=True))

    held = {
        a.organization.pk: a.organization
        for a in RoleAssignment.objects.filter(user=expert, organization__isnull=False).select_related(
            "organization"
        )
        if a.organization is not None
    }
    if application.organization_id in held:
        ties.append(Tie("same_organization", _("您在申报组织“%(org)s”任职") % {"org": org.name}))
    for other in held.values():
        if other.pk == application.organization_id:
            continue
        for source in sources:
            if same_name(other.name, source):
                ties.append(
                    Tie(
                        "fund_source_role",
                        _("配套资金来源“%(source)s”是您任职的“%(org)s”")
                        % {"source": source, "org": other.name},
                    )
                )

    person = _person(expert)
    if person is None:
        return ties
    if person.workplace:
        if same_name(person.workplace, org.name):
            ties.append(
                Tie(
                    "workplace",
                    _("您登记的工作单位“%(workplace)s”是申报组织") % {"workplace": person.workplace},
                )
            )
        for source in sources:
            if same_name(person.workplace, source):
                ties.append(
                    Tie(
                        "workplace_fund_source",
                        _("您登记的工作单位“%(workplace)s”是配套资金来源“%(source)s”")
                        % {"workplace": person.workplace, "source": source},
                    )
                )
    own = _norm(person.name)
    for name in team:
        if own and _norm(name) == own:
            ties.append(Tie("team_same_name", _("项目团队成员“%(name)s”与您同名") % {"name": name}))
    dwelling = person.dwelling
    if dwelling is None:
        return ties
    ties += _address_ties(person, dwelling, org, team)
    return ties


def _person(expert):
    from gongzhi.registry.models import Person

    if not getattr(expert, "person_id", None):
        return None
    return Person.objects.select_related("dwelling__building__estate").filter(pk=expert.person_id).first()


def _address_ties(person, dwelling, org, team: list[str]) -> list[Tie]:
    from gongzhi.registry.models import Person

    ties: list[Tie] = []
    wanted = {_norm(n) for n in team if n} - {_norm(person.name)}
    if wanted:
        neighbours = Person.objects.filter(dwelling__building_id=dwelling.building_id).exclude(pk=person.pk)
        same_dwelling = {
            _norm(n) for n in neighbours.filter(dwelling_id=dwelling.pk).values_list("name", flat=True)
        }
        same_building = {_norm(n) for n in neighbours.values_list("name", flat=True)}
        for name in team:
            key = _norm(name)
            if key not in wanted:
                continue
            if key in same_dwelling:
                ties.append(
                    Tie("team_same_dwelling", _("项目团队成员“%(name)s”与您登记在同一住户") % {"name": name})
                )
            elif key in same_building:
                ties.append(
                    Tie("team_same_building", _("项目团队成员“%(name)s”与您登记在同一楼栋") % {"name": name})
                )
    profile = getattr(org, "profile", None)
    address = _norm(profile.address) if profile is not None else ""
    if address:
        building = dwelling.building
        if _norm(dwelling.address) in address or (person.address and _norm(person.address) == address):
            ties.append(Tie("org_same_dwelling", _("申报组织的登记地址是您的住址")))
        elif _norm(building.estate.name + building.name) in address:
            ties.append(Tie("org_same_building", _("申报组织的登记地址在您居住的楼栋")))
    return ties
