"""Deliberation (议事协商) declares itself: permissions, menu, home panel, API, pages, demo, 622."""

from django.utils.translation import gettext_lazy as _

from gongzhi.core.manifests import AppManifest, DemoStep, Figure, HomePanel, MenuEntry, PanelItem

from . import rules
from .demo import demo_deliberation_build


def home_panel(user):
    from gongzhi.core.scoping import scope_prefixes

    if not scope_prefixes(user, rules.MANAGE):
        return None
    from . import selectors
    from .models import TopicState

    agenda = selectors.topics(user=user, states=[TopicState.AGENDA]).count()
    referred = selectors.referrals_in(user=user).count()
    moderation = selectors.moderation_queue(user=user).count()
    return HomePanel(
        _("议事协商"),
        [
            PanelItem(_("已列入议程的议题"), agenda, "/deliberation/"),
            PanelItem(_("待接收的转介议题"), referred, "/deliberation/", tone="warn" if referred else ""),
            PanelItem(
                _("待审核的讨论发言"),
                moderation,
                "/deliberation/moderation/",
                tone="warn" if moderation else "",
            ),
        ],
        order=40,
    )


manifest = AppManifest(
    app_label="deliberation",
    permissions=rules.ROLE_PERMISSIONS,
    scoped_permissions=rules.SCOPED,
    menu_section=_("议事协商"),
    menu=(
        MenuEntry(_("议事协商"), "deliberation:councils", rules.VIEW, order=40),
        MenuEntry(_("议事"), "deliberation:mine", rules.PROPOSE, order=41),
    ),
    home_panels=(home_panel,),
    api=("/deliberation/", "gongzhi.deliberation.api:router"),
    urls=(("deliberation/", "gongzhi.deliberation.urls"),),
    demo=(DemoStep(70, _("议事协商：议事会、议题、表决与决议"), demo_deliberation_build),),
    # 转为议题: a button on the demands' hot-issue rows and on a demand's page (staff only).
    template_slots={
        "demands.hot_issue": ("deliberation/_slot_hot_issue.html",),
        "demands.detail": ("deliberation/_slot_demand.html",),
    },
    figures=(
        Figure(
            "deliberation.settled_622",
            _("622 协商解决占比"),
            "gongzhi.deliberation.figures.settled_622",
            "%",
        ),
    ),
    # Councils speak for a street or a community, and their topics, polls and ballots follow the
    # council: sharded, these stay on the coordinator (docs/deploy.md) until councils are keyed by
    # a community of their own.
    local_tables=(
        "Topic",
        "Council",
        "CouncilMember",
        "TopicDemand",
        "TopicSupport",
        "Referral",
        "TopicEvent",
        "Meeting",
        "Invitation",
        "Attendance",
        "Opinion",
        "Comment",
        "CommentReport",
        "Resolution",
        "Milestone",
        "Notice",
        "Satisfaction",
        "Poll",
        "PollOption",
        "RollEntry",
        "VoteRecord",
        "Ballot",
        "PaperCode",
    ),
)
