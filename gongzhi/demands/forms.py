"""Forms for the demand pages: they only parse input; services validate and decide."""

from __future__ import annotations

from django import forms
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from gongzhi.core.fieldmessages import PlainMessagesMixin
from gongzhi.core.formtokens import form_token_key, form_token_new
from gongzhi.core.models import Region

from .models import Channel, ResolutionKind, Satisfaction


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if not data:
            return []
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(d, initial) for d in data]
        return [super().clean(data, initial)]


def pinyin_key(name: str) -> tuple:
    """Sort Chinese names as a reader looks them up: by the letters of their pinyin
    (锦江 jin jiang before 金牛山 jin niu shan), then by tone, then by the name itself."""
    from pypinyin import Style, lazy_pinyin

    name = name or ""
    return (lazy_pinyin(name), lazy_pinyin(name, style=Style.TONE3), name)


def community_choices(communities) -> list:
    """Communities grouped by street, streets and communities each in pinyin order, for a select."""
    groups: dict[str, list] = {}
    names: dict[str, str] = {}
    for c in communities:
        groups.setdefault(c.parent_id, []).append((c.code, c.short_name))
        names[c.parent_id] = c.parent.name if c.parent_id else ""
    streets = sorted(groups, key=lambda k: pinyin_key(names[k]))
    return [("", _("请选择社区"))] + [
        (names[k], sorted(groups[k], key=lambda choice: pinyin_key(choice[1]))) for k in streets
    ]


class DemandForm(PlainMessagesMixin, forms.Form):
    title = forms.CharField(
        label=_("标题"),
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": _("一句话说明问题，如：3号楼楼道灯不亮")}),
    )
    body = forms.CharField(
        label=_("诉求内容"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5, "placeholder": _("请描述时间、地点、具体情况和您的诉求")}),
    )
    community = forms.ChoiceField(label=_("所在社区"))
    building = forms.IntegerField(label=_("楼栋"), required=False, widget=forms.Select)
    address = forms.CharField(label=_("详细地址"), max_length=200, required=False)
    latitude = forms.FloatField(required=False, widget=forms.HiddenInput)
    longitude = forms.FloatField(required=False, widget=forms.HiddenInput)
    photos = MultipleFileField(label=_("照片（最多6张）"), required=False)
    contact_name = forms.CharField(label=_("联系人"), max_length=50, required=False)
    contact_phone = forms.CharField(
        label=_("联系电话"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )

    # A one-time token: the same form posted twice makes one demand (see demand_create).
    form_token = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, communities=None, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("form_token", form_token_new())
        self.fields["community"].choices = community_choices(communities or [])
        self.fields["community"].widget.attrs.update(
            {
                "hx-get": reverse_lazy("demands:buildings"),
                "hx-target": "#id_building",
                "hx-trigger": "change, load",
                "hx-include": "this",
            }
        )

    def clean_community(self):
        code = self.cleaned_data["community"]
        region = Region.objects.filter(code=code, level=5).first()
        if region is None:
            raise forms.ValidationError(_("请选择诉求所在的社区。"))
        return region

    def clean_form_token(self):
        """The idempotency key behind the token (None for a form without one, e.g. a script)."""
        token = self.cleaned_data.get("form_token") or ""
        key = form_token_key(token)
        if token and key is None:
            raise forms.ValidationError(_("页面已过期，请刷新页面后重新提交。"))
        return key


class IntakeForm(DemandForm):
    channel = forms.ChoiceField(
        label=_("来源渠道"),
        choices=[(c, lbl) for c, lbl in Channel.choices if c in ("hotline", "walk_in", "grid_visit")],
    )
    category = forms.IntegerField(label=_("分类"), required=False, widget=forms.Select)

    field_order = [
        "channel",
        "title",
        "body",
        "community",
        "building",
        "address",
        "category",
        "contact_name",
        "contact_phone",
        "photos",
    ]


class RateForm(PlainMessagesMixin, forms.Form):
    satisfaction = forms.ChoiceField(
        label=_("满意度"), choices=Satisfaction.choices, widget=forms.RadioSelect
    )
    resolved = forms.TypedChoiceField(
        label=_("问题是否已解决"),
        choices=[("1", _("已解决")), ("0", _("未解决"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("评价留言"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )
    phone = forms.CharField(label=_("提交时留下的联系电话"), required=False, max_length=20)


RESOLUTION_CHOICES = ResolutionKind.choices
