"""The micro-wish workflow, declared once with core.guard:

requested --publish--> posted   (staff; a wish a resident asked for, from the phone)
requested --decline--> declined (staff, with a reason the household sees)
requested --cancel--> withdrawn (the household that asked)
posted --claim--> claimed --fulfil--> fulfilled --confirm--> confirmed
claimed --release--> posted   (staff, once the claim is overdue; also done by wishes_release_overdue)
posted --withdraw--> withdrawn (staff)
"""

from __future__ import annotations

import rules as django_rules
from django.utils.translation import gettext_lazy as _

from gongzhi.core.errors import ApplicationError
from gongzhi.core.guard import Step, Workflow
from gongzhi.core.rules import scoped_permission

from . import rules
from .models import MicroWish

S = MicroWish.State

CLAIM = "volunteers.wish_claim"
FULFIL = "volunteers.wish_fulfil"
CONFIRM = "volunteers.wish_confirm"
CANCEL = "volunteers.wish_cancel"


@django_rules.predicate
def is_claimant(user, wish=None) -> bool:
    return wish is not None and wish.claimed_by_id is not None and wish.claimed_by_id == user.pk


@django_rules.predicate
def is_beneficiary_household(user, wish=None) -> bool:
    """The resident the wish is for, or someone of their household (by the register)."""
    if wish is None or not getattr(user, "person_id", None):
        return False
    if user.person_id == wish.beneficiary_id:
        return True
    from gongzhi.registry.selectors import household_members

    membership = getattr(wish.beneficiary, "membership", None)
    return membership is not None and any(
        m.person_id == user.person_id for m in household_members(household=membership.household)
    )


django_rules.add_perm(CLAIM, scoped_permission(rules.JOIN) | scoped_permission(rules.MANAGE))
django_rules.add_perm(FULFIL, is_claimant)
django_rules.add_perm(CONFIRM, is_beneficiary_household | scoped_permission(rules.MANAGE))
django_rules.add_perm(CANCEL, is_beneficiary_household)


def claim_overdue(wish, user, now):
    if wish.due_at is None or wish.due_at > now:
        return ApplicationError("not_overdue", _("认领尚未超期，不能退回心愿池。"), status=409)
    return None


def not_own_wish(wish, user, now):
    if getattr(user, "person_id", None) and user.person_id == wish.beneficiary_id:
        return ApplicationError("own_wish", _("不能认领自己的心愿。"), status=409)
    return None


def _wrong_state(wish, step):
    return ApplicationError(
        "wrong_state",
        _("心愿当前状态为“%(state)s”，不能%(step)s。")
        % {"state": wish.get_state_display(), "step": WORKFLOW.steps[step].label},
        status=409,
    )


WORKFLOW = Workflow(
    {
        "publish": Step(_("审核发布"), (S.REQUESTED,), S.POSTED, rules.MANAGE),
        "decline": Step(_("不予采纳"), (S.REQUESTED,), S.DECLINED, rules.MANAGE),
        "cancel": Step(_("撤回我的心愿"), (S.REQUESTED,), S.WITHDRAWN, CANCEL),
        "claim": Step(_("认领"), (S.POSTED,), S.CLAIMED, CLAIM, conditions=(not_own_wish,)),
        "fulfil": Step(_("送达"), (S.CLAIMED,), S.FULFILLED, FULFIL),
        "confirm": Step(_("确认收到"), (S.FULFILLED,), S.CONFIRMED, CONFIRM),
        "release": Step(_("退回心愿池"), (S.CLAIMED,), S.POSTED, rules.MANAGE, conditions=(claim_overdue,)),
        "withdraw": Step(_("撤回"), (S.POSTED,), S.WITHDRAWN, rules.MANAGE),
    },
    wrong_state=_wrong_state,
)
