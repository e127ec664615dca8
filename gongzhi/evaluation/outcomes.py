"""What a residents' survey decides about admitted items (自贡: tasks residents dislike are withdrawn;
the issue: "withdrawal when residents' evaluations are poor").

A question may be about an admitted item. When the survey closes its results are final, and
`survey_outcomes_apply` reads each such question:

- over all the item's communities: with at least MIN_ITEM_ANSWERS answers, when the upper bound of
  the 95% confidence interval of the mean lies below the middle of the scale (residents are, beyond
  sampling noise, dissatisfied), the item leaves the admitted catalogue;
- otherwise per community: with at least MIN_UNIT_ANSWERS answers and the same test, the item is
  withdrawn from that community only (its open task there ends, with the reason).

The admission app does the withdrawing (`application_withdraw_after_evaluation`): once per item and
community, so running this again changes nothing; every withdrawal is an event with its figures."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count, F, Sum
from django.utils.translation import gettext as _

from gongzhi.core.models import Region
from gongzhi.core.scoping import scope_prefixes

from . import rules
from .models import Answer, Question, Survey
from .selectors import mean_ci

MIN_UNIT_ANSWERS = 10
MIN_ITEM_ANSWERS = 30


@dataclass
class UnitScore:
    code: str
    name: str
    n: int
    mean: float | None
    low: float | None
    high: float | None
    poor: bool = False


@dataclass
class ItemScore:
    question: Question
    threshold: float
    overall: UnitScore
    units: list[UnitScore] = field(default_factory=list)

    @property
    def application(self):
        return self.question.application

    @property
    def withdraw_all(self) -> bool:
        return self.overall.poor

    @property
    def poor_units(self) -> list[UnitScore]:
        return [] if self.withdraw_all else [u for u in self.units if u.poor]


def _poor(n: int, high: float | None, threshold: float, minimum: int) -> bool:
    return n >= minimum and high is not None and high < threshold


def item_scores(*, survey: Survey) -> list[ItemScore]:
    """Every item question's results over the item's communities (all answers: the rule's input)."""
    threshold = (1 + survey.scale_max) / 2
    out = []
    questions = survey.questions.filter(application__isnull=False).select_related(
        "application", "application__department"
    )
    for q in questions:
        app = q.application
        assert app is not None  # filtered on application__isnull=False
        rows = list(
            Answer.objects.filter(
                survey=survey, question=q, value__isnull=False, community_id__in=app.communities
            )
            .values("community_id")
            .annotate(n=Count("id"), s=Sum("value"), ss=Sum(F("value") * F("value")))
            .order_by("community_id")
        )
        names = dict(
            Region.objects.filter(code__in=[r["community_id"] for r in rows]).values_list("code", "name")
        )
        units = []
        tn, ts, tss = 0, 0.0, 0.0
        for r in rows:
            n, s, ss = r["n"], float(r["s"] or 0), float(r["ss"] or 0)
            tn, ts, tss = tn + n, ts + s, tss + ss
            mean, low, high = mean_ci(n, s, ss)
            code = r["community_id"]
            units.append(
                UnitScore(
                    code,
                    names.get(code, code),
                    n,
                    mean,
                    low,
                    high,
                    _poor(n, high, threshold, MIN_UNIT_ANSWERS),
                )
            )
        mean, low, high = mean_ci(tn, ts, tss)
        overall = UnitScore("", app.title, tn, mean, low, high, _poor(tn, high, threshold, MIN_ITEM_ANSWERS))
        out.append(ItemScore(q, threshold, overall, units))
    return out


def _result_prefixes(survey: Survey, user) -> list[str]:
    return [""] if user.has_perm(rules.MANAGE, survey) else scope_prefixes(user, rules.VIEW_RESULTS)


def item_scores_for(*, survey: Survey, user) -> list[ItemScore]:
    """The page's view of item_scores: the overall result, and the communities in the user's scope."""
    if survey.target != Survey.Target.COMMUNITY:
        return []
    prefixes = _result_prefixes(survey, user)
    if not prefixes:
        return []
    items = item_scores(survey=survey)
    for item in items:
        item.units = [u for u in item.units if any(u.code.startswith(p) for p in prefixes)]
    return items


def _reason(survey: Survey, item: ItemScore, unit: UnitScore) -> str:
    where = unit.name if unit.code else _("该事项涉及的社区")
    return _(
        "双评议《%(survey)s》第 %(q)s 题：%(where)s居民评分平均 %(mean).2f（95%% 置信区间 "
        "%(low).2f–%(high).2f，%(n)s 户），低于量表中点 %(mid)s，依“居民不满意的事项予以撤出”自动撤出。"
    ) % {
        "survey": survey.title,
        "q": item.question.number,
        "where": where,
        "mean": unit.mean,
        "low": unit.low,
        "high": unit.high,
        "n": unit.n,
        "mid": f"{item.threshold:g}",
    }


def _data(survey: Survey, item: ItemScore, unit: UnitScore) -> dict:
    return {
        "survey": survey.pk,
        "question": item.question.number,
        "n": unit.n,
        "mean": round(unit.mean or 0, 3),
        "low": round(unit.low or 0, 3),
        "high": round(unit.high or 0, 3),
        "threshold": item.threshold,
    }


@transaction.atomic
def survey_outcomes_apply(*, survey: Survey) -> list:
    """Withdraw what a closed residents' survey found residents dissatisfied with. Returns the
    withdrawals made now (none the second time)."""
    from gongzhi.admission.services import application_withdraw_after_evaluation

    if survey.state != Survey.State.CLOSED or survey.target != Survey.Target.COMMUNITY:
        return []
    made = []
    for item in item_scores(survey=survey):
        source = f"evaluation:{survey.pk}:{item.question.number}"
        targets = [item.overall] if item.withdraw_all else item.poor_units
        for unit in targets:
            w = application_withdraw_after_evaluation(
                application=item.application,
                unit_code=unit.code,
                reason=_reason(survey, item, unit),
                source=source,
                data=_data(survey, item, unit),
            )
            if w is not None:
                made.append(w)
    return made


def survey_withdrawals(*, survey: Survey, user) -> list:
    """The withdrawals this survey's results made (read from the admission app's records): whole
    items, and those from communities in the user's scope."""
    from gongzhi.admission.models import Withdrawal

    prefixes = _result_prefixes(survey, user)
    if not prefixes:
        return []
    rows = (
        Withdrawal.objects.filter(source__startswith=f"evaluation:{survey.pk}:")
        .select_related("application", "application__department")
        .order_by("at", "id")
    )
    out = [w for w in rows if not w.unit_code or any(w.unit_code.startswith(p) for p in prefixes)]
    names = dict(Region.objects.filter(code__in={w.unit_code for w in out}).values_list("code", "name"))
    for w in out:
        w.unit_name = names.get(w.unit_code, "")  # type: ignore[attr-defined]
    return out
