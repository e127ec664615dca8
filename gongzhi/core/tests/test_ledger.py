"""The ledger base (core/ledger.py) through a concrete ledger (tests/sampleapp): entries, never an
edited balance; transfers sum to zero; no account below zero, held by the database too; the check
command finds a tampered cache; parallel spends on PostgreSQL never overdraw."""

from __future__ import annotations

import threading
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, connections, transaction

from gongzhi.core.append_only import AppendOnlyError
from gongzhi.core.errors import ApplicationError
from gongzhi.core.ledger import Movement, ledger_balance, ledger_transfer, ledger_verify
from tests.sampleapp.models import Note, Wallet, WalletEntry

pytestmark = pytest.mark.django_db

C = "350102004001"


def _wallets():
    bank = Wallet.objects.create(community_id=C, name="bank", allow_negative=True)
    alice = Wallet.objects.create(community_id=C, name="alice")
    bob = Wallet.objects.create(community_id=C, name="bob")
    return bank, alice, bob


def _pay(src, dst, amount, reason="服务时长"):
    return ledger_transfer(
        entry_model=WalletEntry,
        movements=[Movement(src, -Decimal(amount)), Movement(dst, Decimal(amount))],
        reason=reason,
    )


def test_a_transfer_writes_entries_that_sum_to_zero_and_moves_the_cached_balance():
    bank, alice, bob = _wallets()
    _pay(bank, alice, 10)
    _pay(alice, bob, "2.5")
    alice.refresh_from_db()
    bob.refresh_from_db()
    assert alice.balance == Decimal("7.5") == ledger_balance(alice)
    assert bob.balance == Decimal("2.5") == ledger_balance(bob)
    assert sum(WalletEntry.objects.values_list("amount", flat=True)) == 0
    assert ledger_verify(Wallet) == (3, [])


@pytest.mark.parametrize(
    "amounts,reason,code",
    [
        ((-5, 4), "x", "ledger_unbalanced"),
        ((0, 0), "x", "ledger_zero"),
        ((-1, 1), "  ", "ledger_reason"),
    ],
)
def test_bad_transfers_are_refused_and_change_nothing(amounts, reason, code):
    bank, alice, _bob = _wallets()
    with pytest.raises(ApplicationError) as exc:
        ledger_transfer(
            entry_model=WalletEntry,
            movements=[Movement(bank, Decimal(amounts[0])), Movement(alice, Decimal(amounts[1]))],
            reason=reason,
        )
    assert exc.value.code == code
    assert WalletEntry.objects.count() == 0


def test_no_account_goes_below_zero():
    bank, alice, bob = _wallets()
    _pay(bank, alice, 3)
    with pytest.raises(ApplicationError) as exc:
        _pay(alice, bob, 4)
    assert exc.value.code == "ledger_insufficient"
    alice.refresh_from_db()
    assert alice.balance == 3 and WalletEntry.objects.count() == 2


def test_the_database_refuses_a_negative_balance_even_past_the_service():
    _bank, alice, _bob = _wallets()
    with pytest.raises(IntegrityError), transaction.atomic():
        Wallet.objects.filter(pk=alice.pk).update(balance=-1)


def test_entries_are_append_only():
    bank, alice, _bob = _wallets()
    entry = _pay(bank, alice, 1)[0]
    entry = WalletEntry.objects.get(pk=entry.pk)
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        WalletEntry.objects.filter(pk=entry.pk).update(amount=5)
    with pytest.raises(AppendOnlyError):
        WalletEntry.objects.all().delete()
    note = Note.objects.create(community_id=C, text="once")
    with pytest.raises(AppendOnlyError):
        note.save()


def test_the_check_command_finds_an_edited_cache():
    bank, alice, _bob = _wallets()
    _pay(bank, alice, 5)
    call_command("ledger_verify", stdout=StringIO())
    Wallet.objects.filter(pk=alice.pk).update(balance=50)
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("ledger_verify", stdout=StringIO(), stderr=err)
    assert f"#{alice.pk}" in err.getvalue() and "5.00" in err.getvalue()


@pytest.mark.postgres
def test_parallel_spends_never_overdraw_on_postgresql():
    """Ten threads, each on its own connection, try to spend 3 from a wallet holding 10 at once:
    exactly three succeed and the balance ends at 1, equal to the sum of the entries."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (real parallel connections)")

    def run(fn):
        box: dict = {}

        def target():
            try:
                box["v"] = fn()
            finally:
                connections.close_all()

        t = threading.Thread(target=target)
        t.start()
        t.join(60)
        return box.get("v")

    def setup():
        bank, alice, bob = _wallets()
        _pay(bank, alice, 10)
        return bank.pk, alice.pk, bob.pk

    bank_pk, alice_pk, bob_pk = run(setup)
    try:
        barrier = threading.Barrier(10)
        results: list[str] = []

        def spend():
            try:
                alice = Wallet.objects.get(pk=alice_pk)
                bob = Wallet.objects.get(pk=bob_pk)
                barrier.wait(10)
                _pay(alice, bob, 3)
                results.append("ok")
            except ApplicationError as exc:
                results.append(exc.code)
            finally:
                connections.close_all()

        threads = [threading.Thread(target=spend) for _ in range(10)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert sorted(results).count("ok") == 3, results
        alice = run(lambda: Wallet.objects.get(pk=alice_pk))
        assert alice.balance == Decimal("1")
        assert run(lambda: ledger_balance(Wallet.objects.get(pk=alice_pk))) == Decimal("1")
    finally:

        def teardown():
            ids = [bank_pk, alice_pk, bob_pk]
            WalletEntry.objects.filter(account_id__in=ids)._raw_delete(WalletEntry.objects.db)
            Wallet.objects.filter(pk__in=ids).delete()

        run(teardown)
