"""One way to write dates and times on every page: 2026-03-05 and 2026-03-05 09:30 (local time).

Templates write `{{ value|when }}` for a moment and `{{ value|day }}` for a calendar day,
never `|date:"…"` with a format of their own."""

from __future__ import annotations

import datetime as dt

from django import template
from django.template.defaultfilters import date as date_filter
from django.utils import timezone

register = template.Library()

DAY_FORMAT = "Y-m-d"
WHEN_FORMAT = "Y-m-d H:i"
MONTH_FORMAT = "Y-m"


@register.filter
def when(value) -> str:
    """A moment: 2026-03-05 09:30 in the site's time zone ("" for none)."""
    if not value:
        return ""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return date_filter(value, DAY_FORMAT)
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return date_filter(value, WHEN_FORMAT)


@register.filter
def day(value) -> str:
    """A calendar day: 2026-03-05 ("" for none)."""
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    return date_filter(value, DAY_FORMAT) if value else ""


@register.filter
def month(value) -> str:
    """A month: 2026-03 ("" for none)."""
    return date_filter(value, MONTH_FORMAT) if value else ""


@register.filter
def year(value) -> str:
    """A year: 2026 ("" for none)."""
    return date_filter(value, "Y") if value else ""


# Punctuation between translated pieces: full-width in Chinese, ASCII in English, so that
# an English page never shows "Satisfaction：" or "a、b".
def _zh() -> bool:
    from django.utils.translation import get_language

    return (get_language() or "zh-hans").startswith("zh")


@register.simple_tag
def colon() -> str:
    """： in Chinese, ": " otherwise."""
    return "：" if _zh() else ": "


@register.simple_tag
def comma() -> str:
    """， in Chinese, ", " otherwise."""
    return "，" if _zh() else ", "


@register.filter
def enum(values) -> str:
    """Join a list: 甲、乙 in Chinese, "a, b" otherwise."""
    return ("、" if _zh() else ", ").join(str(v) for v in values or [])


@register.filter
def paren(value) -> str:
    """（x） in Chinese, " (x)" otherwise ("" for none)."""
    if value in (None, ""):
        return ""
    return f"（{value}）" if _zh() else f" ({value})"


@register.simple_tag(takes_context=True)
def app_slot(context, name: str) -> str:
    """What other apps draw at this place of the page: the templates their manifests name for the
    slot (AppManifest.template_slots), rendered with this page's context ("" when none)."""
    from django.template.loader import get_template
    from django.utils.safestring import mark_safe

    from gongzhi.core.manifests import slot_templates

    templates = slot_templates(name)
    if not templates:
        return ""
    flat = context.flatten()
    return mark_safe("".join(get_template(t).render(flat) for t in templates))
