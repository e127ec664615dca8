"""The demo's social organisation in 军门社区, and the social-organisation staff account over it."""

from __future__ import annotations

from gongzhi.core.demo import COMMUNITY, demo_account_assign
from gongzhi.core.models import Region
from gongzhi.core.roles import Role

from .models import Organization, OrganizationKind

SOCIAL_ORG_NAME = "军门社区邻里互助服务社"


def demo_organization_staff(users: dict) -> None:
    user = users.get("socialorg")
    if user is None:
        return
    organization, _created = Organization.objects.get_or_create(
        name=SOCIAL_ORG_NAME,
        region=Region.objects.get(code=COMMUNITY),
        defaults={"kind": OrganizationKind.SOCIAL_ORGANIZATION, "contact_name": "林主任"},
    )
    demo_account_assign(user, Role.SOCIAL_ORG_STAFF, organization=organization)
