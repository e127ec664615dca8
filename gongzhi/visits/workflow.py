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
    return None if deliberation_installed() else error("no_deliberation")


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
