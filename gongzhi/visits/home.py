"""Home panels: the grid worker's day and the head's coverage."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from gongzhi.core.manifests import HomePanel, PanelItem

from . import rules


def worker_panel(user):
    from gongzhi.core.scoping import scope_prefixes

    if not scope_prefixes(user, rules.RECORD) or user.has_perm(rules.ASSIGN):
        return None
    from .selectors import today_counts

    c = today_counts(user=user)
    return HomePanel(
        _("今日走访"),
        [
            PanelItem(_("本月计划走访"), c["planned"], "/visits/"),
            PanelItem(_("已走访"), c["done"], "/visits/"),
            PanelItem(_("逾期未访"), c["overdue"], "/visits/", "bad" if c["overdue"] else ""),
            PanelItem(_("本周应访"), c["due"], "/visits/", "warn" if c["due"] else ""),
            PanelItem(_("我的未办结民情事项"), c["items"], "/visits/ledger/?state=open"),
            PanelItem(
                _("其中已逾期"),
                c["items_overdue"],
                "/visits/ledger/?overdue=1",
                "bad" if c["items_overdue"] else "",
            ),
        ],
        order=20,
    )


def head_panel(user):
    if not user.has_perm(rules.ASSIGN):
        return None
    from .selectors import head_counts

    c = head_counts(user=user)
    return HomePanel(
        _("包片联户"),
        [
            PanelItem(_("未包户的户"), c["uncovered"], "/visits/coverage/", "warn" if c["uncovered"] else ""),
            PanelItem(
                _("逾期民情事项"),
                c["items_overdue"],
                "/visits/ledger/?overdue=1",
                "bad" if c["items_overdue"] else "",
            ),
        ],
        order=20,
    )
