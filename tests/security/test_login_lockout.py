"""Item 20: 30 wrong passwords lock the account (and, across accounts, the address); the message
is in Chinese; an administrator unlocks; lockouts and unlocks are logged."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from django.core.management import call_command
from django.test import Client

pytestmark = pytest.mark.django_db

RIGHT = "correct horse battery"
LOGIN = "/accounts/login/"


@pytest.fixture
def victim(db):
    from tests.factories import UserFactory

    return UserFactory(username="wangwu", password=RIGHT)


def _login(client, username, password, address="10.0.0.1"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


def _logged_in(response) -> bool:
    return response.status_code == 302


def test_thirty_wrong_passwords_lock_the_account(client, victim, caplog):
    caplog.set_level(logging.WARNING, logger="gongzhi.security")
    answers = [_login(client, "wangwu", f"guess-{i}") for i in range(30)]
    assert not any(_logged_in(r) for r in answers)
    pages = [r.content.decode() for r in answers]
    assert all("锁定" not in p for p in pages[:4])
    assert all("该账号已暂时锁定" in p for p in pages[4:]), "locked from the 5th failure on"
    # the right password is refused while locked, from any address
    response = _login(Client(), "wangwu", RIGHT, address="10.9.9.9")
    assert not _logged_in(response) and "该账号已暂时锁定" in response.content.decode()
    assert any("login locked: account" in r.getMessage() for r in caplog.records)


def test_case_variants_count_as_the_same_account(client, victim):
    for i, name in enumerate(["wangwu", "WangWu", "WANGWU", " wangwu", "wangWU"]):
        _login(client, name, f"guess-{i}")
    assert not _logged_in(_login(client, "wangwu", RIGHT))


def test_the_lock_ends_after_the_lock_time(client, victim, settings):
    from freezegun import freeze_time

    settings.GONGZHI_LOGIN_LOCK_MINUTES = 15
    start = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    with freeze_time(start):
        for i in range(30):
            _login(client, "wangwu", f"guess-{i}")
    with freeze_time(start + dt.timedelta(minutes=14)):
        assert not _logged_in(_login(client, "wangwu", RIGHT))
    with freeze_time(start + dt.timedelta(minutes=16)):
        assert _logged_in(_login(client, "wangwu", RIGHT))


def test_a_success_clears_the_account_count(client, victim):
    for i in range(4):
        _login(client, "wangwu", f"guess-{i}")
    assert _logged_in(_login(client, "wangwu", RIGHT))
    client.logout()
    for i in range(4):
        _login(client, "wangwu", f"again-{i}")
    assert _logged_in(_login(client, "wangwu", RIGHT))


def test_thirty_wrong_passwords_across_accounts_lock_the_address(client, victim):
    answers = [_login(client, f"user{i}", "guess", address="10.0.0.7") for i in range(30)]
    assert "禁止登录" in answers[-1].content.decode()
    # a real account from the same address is refused; from another address it logs in
    assert not _logged_in(_login(Client(), "wangwu", RIGHT, address="10.0.0.7"))
    assert _logged_in(_login(Client(), "wangwu", RIGHT, address="10.0.0.8"))


def test_the_administrator_unlocks_an_account(client, victim, caplog):
    caplog.set_level(logging.WARNING, logger="gongzhi.security")
    for i in range(30):
        _login(client, "wangwu", f"guess-{i}")
    from io import StringIO

    out = StringIO()
    call_command("login_unlock", "--list", stdout=out)
    assert "wangwu" in out.getvalue()
    call_command("login_unlock", "wangwu", stdout=StringIO())
    assert _logged_in(_login(client, "wangwu", RIGHT))
    assert any("login unlocked" in r.getMessage() for r in caplog.records)

    from gongzhi.core.models import LoginFailure

    assert LoginFailure.objects.filter(username="wangwu", cleared_reason="unlock").count() == 5


def test_the_administrator_unlocks_an_address(client, victim):
    from io import StringIO

    for i in range(30):
        _login(client, f"user{i}", "guess", address="10.0.0.7")
    call_command("login_unlock", "--address", "10.0.0.7", stdout=StringIO())
    assert _logged_in(_login(Client(), "wangwu", RIGHT, address="10.0.0.7"))


def test_the_address_comes_from_the_proxy_header_when_configured(client, victim, settings):
    settings.GONGZHI_CLIENT_ADDRESS_HEADER = "HTTP_X_REAL_IP"
    for i in range(25):
        client.post(
            LOGIN, {"username": f"u{i}", "password": "x"}, REMOTE_ADDR="127.0.0.1", HTTP_X_REAL_IP="10.1.1.1"
        )
    # the proxy's own address is not locked for everyone else
    response = Client().post(
        LOGIN, {"username": "wangwu", "password": RIGHT}, REMOTE_ADDR="127.0.0.1", HTTP_X_REAL_IP="10.1.1.2"
    )
    assert _logged_in(response)


def test_the_lock_message_in_english(client, victim):
    for i in range(6):
        response = client.post(
            LOGIN,
            {"username": "wangwu", "password": f"g{i}"},
            REMOTE_ADDR="10.0.0.1",
            HTTP_ACCEPT_LANGUAGE="en",
        )
    assert "locked" in response.content.decode().lower()
