"""What the home page shows: one view of the work for each kind of user."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from gongzhi.core.models import RoleAssignment
from gongzhi.core.roles import MANAGE_USERS, VIEW_ACCESS_LOG, Role
from gongzhi.core.scoping import scope_prefixes
from gongzhi.registry import selectors as registry
from gongzhi.registry.rules import CHANGE_PERSON, EXPORT_PERSON, IMPORT_PERSON, VIEW_PERSON

from . import selectors as access_log

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# What each role without registry access can use here, said plainly.
# Keyed by the role's value, as stored on RoleAssignment.role.
ROLE_OFFERS: dict[str, list[StrOrPromise]] = {
    Role.SOCIAL_ORG_STAFF: [
        _("查看和承接社区发布的服务需求、公益创投项目（相关功能陆续开放）。"),
        _("居民个人信息不向社会组织开放；需要名单时请由社区工作者按用途导出脱敏名单。"),
    ],
    Role.UNIT_CONTACT: [
        _("登记和更新本单位在共驻共建协议下承诺的资源，用这些资源认领协议社区的居民需求，由社区确认对接。"),
        _("审批本单位场地的预约，设置停用时段，登记签到和未到场；居民个人信息不向驻区单位开放。"),
    ],
    Role.EXPERT: [
        _("参加公益创投项目的立项评审、中期和结项评估（相关功能陆续开放）。"),
        _("评审只涉及项目材料，不涉及居民个人信息。"),
    ],
    Role.DEPARTMENT_STAFF: [
        _("在“部门数据”中查看本部门按共享规则可以读取的居民信息，每次查看和导出都记入个人信息访问日志。"),
        _("需要共享规则以外的信息时，请向区里申请调整共享规则，或请社区协查。"),
    ],
    Role.SYSTEM_ADMIN: [
        _("查看个人信息访问日志，并核验日志链条是否完整。"),
        _("管理用户账号和角色分配。"),
    ],
    Role.RESIDENT: [
        _("查看社区为您登记的信息（身份号码、电话已脱敏）。"),
        _("信息有误，请到社区居委会或联系网格员更正。"),
    ],
}


def home_context(user) -> dict:
    roles = list(
        RoleAssignment.objects.filter(user=user, active=True)
        .select_related("region", "department", "organization")
        .order_by("created_at")
    )
    context: dict = {"assignments": roles, "panels": home_panels(user)}
    if user.has_perm(VIEW_ACCESS_LOG):
        context["alerts"] = access_log.bulk_reveal_alerts(user=user)
        context["alert_threshold"] = settings.GONGZHI_REVEAL_ALERT_PER_HOUR
    view_prefixes = scope_prefixes(user, VIEW_PERSON)
    if view_prefixes:
        context["kind"] = "community" if all(len(p) == 12 for p in view_prefixes) else "region"
        context["summary"] = registry.registry_summary(user=user)
        top = max((t["n"] for t in context["summary"]["tags"]), default=0)
        for t in context["summary"]["tags"]:
            t["pct"] = round(100 * t["n"] / top) if top else 0
        context["recent"] = registry.recent_changes(user=user, limit=8)
        if context["kind"] == "region":
            context["communities"] = registry.community_table(user=user)
            context["by_street"] = any(len(r["region"].code) < 12 for r in context["communities"])
        context["shortcuts"] = _shortcuts(user)
        return context
    person = registry.person_of_user(user=user)
    if person is not None or any(a.role == Role.RESIDENT for a in roles):
        context["kind"] = "resident"
        context["person"] = person
        context["offers"] = ROLE_OFFERS[Role.RESIDENT]
        return context
    context["kind"] = "other"
    offers: list[StrOrPromise] = []
    for a in roles:
        offers += ROLE_OFFERS.get(a.role, [])
    context["offers"] = list(dict.fromkeys(offers))
    context["can_access_log"] = user.has_perm(VIEW_ACCESS_LOG)
    context["can_manage_users"] = user.has_perm(MANAGE_USERS)
    return context


def home_panels(user) -> list:
    """Every app's to-do panels for this user (from the manifests), most urgent apps first."""
    from gongzhi.core.manifests import manifests

    panels = [panel for m in manifests() for build in m.home_panels if (panel := build(user)) is not None]
    return sorted(panels, key=lambda p: p.get("order", 100) if isinstance(p, dict) else p.order)


def _shortcuts(user) -> list[dict]:
    items = [
        {
            "label": _("查询居民"),
            "url_name": "registry:person_list",
            "hint": _("姓名、身份号码后四位、手机号"),
        }
    ]
    items.append(
        {"label": _("楼栋房屋"), "url_name": "registry:place_tree", "hint": _("按小区、楼栋、房屋查看住户")}
    )
    if user.has_perm(IMPORT_PERSON):
        items.append(
            {"label": _("导入居民"), "url_name": "registry:import", "hint": _("从 Excel 或 CSV 表格批量登记")}
        )
    if user.has_perm(EXPORT_PERSON):
        items.append(
            {"label": _("导出名单"), "url_name": "registry:export", "hint": _("脱敏导出，记入访问日志")}
        )
    if user.has_perm(VIEW_ACCESS_LOG):
        items.append(
            {"label": _("访问日志"), "url_name": "web:access_log", "hint": _("谁在何时因何查看了个人信息")}
        )
    if user.has_perm(CHANGE_PERSON):
        items[0]["hint"] = _("查询、核对、修改居民信息")
    return items
