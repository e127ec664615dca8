from __future__ import annotations

import datetime as dt

from django import template

register = template.Library()

OPEN = {"dispatched", "handling", "return_pending"}


@register.filter
def get_item(mapping, key):
    return mapping.get(key, "")


@register.filter
def due_class(demand, now) -> str:
    """due-over when an open demand is past its deadline, due-soon within the next 24 hours."""
    if not demand.due_at or demand.state not in OPEN:
        return ""
    if demand.due_at < now:
        return "due-over"
    if demand.due_at - now < dt.timedelta(hours=24):
        return "due-soon"
    return ""


@register.filter
def pct(value) -> str:
    return "—" if value is None else f"{100 * value:.1f}%"
