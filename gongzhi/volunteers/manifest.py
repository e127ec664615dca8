"""Volunteers declare themselves: permissions, menu, API, pages, home panels, demo, figures."""

from django.utils.translation import gettext_lazy as _

from gongzhi.core.manifests import AppManifest, DemoStep, Figure, MenuEntry

from . import rules, workflow  # noqa: F401 - the workflow registers its permissions
from .demo import demo_volunteers_build
from .home import staff_panel, volunteer_panel

manifest = AppManifest(
    app_label="volunteers",
    permissions=rules.ROLE_PERMISSIONS,
    scoped_permissions=rules.SCOPED,
    # Ledger entries carry their account, not a community (core.ledger writes them): kept local.
    local_tables=("PointEntry", "TimeEntry"),
    menu=(
        MenuEntry(_("志愿服务"), "volunteers:home", rules.JOIN, order=80),
        MenuEntry(_("志愿活动"), "volunteers:activity_list", rules.MANAGE, order=81),
        MenuEntry(_("志愿者名册"), "volunteers:roster", rules.VIEW, order=82),
        MenuEntry(_("志愿服务统计"), "volunteers:figures", rules.FIGURES, order=83),
    ),
    home_panels=(volunteer_panel, staff_panel),
    api=("/volunteers/", "gongzhi.volunteers.api:router"),
    urls=(("volunteers/", "gongzhi.volunteers.urls"),),
    figures=(
        Figure(
            "volunteers.share_of_residents",
            _("注册志愿者占居民比例"),
            "gongzhi.volunteers.figures.share_of_residents",
            "%",
        ),
        Figure(
            "volunteers.active",
            _("活跃志愿者（近90天服务）"),
            "gongzhi.volunteers.figures.active_volunteers",
            "%",
        ),
        Figure(
            "volunteers.hours_by_month", _("本月服务时长"), "gongzhi.volunteers.figures.hours_by_month", "h"
        ),
        Figure("volunteers.points_issued", _("已发放积分"), "gongzhi.volunteers.figures.points_issued"),
        Figure(
            "volunteers.timebank_outstanding",
            _("时间银行存储时长"),
            "gongzhi.volunteers.figures.timebank_outstanding",
            "h",
        ),
        Figure("volunteers.wishes", _("已送达的微心愿"), "gongzhi.volunteers.figures.wishes"),
        Figure("volunteers.party_members", _("在职党员报到人数"), "gongzhi.volunteers.figures.party_members"),
    ),
    demo=(DemoStep(80, _("志愿服务：服务队、一周的活动、签到与积分"), demo_volunteers_build),),
    # A redemption code and a certificate's verification code are random and looked up by the code alone.
    global_keys=(("Redemption", ("code",)), ("Certificate", ("code",))),
)
