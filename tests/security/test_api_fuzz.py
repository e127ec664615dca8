"""schemathesis over /api/openapi.json, with a community worker's token and a district staff
token: no server error and no answer the description does not document (issue 7).

Runs in `make test` (SQLite and PostgreSQL) against the Django WSGI app in this process, so
each request sees the test database. Bounded: a fixed number of generated cases per
operation (SCHEMATHESIS_EXAMPLES, default 10), which keeps the whole module to a few minutes.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import status_code_conformance

from config.wsgi import application

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "10"))
JUNMEN = "350102004001"

schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application)


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """The WSGI handler closes the database connection after each request (request_finished);
    here that connection holds the test's transaction, so keep it open, as Django's test
    client does."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def tokens(make_user):
    """A community worker of 军门社区 and a district staff member of 鼓楼区, with something in
    scope to find (a demand), so that generated ids sometimes hit real rows."""
    from gongzhi.core.models import Region
    from gongzhi.core.tokens import api_token_create
    from gongzhi.demands.services import demand_create

    keys = []
    for role, scope in (("community_worker", JUNMEN), ("district_staff", "350102")):
        user = make_user(role, scope)
        keys.append(api_token_create(user=user, name="fuzz")[1])
        demand_create(
            by=user,
            channel="hotline",
            title="楼道灯不亮",
            body="3号楼楼道灯坏了",
            community=Region.objects.get(code=JUNMEN),
        )
    return keys


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_api_has_no_server_errors_and_no_undocumented_answers(case, tokens):
    for key in tokens:
        case.call_and_validate(
            headers={"Authorization": f"Bearer {key}"},
            checks=[not_a_server_error, status_code_conformance],
        )
