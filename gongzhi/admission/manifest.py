"""Work admission (社区工作准入、费随事转) declares itself."""

from django.utils.translation import gettext_lazy as _

from gongzhi.core.manifests import AppManifest, DemoStep, Figure, HomePanel, MenuEntry, PanelItem

from . import rules
from .demo import demo_admission


def inbox_panel(user):
    if not user.has_perm(rules.INBOX):
        return None
    from .models import ADMITTED
    from .selectors import inbox

    qs = inbox(user=user, state="open")
    unadmitted = qs.exclude(ADMITTED).count()
    return HomePanel(
        _("社区工作准入"),
        [
            PanelItem(_("待办任务"), qs.count(), "/admission/inbox/"),
            PanelItem(_("其中未准入"), unadmitted, "/admission/inbox/", "warn" if unadmitted else ""),
        ],
    )


def sent_panel(user):
    """Departments and streets: their tasks still open in communities, and those refused."""
    if not user.has_perm(rules.SEND_TASK):
        return None
    from .models import InboxTask
    from .selectors import sent_tasks

    qs = sent_tasks(user=user)
    refused = qs.filter(state=InboxTask.State.REFUSED).count()
    return HomePanel(
        _("派发任务"),
        [
            PanelItem(
                _("社区未完成"), qs.filter(state=InboxTask.State.OPEN).count(), "/admission/tasks/?state=open"
            ),
            PanelItem(
                _("被社区拒绝（未准入）"),
                refused,
                "/admission/tasks/?state=refused",
                "warn" if refused else "",
            ),
        ],
    )


def review_panel(user):
    if not user.has_perm(rules.REVIEW):
        return None
    from .selectors import review_overdue, review_queue

    late = review_overdue(user=user).count()
    return HomePanel(
        _("社区工作准入"),
        [
            PanelItem(
                _("待审核申请"),
                review_queue(user=user).count(),
                "/admission/applications/?state=under_review",
            ),
            PanelItem(
                _("超过审核期限"), late, "/admission/applications/?state=under_review", "bad" if late else ""
            ),
        ],
    )


def _community_work(**work):
    from .platform_work import platform_work_receive

    platform_work_receive(**work)


def _community_work_done(**work):
    from .platform_work import platform_work_done

    platform_work_done(**work)


manifest = AppManifest(
    app_label="admission",
    permissions=rules.ROLE_PERMISSIONS,
    scoped_permissions=rules.SCOPED,
    reference_tables=("ListVersion", "ListItem", "Application", "ApplicationEvent", "Withdrawal"),
    local_tables=("FundEntry",),
    menu_section=_("准入与评议"),
    menu=(
        MenuEntry(_("社区工作清单"), "admission:lists", rules.VIEW_LISTS, order=60),
        MenuEntry(_("准入申请"), "admission:applications", (rules.APPLY, rules.REVIEW), order=61),
        MenuEntry(_("准入目录"), "admission:catalogue", rules.VIEW_CATALOGUE, order=62),
        MenuEntry(_("社区任务"), "admission:inbox", rules.INBOX, order=63),
        MenuEntry(_("派发任务"), "admission:tasks", rules.SEND_TASK, order=63),
        MenuEntry(_("费随事转对账"), "admission:reconciliation", rules.VIEW_RECONCILIATION, order=64),
        MenuEntry(_("出具证明"), "admission:certificates", rules.ISSUE_CERTIFICATE, order=65),
    ),
    home_panels=(inbox_panel, review_panel, sent_panel),
    api=("/admission/", "gongzhi.admission.api:router"),
    urls=(("admission/", "gongzhi.admission.urls"),),
    demo=(DemoStep(90, _("社区工作准入：清单、准入申请、社区任务与经费"), demo_admission),),
    figures=(
        Figure("admission.refused", _("拒绝的未准入任务"), "gongzhi.admission.selectors.unadmitted_refused"),
        Figure("admission.admitted", _("已准入事项"), "gongzhi.admission.selectors.admitted_items"),
    ),
    global_keys=(("FundAccount", ("department",)), ("Certificate", ("code",))),
    hooks={"community_work": _community_work, "community_work_done": _community_work_done},
)
