"""An opened survey is work the platform puts on communities: it reaches their inboxes (admission)."""

import pytest

pytestmark = pytest.mark.django_db


def test_opening_a_survey_puts_its_work_in_each_communitys_inbox(open_survey, office):
    from gongzhi.admission.models import InboxTask
    from gongzhi.evaluation import services
    from gongzhi.evaluation.models import SampleHousehold

    s, _codes = open_survey
    tasks = {t.community_id: t for t in InboxTask.objects.filter(work_ref=f"evaluation.survey:{s.pk}")}
    sampled = set(SampleHousehold.objects.filter(survey=s).values_list("community_id", flat=True))
    assert set(tasks) == sampled and len(sampled) == 2
    for code, t in tasks.items():
        n = SampleHousehold.objects.filter(survey=s, community_id=code).count()
        assert t.work_key == services.WORK_HOUSEHOLD_SURVEY and f"抽样 {n} 户" in t.title
    d = services.survey_create(region="350102", title="社区评部门", target="department", year=2026, by=office)
    services.survey_set_state(survey=d, state="open", by=office)
    rated = InboxTask.objects.filter(work_ref=f"evaluation.survey:{d.pk}")
    from gongzhi.core.models import Region

    assert rated.count() == Region.objects.filter(code__startswith="350102", level=5).count()
    assert {t.work_key for t in rated} == {services.WORK_DEPARTMENT_RATING}
    services.survey_set_state(survey=s, state="closed", by=office)
    assert set(
        InboxTask.objects.filter(work_ref=f"evaluation.survey:{s.pk}").values_list("state", flat=True)
    ) == {InboxTask.State.DONE}
    assert not InboxTask.objects.filter(work_ref=f"evaluation.survey:{d.pk}", state="done").exists()
