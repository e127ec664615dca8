"""Forms for the pages that belong to no single app: the access-log filters."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from gongzhi.core.models import AccessAction


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
