"""The resident page shows where each field came from, to those who may see it."""

import pytest
from django.urls import reverse

from tests.factories import DepartmentFactory, PersonFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "role,scope,shown",
    [
        ("community_worker", "350102004001", True),
        ("district_staff", "350102", True),
    ],
)
def test_provenance_panel_on_the_resident_page(client, make_user, role, scope, shown):
    person = PersonFactory()
    user = make_user(role, scope or DepartmentFactory())
    client.force_login(user)
    response = client.get(reverse("registry:person_detail", args=[person.pk]))
    assert response.status_code == 200
    # The panel itself appears once a department source has said something about the person.
    assert (response.context["provenance"] is not None) is shown
