import time

import pytest

from gongzhi.admission.demo import demo_admission
from gongzhi.admission.models import Application, InboxTask, ListVersion
from gongzhi.core.manifests import DemoContext

pytestmark = pytest.mark.django_db


def test_demo_builds_lists_applications_and_a_refused_task_quickly():
    from tests.factories import DwellingFactory, PersonFactory

    PersonFactory(dwelling=DwellingFactory())
    out = []
    started = time.perf_counter()
    demo_admission(DemoContext(district="350102", residents=0, seed=1, out=out.append))
    assert time.perf_counter() - started < 10
    assert ListVersion.objects.filter(state="published").count() == 2
    assert Application.objects.filter(state="under_review").count() == 1
    assert Application.objects.filter(state="approved").count() == 6
    assert Application.objects.filter(state="withdrawn").count() == 1
    junmen = InboxTask.objects.filter(community_id="350102004001")
    assert junmen.filter(state="refused", application__isnull=True).count() == 1
    assert junmen.filter(state="open", application__isnull=True).exists()
    # sent under an admitted item: arrives admitted
    assert junmen.get(title="协助开展 65 岁以上老年人体检通知").application_id is not None
    from gongzhi.admission.models import Certificate, FormReport

    # 一表通: 军门社区 sent this quarter's form, six fields of eight from the records
    report = FormReport.objects.get(community_id="350102004001")
    assert (report.from_records, report.typed) == (6, 2)
    pending = Application.objects.get(state="under_review")
    assert len(pending.form_fields) == 8

    assert Certificate.objects.filter(community_id="350102004001", kind="residence").count() == 1
    demo_admission(DemoContext(district="350102", residents=0, seed=1, out=out.append))  # idempotent
    assert "跳过" in out[-1]
