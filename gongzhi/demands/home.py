"""The demands panel of the home page: what the handler has to do now, with links into the
work list filtered the same way (the counts come from selectors.work_summary)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from . import selectors
from .rules import HANDLE

LABELS = {
    "to_sign": _("待签收"),
    "overdue": _("已超期"),
    "returned": _("退单待审"),
    "due_today": _("今日到期"),
}


def home_panel(user) -> dict | None:
    if not user.has_perm(HANDLE):
        return None
    counts = selectors.work_summary(user=user)
    url = reverse("demands:work_list")
    return {
        "template": "demands/_home_panel.html",
        "title": _("诉求办理"),
        "items": [
            {
                "key": key,
                "label": LABELS[key],
                "n": counts[key],
                "url": f"{url}?due={key}",
                "alert": key in ("overdue", "due_today") and counts[key] > 0,
            }
            for key in selectors.WORK_FILTERS
        ],
        "all_url": url,
    }
