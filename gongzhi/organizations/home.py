"""The organisations panel of the home page."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from gongzhi.core.manifests import HomePanel, PanelItem

from . import selectors
from .rules import VIEW


def registers_panel(user) -> HomePanel | None:
    if not user.has_perm(VIEW):
        return None
    c = selectors.register_counts(user=user)
    url = reverse("organizations:register")
    return HomePanel(
        _("社会组织与共建"),
        [
            PanelItem(_("社会组织"), c["social"], f"{url}?tab=social"),
            PanelItem(_("共驻共建协议"), c["agreements"], f"{url}?tab=units"),
            PanelItem(_("物业公司"), c["companies"], f"{url}?tab=companies"),
            PanelItem(_("待对接需求"), _open_needs(user), reverse("organizations:lists") + "?tab=needs"),
            PanelItem(
                _("业委会逾期未换届"),
                c["overdue"],
                f"{url}?tab=committees&overdue=1",
                "warn" if c["overdue"] else "",
            ),
        ],
        order=60,
    )


def _open_needs(user) -> int:
    from gongzhi.core.scoping import scoped

    from .models import Need, NeedStatus

    return scoped(Need.objects.filter(status=NeedStatus.OPEN), user, VIEW).count()


def bookings_panel(user) -> HomePanel | None:
    from .rules import BOOK

    if not user.has_perm(BOOK):
        return None
    c = selectors.booking_counts(user=user)
    url = reverse("organizations:booking_list")
    items = [PanelItem(_("我的预约"), c["mine"], url)]
    if "pending" in c:
        items.append(PanelItem(_("待审批预约"), c["pending"], url, "warn" if c["pending"] else ""))
        items.append(PanelItem(_("今日预约"), c["today"], url))
    items.append(PanelItem(_("预约场地"), None, reverse("organizations:space_list")))
    return HomePanel(_("场地预约"), items, order=61)


def unit_panel(user) -> HomePanel | None:
    """A unit contact's work: their spaces' bookings to handle, needs they could help with."""
    from .rules import UNIT

    if not user.has_perm(UNIT):
        return None
    c = selectors.unit_counts(user=user)
    url = reverse("organizations:unit")
    return HomePanel(
        _("本单位共建"),
        [
            PanelItem(_("待审批预约"), c["pending"], f"{url}#bookings", "warn" if c["pending"] else ""),
            PanelItem(_("今日预约"), c["today"], f"{url}#bookings"),
            PanelItem(_("可认领的需求"), c["needs"], f"{url}#needs"),
            PanelItem(_("待社区确认的认领"), c["offers"], f"{url}#offers"),
            PanelItem(_("承诺资源"), None, f"{url}#agreements"),
        ],
        order=59,
    )
