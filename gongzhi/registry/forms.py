"""Forms for the registry pages. They only read and shape input; services validate and write."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from gongzhi.core import idnumber
from gongzhi.core.audit import purpose_choices
from gongzhi.core.errors import ApplicationError
from gongzhi.core.fieldmessages import PlainMessagesMixin

from .codes import ETHNICITIES, DisabilityCategory, PersonStatus, ResidenceType, Sex, TagKind

# Registry error codes that belong beside one field of the edit form.
ERROR_FIELDS = {
    "purpose_note_invalid": "note",
    "purpose_note_too_long": "note",
    "name_required": "name",
    "name_too_long": "name",
    "sex_mismatch": "sex",
    "sex_required": "sex",
    "birth_mismatch": "birth_date",
    "birth_future": "birth_date",
    "birth_too_early": "birth_date",
    "duplicate_id_number": "id_number",
    "id_not_registrable_here": "id_number",
    "notes_too_long": "notes",
    "grade_range": "grade",
    "validity_order": "valid_to",
    "invalid_tag": "kind",
}


def add_service_error(form: forms.Form, exc: ApplicationError) -> None:
    """Show a service's refusal beside the field it concerns (or above the form)."""
    field = exc.field or ERROR_FIELDS.get(exc.code)
    if field and field not in form.fields:
        field = None
    form.add_error(field, str(exc.message))


class PersonSearchForm(PlainMessagesMixin, forms.Form):
    q = forms.CharField(
        label=_("查询"),
        required=False,
        max_length=60,
        widget=forms.TextInput(
            attrs={
                "placeholder": _("姓名、身份号码后四位、手机号或地址"),
                "autocomplete": "off",
                "type": "search",
            }
        ),
    )
    tag = forms.ChoiceField(
        label=_("人群标签"), required=False, choices=[("", _("全部人群"))] + TagKind.choices
    )
    community = forms.ChoiceField(label=_("社区"), required=False)

    def __init__(self, *args, communities=None, **kwargs):
        super().__init__(*args, **kwargs)
        communities = list(communities or [])
        if len(communities) > 1:
            streets = {c.parent_id: c.parent for c in communities if c.parent_id}
            choices: list = [("", _("全部社区"))]
            if len(streets) > 1:
                choices += [
                    (code, _("%(name)s（全部）") % {"name": s.name}) for code, s in sorted(streets.items())
                ]
            choices += [(c.code, c.short_name) for c in communities]
            self.fields["community"].choices = choices
        else:
            del self.fields["community"]

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        return {k: v for k, v in self.cleaned_data.items() if v}

    def describe(self) -> list[str]:
        """The filters in words, for the export page."""
        out = []
        for key, value in self.filters().items():
            field = self.fields[key]
            if isinstance(field, forms.ChoiceField):
                # django-stubs types the getter as any choices input; Django returns normalized pairs.
                labels = dict(field.choices)  # type: ignore[arg-type]
                out.append(f"{field.label}：{labels.get(value, value)}")
            else:
                out.append(f"{field.label}：{value}")
        return out


