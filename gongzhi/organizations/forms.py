"""Forms of the register, committee and space pages. They read and shape input (types, lengths,
choices, with plain messages); the services check the rules and write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gongzhi.core.errors import ApplicationError
from gongzhi.core.fieldmessages import PlainMessagesMixin
from gongzhi.core.models import Region
from gongzhi.core.scoping import scope_prefixes

from .models import (
    CommitteeRole,
    Grade,
    OrganizationKind,
    Registration,
    ResourceKind,
    ServiceField,
    SpaceKind,
)
from .services import REGISTER_KINDS

BLANK: list[tuple[str, Any]] = [("", "—")]
WEEKDAYS = [
    ("1", _("周一")),
    ("2", _("周二")),
    ("3", _("周三")),
    ("4", _("周四")),
    ("5", _("周五")),
    ("6", _("周六")),
    ("7", _("周日")),
]

# Service error codes shown beside one field of a form (the others go above it).
ERROR_FIELDS = {
    "name_required": "name",
    "name_too_long": "name",
    "duplicate": "name",
    "space_name_taken": "name",
    "kind_invalid": "kind",
    "credit_code_invalid": "credit_code",
    "social_workers_exceed_staff": "social_worker_count",
    "region_out_of_scope": "communities_served",
    "not_community": "communities_served",
    "dates_invalid": "expires_on",
    "agreement_exists": "signed_on",
    "term_invalid": "term_end",
    "term_exists": "term_start",
    "members_invalid": "member_count",
    "members_fewer_than_recorded": "member_count",
    "not_an_owner": "person",
    "member_exists": "person",
    "director_exists": "role",
    "hours_invalid": "closes",
    "slot_invalid": "slot_minutes",
    "weekdays_invalid": "open_weekdays",
    "capacity_invalid": "capacity",
    "area_invalid": "area",
    "price_invalid": "price_per_hour",
    "quota_invalid": "quota_hours_per_week",
    "window_invalid": "window_days",
    "owner_not_serving": "owner",
    "estates_required": "estates",
    "estate_managed_by_other": "move",
    "estate_outside_company_region": "estates",
}


def add_service_error(form: forms.Form, exc: ApplicationError) -> None:
    """Show a service's refusal beside the field it concerns (or above the form)."""
    field = exc.field or ERROR_FIELDS.get(exc.code)
    if field and field not in form.fields:
        field = None
    form.add_error(field, str(exc.message))


def regions_in_scope(user, perm: str, levels=(3, 4, 5)):
    """The districts, streets and communities under the user's scope for `perm` (for pickers)."""
    prefixes = scope_prefixes(user, perm)
    if not prefixes:
        return Region.objects.none()
    q = Q()
    for p in prefixes:
        q |= Q(code__startswith=p)
    return Region.objects.filter(q, level__in=levels).order_by("code")[:2000]


def _region_choices(regions) -> list[tuple[str, str]]:
    return [(r.code, ("　" * max(0, r.level - 3)) + r.name) for r in regions]


