"""Volunteers declare themselves: permissions, menu, API, pages, home panels, demo, figures."""

from django.utils.translation import gettext_lazy as _

from gongzhi.core.manifests import AppManifest, DemoStep, MenuEntry

from . import rules, workflow  # noqa: F401 - the workflow registers its permissions
from .demo import demo_volunteers_build
from .home import staff_panel, volunteer_panel

manifest = AppManifest(
    app_label="volunteers",
    permissions=rules.ROLE_PERMISSIONS,
    scoped_permissions=rules.SCOPED,
    menu=(
        MenuEntry(_("志愿服务"), "volunteers:home", rules.JOIN, order=80),
        MenuEntry(_("志愿活动"), "volunteers:activity_list", rules.MANAGE, order=81),
        MenuEntry(_("志愿者名册"), "volunteers:roster", rules.VIEW, order=82),
    ),
    home_panels=(volunteer_panel, staff_panel),
    api=("/volunteers/", "gongzhi.volunteers.api:router"),
    urls=(("volunteers/", "gongzhi.volunteers.urls"),),
    demo=(DemoStep(80, _("志愿服务：服务队、一周的活动、签到与积分"), demo_volunteers_build),),
)
