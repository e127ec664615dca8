"""Forms for the pages that belong to no single app (the access-log filters), and the one way a
form page submits to a service (`submit`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from gongzhi.core.errors import ApplicationError
from gongzhi.core.models import AccessAction

T = TypeVar("T")


class AccessLogFilterForm(forms.Form):
    """Who looked, at whom, what and when. Bad values are reported beside the field and that
    filter is left out; the list never fails."""

    user = forms.CharField(label=_("用户"), required=False, max_length=150)
    person = forms.CharField(
        label=_("居民"),
        required=False,
        max_length=50,
        help_text=_("居民姓名（完整）或编号"),
    )
    action = forms.ChoiceField(
        label=_("操作"), required=False, choices=[("", _("全部")), *AccessAction.choices]
    )
    date_from = forms.DateField(
        label=_("开始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    date_to = forms.DateField(
        label=_("结束日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("结束日期不能早于开始日期。"))
        return data

    def filters(self) -> dict:
        """The valid filters (invalid ones dropped), as keyword arguments for the selector,
        except `person`, which the view turns into ids."""
        self.is_valid()
        data = {k: v for k, v in getattr(self, "cleaned_data", {}).items() if v}
        return {
            "username": (data.get("user") or "").strip(),
            "action": data.get("action") or "",
            "date_from": data.get("date_from"),
            "date_to": data.get("date_to"),
            "person": (data.get("person") or "").strip(),
        }


def submit(form, call: Callable[[], T], *, show: Callable | None = None) -> tuple[bool, T]:
    """Run a form's service call. A refusal (an ApplicationError other than 403 and 404, which go to
    the error pages) is put on the form, beside its field where `show` knows it, and (False, None)
    comes back: the service changed nothing (the value is the call's only when the flag is True).
    Every form page handles refusals this one way."""
    try:
        return True, call()
    except ApplicationError as exc:
        if exc.status in (403, 404):
            raise
        if show is not None:
            show(form, exc)
        else:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
        return False, cast(T, None)


def act(request, call: Callable[[], object], ok) -> bool:
    """Run a button's service call (no form to show errors beside): its success message, or the
    refusal as an error message (403 and 404 go to the error pages). True when it went through."""
    from django.contrib import messages

    try:
        call()
    except ApplicationError as exc:
        if exc.status in (403, 404):
            raise
        messages.error(request, str(exc.message))
        return False
    messages.success(request, ok)
    return True
