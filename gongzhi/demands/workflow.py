"""The demand workflow: every step declared once — the states it starts from, the permission, and
the conditions (time windows, pending requests, limits) — with core.guard.

    submitted ──dispatch──▶ dispatched ──sign──▶ handling ──reply──▶ replied ──callback──▶ called_back ──close──▶ closed
        ▲                      │   ▲                │  ▲                                        │
        │                      └return──▶ return_pending ◀──return┘  └──────────── reopen ◀─────┘
        └──── decide_return(accept) ──┘     └── decide_return(refuse) → back to dispatched / handling

Extension requests/decisions, reminders (before the deadline) and supervision (after it) leave
the state as it is. The services call `WORKFLOW.require(step, demand, user)` before writing, the
detail page shows the buttons of `WORKFLOW.allowed(demand, user)` and the API returns the same
list as `allowed_actions`, so the three cannot disagree (tests/test_guard_agreement.py).
What a step needs from its input (a reason, a choice) is checked by the service after the guard.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from gongzhi.core.guard import Step, Workflow

from . import calendar
from .errors import error
from .models import DemandState as S
from .models import ExtensionRequest, RequestState, ReturnRequest, Satisfaction
from .rules import CALLBACK, DISPATCH, HANDLE, RATE, REVIEW, SUPERVISE

MAX_EXTENSIONS = 2
MAX_REOPENS = 2


# Conditions: (demand, user, now) -> the refusal, or None. -----------------------------------


def return_window_open(demand, user, now):
    if demand.return_deadline is None or now > demand.return_deadline:
        window = calendar.RETURN_WINDOWS[demand.time_limit or "ordinary"].label()
        return error("return_window_passed", limit=window)
    return None


def return_not_refused_for_this_dispatch(demand, user, now):
    if (
        demand.dispatched_at is not None
        and ReturnRequest.objects.filter(
            demand=demand,
            unit_id=demand.unit_id,
            state=RequestState.REFUSED,
            requested_at__gte=demand.dispatched_at,
        ).exists()
    ):
        return error("return_already_refused")
    return None


def return_pending(demand, user, now):
    if not ReturnRequest.objects.filter(demand=demand, state=RequestState.PENDING).exists():
        return error("no_pending_return")
    return None


def before_deadline(demand, user, now):
    if demand.due_at is None or now >= demand.due_at:
        return error("extension_after_deadline")
    return None


def no_extension_pending(demand, user, now):
    if ExtensionRequest.objects.filter(demand=demand, state=RequestState.PENDING).exists():
        return error("extension_pending")
    return None


def extensions_left(demand, user, now):
    if ExtensionRequest.objects.filter(demand=demand, state=RequestState.APPROVED).count() >= MAX_EXTENSIONS:
        return error("extension_limit", n=MAX_EXTENSIONS)
    return None


def extension_pending(demand, user, now):
    if not ExtensionRequest.objects.filter(demand=demand, state=RequestState.PENDING).exists():
        return error("no_pending_extension")
    return None


def not_past_deadline(demand, user, now):
    if demand.due_at is not None and now > demand.due_at:
        return error("remind_after_deadline")
    return None


def past_deadline(demand, user, now):
    if demand.due_at is None or now <= demand.due_at:
        return error("supervise_before_deadline")
    return None


def needs_reopening(demand, user, now):
    if demand.satisfaction != Satisfaction.UNSATISFIED and demand.resolved:
        return error("reopen_not_needed")
    return None


def reopens_left(demand, user, now):
    if demand.reopen_count >= MAX_REOPENS:
        return error("reopen_limit", n=MAX_REOPENS)
    return None


def closable(demand, user, now):
    """Satisfied and solved; otherwise only the level above may close it (with a note)."""
    if (demand.satisfaction == Satisfaction.UNSATISFIED or not demand.resolved) and not user.has_perm(
        REVIEW, demand
    ):
        return error("close_unsatisfied")
    return None


STEPS: dict[str, Step] = {
    "classify": Step(_("分类"), (S.SUBMITTED,), None, DISPATCH),
    "dispatch": Step(_("派单"), (S.SUBMITTED,), S.DISPATCHED, DISPATCH),
    "sign": Step(_("签收"), (S.DISPATCHED,), S.HANDLING, HANDLE),
    "return": Step(
        _("退单"),
        (S.DISPATCHED, S.HANDLING),
        S.RETURN_PENDING,
        HANDLE,
        (return_window_open, return_not_refused_for_this_dispatch),
    ),
    "decide_return": Step(_("审核退单"), (S.RETURN_PENDING,), None, REVIEW, (return_pending,)),
    "request_extension": Step(
        _("申请延期"), (S.HANDLING,), None, HANDLE, (before_deadline, no_extension_pending, extensions_left)
    ),
    "decide_extension": Step(_("审核延期"), (S.HANDLING,), None, REVIEW, (extension_pending,)),
    "remind": Step(
        _("催办"), (S.DISPATCHED, S.HANDLING, S.RETURN_PENDING), None, SUPERVISE, (not_past_deadline,)
    ),
    "supervise": Step(
        _("督办"), (S.DISPATCHED, S.HANDLING, S.RETURN_PENDING), None, SUPERVISE, (past_deadline,)
    ),
    "reply": Step(_("答复"), (S.HANDLING,), S.REPLIED, HANDLE),
    "callback": Step(_("回访"), (S.REPLIED,), S.CALLED_BACK, CALLBACK),
    "rate": Step(_("评价"), (S.REPLIED,), S.CALLED_BACK, RATE),
    "reopen": Step(_("重新办理"), (S.CALLED_BACK,), S.HANDLING, DISPATCH, (needs_reopening, reopens_left)),
    "close": Step(_("办结"), (S.CALLED_BACK,), S.CLOSED, DISPATCH, (closable,)),
}


def _wrong_state(demand, action: str):
    return error("wrong_state", state=S(demand.state).label, action=STEPS[action].label)


WORKFLOW = Workflow(STEPS, wrong_state=_wrong_state)

# Steps the detail page does not draw as buttons, and why: the dispatch form classifies too, and
# the resident rates on the tracking page. The API lists them like every other allowed step.
NOT_BUTTONS = {"classify": "dispatch", "rate": None}


def allowed_actions(demand, user, now=None) -> list[str]:
    """The steps `user` may take on `demand` now: state, permission and every condition."""
    return WORKFLOW.allowed(demand, user, now)


def page_actions(demand, user, now=None) -> list[str]:
    """The buttons of the detail page: allowed_actions without those drawn elsewhere."""
    actions = allowed_actions(demand, user, now)
    return [a for a in actions if a not in NOT_BUTTONS or (NOT_BUTTONS[a] and NOT_BUTTONS[a] not in actions)]


def state_allows(state: str, action: str) -> bool:
    return state in STEPS[action].sources


def check_state(demand, action: str) -> None:
    if not state_allows(demand.state, action):
        raise _wrong_state(demand, action)
