"""The funding panel of the home page: reviews for experts, reports for organisations,
decisions and payments for street and district staff."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from gongzhi.core.manifests import HomePanel, PanelItem

from . import selectors
from .rules import VIEW

LABELS = {
    "reviews": _("待评审申报"),
    "evaluations": _("待评审的评估报告"),
    "open_calls": _("可申报的征集"),
    "drafts": _("待提交的申报"),
    "reports": _("30天内到期的评估报告"),
    "to_decide": _("待审批立项"),
    "to_pay": _("待拨付期次"),
    "overdue_reports": _("逾期未交的评估报告"),
}


def funding_panel(user) -> HomePanel | None:
    if not user.has_perm(VIEW):
        return None
    counts = selectors.todo_counts(user=user)
    if not counts:
        return None
    url = reverse("projects:index")
    urls = {"overdue_reports": reverse("projects:bars")}
    warn = ("reviews", "reports", "overdue_reports")
    return HomePanel(
        _("公益创投"),
        [
            PanelItem(LABELS[k], n, urls.get(k, url), "warn" if n and k in warn else "")
            for k, n in counts.items()
        ],
        order=55,
    )
