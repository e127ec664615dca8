"""The demo's election of 军门社区 goes the whole way through the services on its dates."""

from __future__ import annotations

import datetime as dt

import pytest

from gongzhi.core.manifests import DemoContext
from gongzhi.core.models import Region
from gongzhi.elections import services
from gongzhi.elections.demo import demo_election
from gongzhi.elections.models import Candidate, Election, Objection

pytestmark = pytest.mark.django_db
C = "350102004001"


def test_the_demo_election(make_user):
    from tests.factories import PersonFactory

    community = Region.objects.get(code=C)
    people = [PersonFactory(community=community, birth_date=dt.date(1950 + i % 50, 1, 1)) for i in range(40)]
    PersonFactory(community=community, birth_date=dt.date(1990, 1, 1), residence_type="migrant")  # left off
    make_user("community_head", C, username="head")
    resident = make_user("resident", C, username="resident")
    resident.person = people[0]
    resident.save(update_fields=["person"])
    lines: list[str] = []
    demo_election(DemoContext(district="350102", residents=0, seed=7, out=lines.append))
    e = Election.objects.get(community_id=C)
    assert e.state == "closed" and e.registered == 41 and e.turnout == pytest.approx(90.2, abs=1)
    assert sorted(Objection.objects.filter(election=e).values_list("state", "roll_change")) == [
        ("dismissed", ""),
        ("upheld", "added"),
    ]
    assert Candidate.objects.filter(election=e, state="accepted").count() == 8
    assert Candidate.objects.filter(election=e, elected=True).count() == 7
    assert services.turnout_verify() == []
    demo_election(DemoContext(district="350102", residents=0, seed=7, out=lines.append))  # again: skipped
    assert Election.objects.count() == 1 and "跳过" in lines[-1]
