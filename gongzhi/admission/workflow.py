"""The application's workflow, declared once: services require it, pages and the API show it."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from gongzhi.core.guard import Step, Workflow

from . import rules
from .errors import error
from .models import Application

S = Application.State


def _wrong_state(obj, step):
    return error("wrong_state", state=obj.get_state_display())


WORKFLOW = Workflow(
    {
        "edit": Step(_("修改申请"), (S.DRAFT, S.CHANGES_REQUESTED), None, rules.APPLY),
        "submit": Step(_("提交审核"), (S.DRAFT, S.CHANGES_REQUESTED), S.UNDER_REVIEW, rules.APPLY),
        "request_changes": Step(_("退回修改"), (S.UNDER_REVIEW,), S.CHANGES_REQUESTED, rules.REVIEW),
        "approve": Step(_("批准准入"), (S.UNDER_REVIEW,), S.APPROVED, rules.REVIEW),
        "refuse": Step(_("不予准入"), (S.UNDER_REVIEW,), S.REFUSED, rules.REVIEW),
        "withdraw": Step(_("撤出目录"), (S.APPROVED,), S.WITHDRAWN, rules.REVIEW),
    },
    wrong_state=_wrong_state,
)
