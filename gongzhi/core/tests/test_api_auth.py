"""API authentication: a browser session (with CSRF) or a bearer token, through the registry
API; revoked tokens, inactive users and demo accounts outside the demo are refused."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command
from django.test import Client, RequestFactory

from gongzhi.core.models import AccessLogEntry, ApiToken, RoleAssignment
from gongzhi.core.tokens import api_token_create, api_token_user
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db

PERSONS = "/api/registry/persons"


@pytest.fixture
def worker(make_user):
    return make_user("community_worker", "350102004001")


@pytest.fixture
def person(junmen):
    return PersonFactory(community=junmen)


def _bearer(key: str) -> Client:
    return Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Bearer {key}")


def _reveal(client: Client, person, **extra):
    return client.post(
        f"{PERSONS}/{person.pk}/reveal",
        {"purpose": "register_correction", "note": "核实身份"},
        content_type="application/json",
        **extra,
    )


def _session(user, *, enforce_csrf: bool = True) -> Client:
    user.save()  # the factory sets the password without saving it; the session checks its hash
    client = Client(enforce_csrf_checks=enforce_csrf)
    client.force_login(user, backend="gongzhi.core.auth.GongzhiModelBackend")
    return client


# Tokens ----------------------------------------------------------------------------------


def test_token_is_stored_only_as_a_hash(worker):
    token, key = api_token_create(user=worker, name="区里的对接系统")
    assert key.startswith("gz_") and len(key) > 40
    assert token.prefix == key[:8]
    assert key not in token.key_hash and token.key_hash != key
    assert api_token_user(key) == worker
    assert api_token_user(key + "x") is None


def test_token_reads_and_writes_without_csrf(worker, person):
    _token, key = api_token_create(user=worker, name="t")
    client = _bearer(key)
    assert client.get(PERSONS).status_code == 200
    response = _reveal(client, person)
    assert response.status_code == 200, response.content
    assert AccessLogEntry.objects.get().user == worker


def test_token_use_is_recorded(worker):
    token, key = api_token_create(user=worker, name="t")
    assert token.last_used_at is None
    _bearer(key).get(PERSONS)
    token.refresh_from_db()
    assert token.last_used_at is not None


@pytest.mark.parametrize("header", ["Bearer gz_not-a-token", "Token {key}", "Bearer", "Basic dXNlcjpwYXNz"])
def test_bad_or_malformed_tokens_are_401(worker, header):
    _token, key = api_token_create(user=worker, name="t")
    client = Client(HTTP_AUTHORIZATION=header.format(key=key))
    assert client.get(PERSONS).status_code == 401


def test_revoked_token_is_refused(worker, person):
    token, key = api_token_create(user=worker, name="t")
    assert _bearer(key).get(PERSONS).status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(revoked=True)
    assert _bearer(key).get(PERSONS).status_code == 401
    assert _reveal(_bearer(key), person).status_code == 401
    assert AccessLogEntry.objects.count() == 0


def test_inactive_users_token_is_refused(worker):
    _token, key = api_token_create(user=worker, name="t")
    worker.is_active = False
    worker.save()
    assert _bearer(key).get(PERSONS).status_code == 401


def test_demo_accounts_token_only_while_the_demo_runs(settings, make_user):
    demo = make_user("community_worker", "350102004001", is_demo_account=True)
    _token, key = api_token_create(user=demo, name="demo")
    settings.GONGZHI_DEMO = False
    assert _bearer(key).get(PERSONS).status_code == 401
    settings.GONGZHI_DEMO = True
    assert _bearer(key).get(PERSONS).status_code == 200


def test_token_of_a_user_whose_role_ended_is_403(worker):
    _token, key = api_token_create(user=worker, name="t")
    RoleAssignment.objects.filter(user=worker).update(active=False)
    assert _bearer(key).get(PERSONS).status_code == 403


def test_tokens_create_command_prints_a_working_key(worker):
    out = io.StringIO()
    call_command("tokens_create", worker.username, "--name", "ledger", stdout=out)
    key = out.getvalue().strip()
    assert ApiToken.objects.get(user=worker).name == "ledger"
    assert _bearer(key).get(PERSONS).status_code == 200


# Browser session -------------------------------------------------------------------------


def test_session_reads(worker):
    assert _session(worker).get(PERSONS).status_code == 200


def test_session_write_needs_the_csrf_token(worker, person):
    client = _session(worker)
    response = _reveal(client, person)
    assert response.status_code == 403
    assert AccessLogEntry.objects.count() == 0
    client.get("/accounts/login/")  # any page that sets the CSRF cookie
    csrf = client.cookies["csrftoken"].value
    assert _reveal(client, person, headers={"X-CSRFToken": csrf}).status_code == 200
    assert AccessLogEntry.objects.count() == 1


def test_demo_accounts_session_ends_with_the_demo(settings, make_user):
    settings.GONGZHI_DEMO = True
    demo = make_user("community_worker", "350102004001", is_demo_account=True)
    client = _session(demo)
    assert client.get(PERSONS).status_code == 200
    settings.GONGZHI_DEMO = False
    assert client.get(PERSONS).status_code == 401


def test_anonymous_write_is_401_not_a_csrf_error(person):
    response = _reveal(Client(enforce_csrf_checks=True), person)
    assert response.status_code == 401


# The project-wide default (config/api.py uses core.api_auth.api_auth) -------------------


def test_default_api_auth_accepts_a_bearer_token_on_post(worker):
    from ninja import NinjaAPI

    from gongzhi.core.api_auth import api_auth

    probe = NinjaAPI(auth=api_auth, urls_namespace="auth_probe")

    @probe.post("/probe")
    def probe_view(request):
        return {"user": request.auth.username}

    _token, key = api_token_create(user=worker, name="t")
    request = RequestFactory().post("/probe", HTTP_AUTHORIZATION=f"Bearer {key}")
    request.user = AnonymousUser()
    view = next(p for p in probe.urls[0] if str(p.pattern) == "probe").callback
    response = view(request)
    assert response.status_code == 200
