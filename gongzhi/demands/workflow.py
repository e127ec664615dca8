"""The state machine: which step may be taken in which state, and under which permission.

    submitted ──dispatch──▶ dispatched ──sign──▶ handling ──reply──▶ replied ──callback──▶ called_back ──close──▶ closed
        ▲                      │   ▲                │  ▲                                        │
        │                      └return──▶ return_pending ◀──return┘  └──────────── reopen ◀─────┘
        └──── decide_return(accept) ──┘     └── decide_return(refuse) → back to dispatched / handling

Extension requests/decisions, reminders (before the deadline) and supervision (after it)
leave the state as it is. The role side of the table is the permission column together
with the role → permission table in rules.py.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from .models import DemandState as S
from .rules import CALLBACK, DISPATCH, HANDLE, RATE, REVIEW, SUPERVISE


@dataclass(frozen=True)
class Step:
    label: object
    sources: tuple[str, ...]
    target: str | None  # None: the state does not change (or depends on the decision)
    perm: str


STEPS: dict[str, Step] = {
    "classify": Step(_("分类"), (S.SUBMITTED,), None, DISPATCH),
    "dispatch": Step(_("派单"), (S.SUBMITTED,), S.DISPATCHED, DISPATCH),
    "sign": Step(_("签收"), (S.DISPATCHED,), S.HANDLING, HANDLE),
    "return": Step(_("退单"), (S.DISPATCHED, S.HANDLING), S.RETURN_PENDING, HANDLE),
    "decide_return": Step(_("审核退单"), (S.RETURN_PENDING,), None, REVIEW),
    "request_extension": Step(_("申请延期"), (S.HANDLING,), None, HANDLE),
    "decide_extension": Step(_("审核延期"), (S.HANDLING,), None, REVIEW),
    "remind": Step(_("催办"), (S.DISPATCHED, S.HANDLING, S.RETURN_PENDING), None, SUPERVISE),
    "supervise": Step(_("督办"), (S.DISPATCHED, S.HANDLING, S.RETURN_PENDING), None, SUPERVISE),
    "reply": Step(_("答复"), (S.HANDLING,), S.REPLIED, HANDLE),
    "callback": Step(_("回访"), (S.REPLIED,), S.CALLED_BACK, CALLBACK),
    "rate": Step(_("评价"), (S.REPLIED,), S.CALLED_BACK, RATE),
    "reopen": Step(_("重新办理"), (S.CALLED_BACK,), S.HANDLING, DISPATCH),
    "close": Step(_("办结"), (S.CALLED_BACK,), S.CLOSED, DISPATCH),
}


def state_allows(state: str, action: str) -> bool:
    return state in STEPS[action].sources


def check_state(demand, action: str) -> None:
    from .errors import error

    if not state_allows(demand.state, action):
        raise error("wrong_state", state=S(demand.state).label, action=STEPS[action].label)


def allowed_actions(demand, user) -> list[str]:
    """The steps `user` may take on `demand` now (state and permission; windows are checked
    when the step is taken)."""
    return [
        name
        for name, step in STEPS.items()
        if demand.state in step.sources and user.has_perm(step.perm, demand)
    ]
