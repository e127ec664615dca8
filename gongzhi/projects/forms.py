"""Forms of the call and application pages: they read and shape input with plain messages; the
services check the rules (60% cap, phases, scope) and write."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from gongzhi.core.errors import ApplicationError
from gongzhi.core.fieldmessages import PlainMessagesMixin

from . import details

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
BLANK = [("", "—")]

ERROR_FIELDS = {
    "title_required": "title",
    "title_too_long": "title",
    "amount_invalid": "budget",
    "rubric_required": "rubric",
    "rubric_too_long": "rubric",
    "rubric_fixed": "rubric",
    "closes_required": "closes_at",
    "closes_in_past": "closes_at",
    "call_region": "region",
    "grant_share": "requested",
    "matched_invalid": "matched_funds",
    "target_invalid": "households_target",
    "community_outside_call": "community",
    "item_other_call": "item",
    "need_outside_call": "need",
    "need_met": "need",
    "need_in_call": "need",
    "item_exists": "title",
    "not_expert": "experts",
    "budget_mismatch": "budget_total",
    "budget_required": "budget_total",
    "matched_mismatch": "matched_funds",
    "contract_number": "number",
    "contract_number_taken": "number",
    "contract_date": "signed_on",
}


def add_service_error(form: forms.Form, exc: ApplicationError, *, amount_field: str = "budget") -> None:
    field = exc.field or ERROR_FIELDS.get(exc.code)
    if exc.code == "amount_invalid":
        field = amount_field
    if field and field not in form.fields:
        field = None
    form.add_error(field, str(exc.message))


class CallForm(PlainMessagesMixin, forms.Form):
    region = forms.ChoiceField(label=_("发布区域"), help_text=_("街道或区。"))
    title = forms.CharField(label=_("名称"), max_length=100)
    budget = forms.DecimalField(label=_("预算（元）"), min_value=0, max_digits=14, decimal_places=2)
    closes_at = forms.DateTimeField(label=_("截止时间"), widget=DATETIME)
    categories = forms.CharField(
        label=_("资助方向"), max_length=200, required=False, help_text=_("例如：养老、儿童、调解。")
    )
    eligibility = forms.CharField(
        label=_("申报条件"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("例如：在本区登记或备案的社会组织，评估等级3A以上，无不良记录。"),
    )
    rubric = forms.CharField(
        label=_("评分细则"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("每行一项，专家按每项0至5分评分。"),
    )

    def __init__(self, *args, regions=(), previous_rubric=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = BLANK + [(r.code, r.name) for r in regions]  # type: ignore[attr-defined]
        self.previous = {r["label"]: r["key"] for r in previous_rubric}

    def clean_rubric(self) -> list[dict]:
        """Lines → [{key, label}]: a line kept from before keeps its key (scores refer to it)."""
        lines: list[dict] = []
        used: set[str] = set()
        for raw in self.cleaned_data["rubric"].splitlines():
            label = raw.strip()[:60]
            if not label or label in (r["label"] for r in lines):
                continue
            key = self.previous.get(label) or next(
                f"r{i}"
                for i in range(1, 100)
                if f"r{i}" not in used and f"r{i}" not in self.previous.values()
            )
            used.add(key)
            lines.append({"key": key, "label": label})
        return lines

    @staticmethod
    def initial_of(call) -> dict:
        return {
            "region": call.region_id,
            "title": call.title,
            "budget": call.budget,
            "closes_at": call.closes_at,
            "categories": call.categories,
            "eligibility": call.eligibility,
            "rubric": "\n".join(r["label"] for r in call.rubric),
        }


class CallItemForm(PlainMessagesMixin, forms.Form):
    need = forms.TypedChoiceField(
        label=_("来源需求"), coerce=int, required=False, empty_value=None, help_text=_("从需求清单选择。")
    )
    title = forms.CharField(
        label=_("征集项目"), max_length=100, required=False, help_text=_("不填时用需求的名称。")
    )

    def __init__(self, *args, needs=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["need"].choices = BLANK + [  # type: ignore[attr-defined]
            (n.pk, f"{n.community.name} · {n.title} ({n.households})") for n in needs
        ]


class ReviewersForm(PlainMessagesMixin, forms.Form):
    experts = forms.TypedMultipleChoiceField(
        label=_("评审专家"), coerce=int, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, experts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["experts"].choices = [  # type: ignore[attr-defined]
            (u.pk, u.display_name or u.username) for u in experts
        ]


class ApplicationForm(PlainMessagesMixin, forms.Form):
    item = forms.TypedChoiceField(label=_("征集项目"), coerce=int, required=False, empty_value=None)
    community = forms.ChoiceField(label=_("服务社区"))
    title = forms.CharField(label=_("项目名称"), max_length=100)
    summary = forms.CharField(
        label=_("项目简介"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    budget_total = forms.DecimalField(
        label=_("项目总预算（元）"),
        min_value=0,
        max_digits=12,
        decimal_places=2,
        required=False,
        help_text=_("填写了预算明细时可不填，系统按明细合计；填写时须与合计一致。"),
    )
    requested = forms.DecimalField(
        label=_("申请资助（元）"),
        min_value=0,
        max_digits=12,
        decimal_places=2,
        help_text=_("不超过项目总预算的60%。"),
    )
    matched_funds = forms.DecimalField(
        label=_("配套资金（元）"), min_value=0, max_digits=12, decimal_places=2, initial=0, required=False
    )
    households_target = forms.IntegerField(
        label=_("计划服务户数"), min_value=0, max_value=10_000_000, initial=0
    )
    people_target = forms.IntegerField(label=_("计划服务人数"), min_value=0, max_value=10_000_000, initial=0)
    outputs = forms.CharField(
        label=_("产出与成效"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    budget_text = forms.CharField(
        label=_("预算明细"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "placeholder": _("人员费 3000 6")}),
        help_text=_("每行一项：科目 单价 数量（空格隔开），例如“活动费 500 12”。最多30行。"),
    )
    funds_text = forms.CharField(
        label=_("配套资金明细"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": _("街道配套 5000")}),
        help_text=_("每行一项：来源 金额，例如“街道配套 5000”。最多10行。"),
    )
    team_text = forms.CharField(
        label=_("项目团队"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": _("王芳 项目主管 是")}),
        help_text=_("每行一人：姓名 分工 是否持证社工（是/否），例如“王芳 项目主管 是”。最多30人。"),
    )

    def _rows(self, field: str, parse, check) -> list[dict]:
        try:
            rows = parse(self.cleaned_data[field])
            check(rows)
        except ApplicationError as exc:
            raise forms.ValidationError(str(exc.message), code=exc.code) from None
        return rows

    def clean_budget_text(self) -> list[dict]:
        return self._rows("budget_text", details.parse_budget, details.budget_rows)

    def clean_funds_text(self) -> list[dict]:
        return self._rows("funds_text", details.parse_funds, details.fund_rows)

    def clean_team_text(self) -> list[dict]:
        return self._rows("team_text", details.parse_team, details.team_rows)

    def __init__(self, *args, items=(), communities=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].choices = BLANK + [(i.pk, i.title) for i in items]  # type: ignore[attr-defined]
        self.fields["community"].choices = BLANK + [(c.code, c.name) for c in communities]  # type: ignore[attr-defined]
        if not items:
            del self.fields["item"]

    @staticmethod
    def initial_of(app) -> dict:
        return {
            "item": app.item_id,
            "community": app.community_id,
            **{
                k: getattr(app, k)
                for k in (
                    "title",
                    "summary",
                    "budget_total",
                    "requested",
                    "matched_funds",
                    "households_target",
                    "people_target",
                    "outputs",
                )
            },
            **details.as_text(app),
        }