class PersonForm(PlainMessagesMixin, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    name = forms.CharField(label=_("姓名"), max_length=50)
    former_names = forms.CharField(label=_("曾用名"), max_length=100, required=False)
    id_number = forms.CharField(
        label=_("公民身份号码"),
        max_length=30,
        required=False,
        help_text=_("留空表示不修改；填写则替换为新的号码。"),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    sex = forms.ChoiceField(label=_("性别"), choices=Sex.choices)
    birth_date = forms.DateField(
        label=_("出生日期"),
        required=False,
        help_text=_("有身份号码时由号码推出，留空表示不修改。"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    ethnicity = forms.ChoiceField(label=_("民族"), choices=ETHNICITIES)
    phone = forms.CharField(
        label=_("联系电话"),
        max_length=20,
        required=False,
        help_text=_("留空表示不修改。"),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    residence_type = forms.ChoiceField(label=_("人口类型"), choices=ResidenceType.choices)
    status = forms.ChoiceField(label=_("状态"), choices=PersonStatus.choices)
    address = forms.CharField(
        label=_("居住地址"), max_length=200, required=False, help_text=_("登记了房屋的居民，地址由房屋生成。")
    )
    hukou_address = forms.CharField(label=_("户籍地址"), max_length=200, required=False)
    workplace = forms.CharField(label=_("工作单位"), max_length=100, required=False)
    notes = forms.CharField(
        label=_("备注"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def clean_id_number(self) -> str:
        value = self.cleaned_data["id_number"].strip()
        if value:
            try:
                idnumber.parse(value)
            except ApplicationError as exc:
                raise forms.ValidationError(str(exc.message)) from None
        return value

    def clean_phone(self) -> str:
        value = self.cleaned_data["phone"].strip()
        if value:
            try:
                idnumber.normalise_phone(value)
            except ApplicationError as exc:
                raise forms.ValidationError(str(exc.message)) from None
        return value

    @classmethod
    def initial_for(cls, person) -> dict:
        """The form as first shown. The birth date of a person with an identity number is
        left empty: it is part of the number, shown only when the number is revealed."""
        initial = {
            "version": person.version,
            **{
                f: getattr(person, f)
                for f in (
                    "name",
                    "former_names",
                    "sex",
                    "birth_date",
                    "ethnicity",
                    "residence_type",
                    "status",
                    "address",
                    "hukou_address",
                    "workplace",
                    "notes",
                )
            },
        }
        if person.id_number_hash:
            initial["birth_date"] = None
        return initial

    def service_data(self, person) -> dict:
        """What to hand to person_update: empty identity number and phone boxes keep the
        stored values; the address of a person with a dwelling comes from the dwelling."""
        data = {k: v for k, v in self.cleaned_data.items() if k != "version"}
        if not data["phone"]:
            data.pop("phone")
        if person.dwelling_id:
            data.pop("address")
        return data


class PurposeForm(PlainMessagesMixin, forms.Form):
    """A purpose from the lawful list (nothing pre-selected) and an optional note. The list
    and the note are checked by the service (core.audit.clean_purpose), as for the API."""

    # A select of the lawful purposes; the value is checked by the service, not here.
    purpose = forms.CharField(label=_("查看用途"), required=False, widget=forms.Select())
    note = forms.CharField(
        label=_("补充说明（选填）"),
        required=False,
        strip=False,
        widget=forms.TextInput(attrs={"placeholder": _("如：低保申请材料"), "autocomplete": "off"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["purpose"].widget.choices = purpose_choices()

    def purpose_args(self) -> dict[str, str]:
        data = getattr(self, "cleaned_data", {})
        return {"purpose": data.get("purpose") or "", "note": data.get("note") or ""}


class RevealForm(PurposeForm):
    pass


class TagForm(PlainMessagesMixin, forms.Form):
    # No category is pre-selected: the worker chooses one (the service checks it against the facts).
    kind = forms.ChoiceField(
        label=_("人群类别"),
        choices=[("", _("请选择人群类别")), *TagKind.choices],
        error_messages={"required": _("请选择人群类别。")},
    )
    valid_from = forms.DateField(
        label=_("生效日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    valid_to = forms.DateField(
        label=_("失效日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    grade = forms.IntegerField(label=_("残疾等级"), required=False, min_value=1, max_value=4)
    disability_category = forms.ChoiceField(
        label=_("残疾类别"), required=False, choices=[("", "—"), *DisabilityCategory.choices]
    )


class ImportForm(PlainMessagesMixin, forms.Form):
    file = forms.FileField(
        label=_("表格文件"),
        help_text=_("Excel（.xlsx）或 CSV（UTF-8 或 GBK 编码）。"),
        error_messages={"empty": _("文件是空的。"), "required": _("请选择要导入的表格文件。")},
    )
    community = forms.ChoiceField(label=_("导入到社区"), required=False)
    allow_new_places = forms.BooleanField(
        label=_("允许新建小区和楼栋"),
        required=False,
        help_text=_(
            "不勾选时，表格中尚未登记的小区或楼栋所在行不导入，并在结果中列出原因。"
            "勾选后才会新建，新建楼栋最多60层。"
        ),
    )

    def __init__(self, *args, communities=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.communities = {c.code: c for c in communities or []}
        self.fields["community"].choices = [("", _("按表格中的“社区代码”列"))] + [
            (c.code, c.short_name) for c in self.communities.values()
        ]
        if len(self.communities) == 1:
            self.fields["community"].choices = self.fields["community"].choices[1:]
            self.fields["community"].required = True

    def community_region(self):
        return self.communities.get(self.cleaned_data.get("community") or "")


class ExportForm(PurposeForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["purpose"].label = _("导出用途")
        self.fields["note"].widget.attrs["placeholder"] = _("如：季度走访名单")
