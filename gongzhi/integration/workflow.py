"""The review of a record waiting for a person, declared once (core.guard): services
require, pages and the API list. A record in review may be linked to one of the people
offered, or registered as a new person when none of them is its person."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from gongzhi.core.guard import Step, Workflow

from .errors import error
from .models import LinkDecision, RecordStatus
from .rules import REVIEW


def _still_waiting(record, user, now):
    if record.status != RecordStatus.ACCEPTED or record.person_id is not None:
        return error("already_decided")
    return None


REVIEW_WORKFLOW = Workflow(
    {
        "link": Step(
            _("关联到候选居民"), (LinkDecision.REVIEW,), LinkDecision.ACCEPTED, REVIEW, (_still_waiting,)
        ),
        "reject": Step(_("不是此人"), (LinkDecision.REVIEW,), None, REVIEW, (_still_waiting,)),
        "register": Step(
            _("登记为新居民"), (LinkDecision.REVIEW,), LinkDecision.SEPARATE, REVIEW, (_still_waiting,)
        ),
    },
    wrong_state=lambda record, step: error("already_decided"),
    state_attr="decision",
)
