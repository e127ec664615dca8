"""One guard per workflow step: "may this user take this step on this object, now?"

A workflow declares each step once — the states it may start from, the permission (a `rules`
predicate, so role and scope), and its conditions (time windows, pending requests, phases). Then:

- the service calls `workflow.require(step, obj, user)` before writing (and raises its refusal);
- the page asks `workflow.allowed(obj, user)` which buttons to show;
- the API returns the same list as `allowed_actions`.

One answer for all three, so they cannot disagree (adhocracy4's phase predicates, Decidim's
permissions). A condition is a function `(obj, user, now) -> ApplicationError | None`: it returns the
refusal, in plain words, or None when the step may go ahead.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from . import clock
from .errors import ApplicationError, PermissionDenied

Condition = Callable[[Any, Any, dt.datetime], "ApplicationError | None"]


@dataclass(frozen=True)
class Step:
    label: Any
    sources: tuple[str, ...]
    target: str | None  # None: the state does not change (or depends on the decision)
    perm: str
    conditions: tuple[Condition, ...] = field(default=())


class Workflow:
    def __init__(
        self,
        steps: dict[str, Step],
        *,
        wrong_state: Callable[[Any, str], ApplicationError],
        state_attr: str = "state",
    ):
        self.steps = steps
        self._wrong_state = wrong_state
        self._state_attr = state_attr

    def refusal(self, name: str, obj, user, now: dt.datetime | None = None) -> ApplicationError | None:
        """Why `user` may not take step `name` on `obj` now, or None if they may."""
        step = self.steps[name]
        if getattr(obj, self._state_attr) not in step.sources:
            return self._wrong_state(obj, name)
        if user is None or not user.has_perm(step.perm, obj):
            return PermissionDenied()
        now = now or clock.now()
        for condition in step.conditions:
            refused = condition(obj, user, now)
            if refused is not None:
                return refused
        return None

    def require(self, name: str, obj, user, now: dt.datetime | None = None) -> None:
        refused = self.refusal(name, obj, user, now)
        if refused is not None:
            raise refused

    def allowed(
        self, obj, user, now: dt.datetime | None = None, names: Iterable[str] | None = None
    ) -> list[str]:
        """The steps `user` may take on `obj` now, in declaration order."""
        now = now or clock.now()
        return [n for n in (names or self.steps) if self.refusal(n, obj, user, now) is None]
