"""A search's count stops at a cap (a surname alone matches a hundred thousand people in a
district); the page says so plainly. Counts answered from the tags stay exact."""

import pytest
from django.urls import reverse

from gongzhi.registry import selectors
from gongzhi.registry.models import PersonTag
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def lins():
    return [PersonFactory(name=f"林{i}") for i in range(5)]


def test_count_up_to_the_cap(community_worker, lins):
    qs = selectors.person_search(user=community_worker, q="林")
    assert selectors.search_count(qs, cap=10) == (5, False)
    assert selectors.search_count(qs, cap=5) == (5, False)
    assert selectors.search_count(qs, cap=4) == (4, True)


def test_tag_counts_stay_exact_past_the_cap(community_worker, lins):
    for p in lins:
        PersonTag.objects.create(
            person=p,
            community_id=p.community_id,
            kind="party_member",
            person_status=p.status,
            person_name=p.name,
        )
    qs = selectors.person_search(user=community_worker, tag="party_member")
    assert selectors.search_count(qs, cap=2) == (5, False)


def test_the_page_says_when_the_search_is_too_broad(client, community_worker, lins, monkeypatch):
    client.force_login(community_worker)
    url = reverse("registry:person_list")
    assert "共 5 位居民" in client.get(url, {"q": "林"}).content.decode()
    monkeypatch.setattr(selectors, "SEARCH_COUNT_CAP", 3)
    page = client.get(url, {"q": "林"}).content.decode()
    assert "超过 3 位居民" in page and "共 5 位居民" not in page
