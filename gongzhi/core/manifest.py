"""The core app's own manifest: the access log and user administration."""

from django.utils.translation import gettext_lazy as _

from .manifests import AppManifest, DemoStep
from .roles import MANAGE_USERS, VIEW_ACCESS_LOG, Role


def _regions(ctx) -> None:
    from .demo import demo_regions_ensure

    demo_regions_ensure(ctx)


def _accounts(ctx) -> None:
    from .demo import demo_accounts_ensure

    demo_accounts_ensure()


manifest = AppManifest(
    app_label="core",
    permissions={
        Role.COMMUNITY_HEAD: {VIEW_ACCESS_LOG},
        Role.STREET_STAFF: {VIEW_ACCESS_LOG},
        Role.DISTRICT_STAFF: {VIEW_ACCESS_LOG},
        Role.SYSTEM_ADMIN: {VIEW_ACCESS_LOG, MANAGE_USERS},
    },
    scoped_permissions=(VIEW_ACCESS_LOG, MANAGE_USERS),
    reference_tables=("Region", "Department", "User", "RoleAssignment", "ApiToken"),
    local_tables=("AccessLogEntry", "AccessLogHead", "LoginFailure"),
    demo=(
        DemoStep(10, _("区划代码"), _regions),
        DemoStep(40, _("演示账号"), _accounts),
    ),
)
