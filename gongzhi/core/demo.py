"""Demo accounts: one per role, password `demo`, usable only while GONGZHI_DEMO=1.

They are scoped to 军门社区 (350102004001), 东街街道 (350102004) and 鼓楼区 (350102), the
district `gongzhi demo` generates.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.db import transaction

from .errors import ApplicationError
from .models import Department, DepartmentKind, Region, RoleAssignment, User
from .roles import Role

DEMO_PASSWORD = "demo"
DISTRICT = "350102"  # 福州市鼓楼区
STREET = "350102004"  # 东街街道
COMMUNITY = "350102004001"  # 军门社区


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str
    display_name: str
    scope: str  # "region", "department" or "organization"


DEMO_ACCOUNTS: list[DemoAccount] = [
    DemoAccount("resident", Role.RESIDENT, "", "region"),
    DemoAccount("grid", Role.GRID_WORKER, "军门社区网格员", "region"),
    DemoAccount("community", Role.COMMUNITY_WORKER, "军门社区工作者", "region"),
    DemoAccount("head", Role.COMMUNITY_HEAD, "军门社区书记", "region"),
    DemoAccount("street", Role.STREET_STAFF, "东街街道工作人员", "region"),
    DemoAccount("district", Role.DISTRICT_STAFF, "鼓楼区民政工作人员", "region"),
    DemoAccount("department", Role.DEPARTMENT_STAFF, "鼓楼区民政局工作人员", "department"),
    DemoAccount("socialorg", Role.SOCIAL_ORG_STAFF, "社会组织工作人员", "organization"),
    DemoAccount("unitcontact", Role.UNIT_CONTACT, "驻区单位联络员", "organization"),
    DemoAccount("expert", Role.EXPERT, "评审专家", "region"),
    DemoAccount("admin", Role.SYSTEM_ADMIN, "系统管理员", "region"),
]
_REGION_SCOPE: dict[str, str] = {
    Role.RESIDENT: COMMUNITY,
    Role.GRID_WORKER: COMMUNITY,
    Role.COMMUNITY_WORKER: COMMUNITY,
    Role.COMMUNITY_HEAD: COMMUNITY,
    Role.STREET_STAFF: STREET,
    Role.DISTRICT_STAFF: DISTRICT,
    Role.EXPERT: DISTRICT,
    Role.SYSTEM_ADMIN: DISTRICT,
}


@dataclass
class DemoAccountRow:
    username: str
    role: str
    scope: str


def demo_regions_ensure(ctx=None) -> None:
    """The region codes of the demo's city (idempotent)."""
    from pathlib import Path

    from .regions import regions_import

    if (
        Region.objects.filter(code=DISTRICT).exists()
        and Region.objects.filter(code__startswith=DISTRICT, level=5).exists()
    ):
        if ctx is not None:
            ctx.out("  已导入，跳过")
        return
    report = regions_import(paths=sorted((Path(__file__).parent / "data" / "regions").glob("*.csv")))
    if ctx is not None:
        ctx.out(
            f"  导入福州市区划：新增 {report.created}，更新 {report.updated}，拒绝 {len(report.rejected)}"
        )


@transaction.atomic
def demo_accounts_ensure() -> list[DemoAccountRow]:
    """Create (or bring back to their demo state) the demo accounts. Idempotent. Refuses to
    touch an existing account of the same name that is not a demo account.

    Core gives region and department scopes; each app's manifest hooks give the accounts their
    place in that app (the resident's person, the grid worker's grid, the organisation's staff)."""
    from .manifests import manifests

    try:
        Region.objects.get(code=COMMUNITY)
        Region.objects.get(code=DISTRICT)
        Region.objects.get(code=STREET)
    except Region.DoesNotExist:
        raise ApplicationError(
            "demo_regions", "缺少演示所需的区划（福州市鼓楼区东街街道军门社区），请先导入区划代码。"
        ) from None
    clash = User.objects.filter(username__in=[a.username for a in DEMO_ACCOUNTS], is_demo_account=False)
    if clash.exists():
        names = "、".join(clash.values_list("username", flat=True))
        raise ApplicationError("demo_clash", f"已有同名的非演示账号（{names}），不能创建演示账号。")
    department = (
        Department.objects.filter(region_id=DISTRICT, kind=DepartmentKind.CIVIL_AFFAIRS)
        .order_by("code")
        .first()
    )
    password = make_password(DEMO_PASSWORD)  # hashed once, shared
    users: dict[str, User] = {}
    for spec in DEMO_ACCOUNTS:
        user, _created = User.objects.get_or_create(
            username=spec.username, defaults={"is_demo_account": True}
        )
        user.is_demo_account = True
        user.is_active = True
        user.password = password
        user.is_staff = spec.role == Role.SYSTEM_ADMIN
        user.display_name = spec.display_name
        user.save()
        users[spec.username] = user
        if spec.scope == "department":
            if department is None:
                continue
            demo_account_assign(user, spec.role, department=department)
        elif spec.scope == "region":
            demo_account_assign(user, spec.role, region=Region.objects.get(code=_REGION_SCOPE[spec.role]))
    for m in manifests():
        for hook in m.demo_account_hooks:
            hook(users)
    return demo_account_rows()


def demo_account_assign(user: User, role: str, **scope) -> RoleAssignment:
    """The demo account's one role over its scope (any other assignment of it is removed)."""
    RoleAssignment.objects.filter(user=user).exclude(role=role, **scope).delete()
    assignment, _created = RoleAssignment.objects.update_or_create(
        user=user, role=role, **scope, defaults={"active": True}
    )
    return assignment


def demo_account_rows() -> list[DemoAccountRow]:
    """The demo accounts as the console prints them: user name, role, what they cover."""
    rows = []
    for spec in DEMO_ACCOUNTS:
        a = (
            RoleAssignment.objects.filter(user__username=spec.username, active=True)
            .select_related("region", "department", "organization")
            .first()
        )
        if a is None:
            label = "（未分配）"
        elif a.department is not None:
            label = a.department.name
        elif a.organization is not None:
            label = a.organization.name
        elif a.region is not None:
            label = f"{a.region.name} {a.region.code}"
        else:
            label = "（未分配）"
        extra = DEMO_ACCOUNT_NOTES.get(spec.username)
        if extra:
            label = f"{label} · {extra}"
        rows.append(DemoAccountRow(spec.username, str(Role(spec.role).label), label))
    return rows


# Apps add a short note to an account's line (the grid worker's grid, for one).
DEMO_ACCOUNT_NOTES: dict[str, str] = {}
