"""Home-page panels: the resident's own volunteering, and staff's to-do counts."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from gongzhi.core import clock
from gongzhi.core.manifests import HomePanel, PanelItem

from . import rules


def volunteer_panel(user):
    if not user.has_perm(rules.JOIN):
        return None
    from .selectors import signups_of, volunteer_of_user, volunteer_summary

    v = volunteer_of_user(user=user)
    if v is None:
        return HomePanel(
            _("志愿服务"), [PanelItem(_("注册成为志愿者"), None, reverse("volunteers:home"))], order=50
        )
    s = volunteer_summary(volunteer=v)
    upcoming = signups_of(volunteer=v).filter(ends_at__gte=clock.now()).count()
    return HomePanel(
        _("志愿服务"),
        [
            PanelItem(_("已报名的班次"), upcoming, reverse("volunteers:home")),
            PanelItem(_("累计服务时长（小时）"), int(s.total), reverse("volunteers:home")),
            PanelItem(_("星级"), s.stars, reverse("volunteers:home")),
            PanelItem(_("积分"), int(s.points), reverse("volunteers:rewards")),
        ],
        order=50,
    )


def staff_panel(user):
    if not user.has_perm(rules.MANAGE):
        return None
    from .selectors import no_shows, volunteer_list

    return HomePanel(
        _("志愿服务"),
        [
            PanelItem(_("注册志愿者"), volunteer_list(user=user).count(), reverse("volunteers:roster")),
            PanelItem(
                _("近30天未到岗"), no_shows(user=user).count(), reverse("volunteers:no_shows"), tone="warn"
            ),
        ],
        order=60,
    )