class OrganizationForm(PlainMessagesMixin, forms.Form):
    name = forms.CharField(label=_("名称"), max_length=120)
    kind = forms.ChoiceField(
        label=_("类别"), choices=[(k, v) for k, v in OrganizationKind.choices if k in REGISTER_KINDS]
    )
    region = forms.ChoiceField(label=_("所在区域"), help_text=_("登记地：区、街道或社区。"))
    credit_code = forms.CharField(label=_("统一社会信用代码"), max_length=18, required=False)
    contact_name = forms.CharField(label=_("联系人"), max_length=50, required=False)
    registration = forms.ChoiceField(
        label=_("登记或备案"), choices=BLANK + Registration.choices, required=False
    )
    service_field = forms.ChoiceField(
        label=_("服务领域"), choices=BLANK + ServiceField.choices, required=False
    )
    grade = forms.ChoiceField(label=_("评估等级"), choices=BLANK + Grade.choices, required=False)
    staff_count = forms.IntegerField(label=_("专职人员"), min_value=0, max_value=100000, initial=0)
    social_worker_count = forms.IntegerField(label=_("持证社工"), min_value=0, max_value=100000, initial=0)
    address = forms.CharField(label=_("地址"), max_length=200, required=False)
    communities_served = forms.MultipleChoiceField(
        label=_("服务社区"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("可多选（按住 Ctrl 或 ⌘）。"),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        from .rules import MANAGE

        regions = list(regions_in_scope(user, MANAGE))
        self.fields["region"].choices = BLANK + _region_choices(regions)  # type: ignore[attr-defined]
        self.fields["communities_served"].choices = [  # type: ignore[attr-defined]
            (r.code, r.name) for r in regions if r.level == 5
        ]

    @staticmethod
    def initial_of(org) -> dict:
        p = getattr(org, "profile", None)
        initial = {
            "name": org.name,
            "kind": org.kind,
            "region": org.region_id,
            "credit_code": org.credit_code,
            "contact_name": org.contact_name,
        }
        if p is not None:
            initial |= {
                "registration": p.registration,
                "service_field": p.service_field,
                "grade": p.grade,
                "staff_count": p.staff_count,
                "social_worker_count": p.social_worker_count,
                "address": p.address,
                "communities_served": [r.code for r in p.communities_served.all()],
            }
        return initial


class AgreementForm(PlainMessagesMixin, forms.Form):
    community = forms.ChoiceField(label=_("共建社区"))
    signed_on = forms.DateField(label=_("签订日期"), widget=forms.DateInput(attrs={"type": "date"}))
    expires_on = forms.DateField(
        label=_("到期日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    content = forms.CharField(label=_("共建内容"), max_length=300, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        from .rules import MANAGE

        self.fields["community"].choices = BLANK + _region_choices(  # type: ignore[attr-defined]
            regions_in_scope(user, MANAGE, levels=(5,))
        )


class ResourceForm(PlainMessagesMixin, forms.Form):
    kind = forms.ChoiceField(label=_("资源类型"), choices=BLANK + ResourceKind.choices, required=False)
    description = forms.CharField(label=_("说明"), max_length=200, required=False)
    quantity = forms.DecimalField(
        label=_("承诺数量"), required=False, min_value=0, max_digits=12, decimal_places=2
    )
    unit = forms.CharField(label=_("单位"), max_length=10, required=False)

    def clean(self):
        data = super().clean() or {}
        filled = any(data.get(k) not in (None, "") for k in ("kind", "description", "quantity", "unit"))
        if filled and (not data.get("kind") or not data.get("quantity")):
            raise forms.ValidationError(_("每项承诺资源都要选择类型，并填写大于0的数量。"))
        data["filled"] = filled
        return data


ResourceFormSet = forms.formset_factory(ResourceForm, extra=3, max_num=10)


class CommitteeForm(PlainMessagesMixin, forms.Form):
    estate = forms.TypedChoiceField(label=_("小区"), coerce=int)
    term_start = forms.DateField(label=_("任期开始"), widget=forms.DateInput(attrs={"type": "date"}))
    term_end = forms.DateField(
        label=_("任期届满（换届日期）"), widget=forms.DateInput(attrs={"type": "date"})
    )
    filed_on = forms.DateField(
        label=_("备案日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    member_count = forms.IntegerField(label=_("委员人数"), min_value=3, max_value=11, initial=5)
    director_name = forms.CharField(
        label=_("主任"), max_length=50, required=False, help_text=_("登记主任为委员后，由登记信息自动填写。")
    )

    def __init__(self, *args, estates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["estate"].choices = BLANK + [  # type: ignore[attr-defined]
            (e.pk, f"{e.community.name} · {e.name}") for e in estates
        ]


class CompanyEstatesForm(PlainMessagesMixin, forms.Form):
    """Estates a property company manages as well: picked from the estates the user may add."""

    estates = forms.TypedMultipleChoiceField(
        label=_("小区"),
        coerce=int,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("可多选（按住 Ctrl 或 ⌘）。只列出您管辖范围内、在该公司登记区域内的小区。"),
    )
    move = forms.BooleanField(
        label=_("从其他物业公司移交"),
        required=False,
        help_text=_("所选小区现由其他物业公司管理时，勾选后才会移交给本公司。"),
    )

    def __init__(self, *args, estates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["estates"].choices = [(e.pk, estate_label(e)) for e in estates]  # type: ignore[attr-defined]


def estate_label(estate) -> str:
    label = f"{estate.community.name} · {estate.name}"
    if estate.property_company_id:
        return str(
            _("%(estate)s（现由“%(company)s”管理）")
            % {"estate": label, "company": estate.property_company.name}
        )
    return label


class CommitteeMemberForm(PlainMessagesMixin, forms.Form):
    person = forms.TypedChoiceField(label=_("业主"), coerce=int)
    role = forms.ChoiceField(label=_("职务"), choices=CommitteeRole.choices, initial=CommitteeRole.MEMBER)

    def __init__(self, *args, owners=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].choices = BLANK + [(p.pk, label) for p, label in owners]  # type: ignore[attr-defined]


class SpaceForm(PlainMessagesMixin, forms.Form):
    community = forms.ChoiceField(label=_("社区"))
    name = forms.CharField(label=_("名称"), max_length=80)
    kind = forms.ChoiceField(label=_("类型"), choices=SpaceKind.choices)
    owner = forms.TypedChoiceField(
        label=_("提供单位"),
        coerce=int,
        required=False,
        empty_value=None,
        help_text=_("空着表示社区自有场地。"),
    )
    place = forms.CharField(label=_("位置"), max_length=120, required=False)
    capacity = forms.IntegerField(label=_("容纳人数"), min_value=1, max_value=10000)
    area = forms.DecimalField(
        label=_("面积（平方米）"), required=False, min_value=0, max_digits=8, decimal_places=1
    )
    opens = forms.TimeField(label=_("开放时间"), widget=forms.TimeInput(attrs={"type": "time"}))
    closes = forms.TimeField(label=_("关闭时间"), widget=forms.TimeInput(attrs={"type": "time"}))
    open_weekdays = forms.MultipleChoiceField(
        label=_("开放日"), choices=WEEKDAYS, widget=forms.CheckboxSelectMultiple
    )
    slot_minutes = forms.IntegerField(label=_("时段长度（分钟）"), min_value=15, max_value=480, initial=60)
    window_days = forms.IntegerField(label=_("可提前预约天数"), min_value=1, max_value=180, initial=14)
    quota_hours_per_week = forms.IntegerField(
        label=_("每人每周限额（小时，0为不限）"), min_value=0, max_value=168, initial=0
    )
    price_per_hour = forms.DecimalField(
        label=_("每小时价格（元）"),
        min_value=0,
        max_digits=8,
        decimal_places=2,
        initial=0,
        help_text=_("0 为免费；社区工作人员预约和停用时段不收费。"),
    )
    residents_may_book = forms.BooleanField(label=_("居民可预约"), required=False, initial=True)
    organizations_may_book = forms.BooleanField(label=_("组织可预约"), required=False, initial=True)
    approval_required = forms.BooleanField(label=_("需要审批"), required=False)
    active = forms.BooleanField(label=_("启用"), required=False, initial=True)

    def __init__(self, *args, user, owners=(), editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        from .rules import MANAGE_SPACES

        self.fields["community"].choices = BLANK + _region_choices(  # type: ignore[attr-defined]
            regions_in_scope(user, MANAGE_SPACES, levels=(5,))
        )
        if editing:
            del self.fields["community"]
        self.fields["owner"].choices = [("", _("社区自有"))] + [  # type: ignore[attr-defined]
            (o.pk, o.name) for o in owners
        ]

    def clean_open_weekdays(self) -> str:
        return "".join(sorted(self.cleaned_data["open_weekdays"]))

    @staticmethod
    def initial_of(space) -> dict:
        initial = {f: getattr(space, f) for f in SPACE_FORM_FIELDS}
        initial["open_weekdays"] = list(space.open_weekdays)
        initial["owner"] = space.owner_id
        return initial


SPACE_FORM_FIELDS = (
    "name",
    "kind",
    "place",
    "capacity",
    "area",
    "opens",
    "closes",
    "open_weekdays",
    "slot_minutes",
    "window_days",
    "quota_hours_per_week",
    "price_per_hour",
    "residents_may_book",
    "organizations_may_book",
    "approval_required",
    "active",
)


class NeedActivityForm(PlainMessagesMixin, forms.Form):
    title = forms.CharField(label=_("活动名称"), max_length=100)
    place = forms.CharField(label=_("地点"), max_length=100)
    starts_at = forms.DateTimeField(
        label=_("开始时间"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    ends_at = forms.DateTimeField(
        label=_("结束时间"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    places = forms.IntegerField(label=_("需要人数"), min_value=1, max_value=500, initial=5)
