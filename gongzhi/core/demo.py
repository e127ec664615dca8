"""Demo accounts: one per role, password `demo`, usable only while GONGZHI_DEMO=1.

They are scoped to 军门社区 (350102004001), 东街街道 (350102004) and 鼓楼区 (350102), the
district `gongzhi demo` generates.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.db import transaction

from .errors import ApplicationError
from .models import Department, Region, RoleAssignment, User
from .roles import Role

DEMO_PASSWORD = "demo"
DISTRICT = "350102"  # 福州市鼓楼区
STREET = "350102004"  # 东街街道
COMMUNITY = "350102004001"  # 军门社区
SOCIAL_ORG_NAME = "军门社区邻里互助服务社"


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


@transaction.atomic
def demo_accounts_ensure() -> list[DemoAccountRow]:
    """Create (or bring back to their demo state) the demo accounts. Idempotent. Refuses to
    touch an existing account of the same name that is not a demo account."""
    from gongzhi.organizations.models import Organization, OrganizationKind
    from gongzhi.registry.generate import department_code, departments_ensure
    from gongzhi.registry.models import Grid, Person

    try:
        community = Region.objects.get(code=COMMUNITY)
        district = Region.objects.get(code=DISTRICT)
        Region.objects.get(code=STREET)
    except Region.DoesNotExist:
        raise ApplicationError(
            "demo_regions", "缺少演示所需的区划（福州市鼓楼区东街街道军门社区），请先导入区划代码。"
        ) from None
    clash = User.objects.filter(username__in=[a.username for a in DEMO_ACCOUNTS], is_demo_account=False)
    if clash.exists():
        names = "、".join(clash.values_list("username", flat=True))
        raise ApplicationError("demo_clash", f"已有同名的非演示账号（{names}），不能创建演示账号。")
    departments_ensure(district)
    department = Department.objects.get(code=department_code(DISTRICT, "civil-affairs"))
    organization, _created = Organization.objects.get_or_create(
        name=SOCIAL_ORG_NAME,
        region=community,
        defaults={"kind": OrganizationKind.SOCIAL_ORGANIZATION, "contact_name": "林主任"},
    )
    resident = (
        Person.objects.filter(community=community, birth_date__isnull=False, status="active")
        .exclude(id_number_hash="")
        .order_by("id")
        .first()
    )
    password = make_password(DEMO_PASSWORD)  # hashed once, shared
    rows: list[DemoAccountRow] = []
    for spec in DEMO_ACCOUNTS:
        user, _created = User.objects.get_or_create(
            username=spec.username, defaults={"is_demo_account": True}
        )
        user.is_demo_account = True
        user.is_active = True
        user.password = password
        user.is_staff = spec.role == Role.SYSTEM_ADMIN
        user.display_name = spec.display_name
        if spec.role == Role.RESIDENT:
            user.person = resident
            user.display_name = resident.name if resident else "居民"
        user.save()
        scope: dict = {}
        if spec.scope == "department":
            scope["department"] = department
            label = department.name
        elif spec.scope == "organization":
            scope["organization"] = organization
            label = organization.name
        else:
            region = Region.objects.get(code=_REGION_SCOPE[spec.role])
            scope["region"] = region
            label = f"{region.name} {region.code}"
        RoleAssignment.objects.filter(user=user).exclude(role=spec.role, **scope).delete()
        RoleAssignment.objects.update_or_create(user=user, role=spec.role, **scope, defaults={"active": True})
        if spec.role == Role.GRID_WORKER:
            grid = Grid.objects.filter(community=community).order_by("name", "id").first()
            if grid is not None:
                Grid.objects.filter(worker=user).exclude(pk=grid.pk).update(worker=None)
                grid.worker = user
                grid.save(update_fields=["worker"])
                label = f"{label} · {grid.name}"
        rows.append(DemoAccountRow(spec.username, str(Role(spec.role).label), label))
    return rows
