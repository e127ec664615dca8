"""The public-sentiment ledger's steps, declared once (core.guard): services require them, pages
show them, the API lists them."""

from __future__ import annotations

from django.apps import apps
from django.utils.translation import gettext_lazy as _

from gongzhi.core.guard import Step, Workflow

from . import rules
from .errors import error
from .models import ItemState

_ACTIONS = {"answer": _("答复"), "to_demand": _("转为诉求"), "to_topic": _("转为议题")}


def deliberation_installed() -> bool:
    """The hook for turning an item into a deliberation topic: the deliberation app, when installed,
    provides `gongzhi.deliberation.services.topic_from_ledger_item(item=, by=)`."""
    return apps.is_installed("gongzhi.deliberation")


def _deliberation_ready(item, user, now):
    if not deliberation_installed():
        return error("no_deliberation")
    from django.utils.module_loading import import_string

    if import_string("gongzhi.deliberation.selectors.community_council")(item.community_id) is None:
        return error("no_council")
    return None


def _wrong_state(item, step):
    return error("wrong_state", state=item.get_state_display(), action=_ACTIONS[step])


WORKFLOW = Workflow(
    {
        "answer": Step(_("答复"), (ItemState.OPEN,), ItemState.ANSWERED, rules.RECORD),
        "to_demand": Step(_("转为诉求"), (ItemState.OPEN,), ItemState.DEMAND, rules.ESCALATE),
        "to_topic": Step(
            _("转为议题"),
            (ItemState.OPEN,),
            ItemState.TOPIC,
            rules.ESCALATE,
            conditions=(_deliberation_ready,),
        ),
    },
    wrong_state=_wrong_state,
)
