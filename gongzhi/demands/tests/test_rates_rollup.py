"""Issue 15: the three rates answer from a monthly rollup, exactly.

On generated records across 26 months (reopened and re-rated demands, returned and re-dispatched
ones, proactive tasks, dispatches signed late or never, some still inside their sign-for limit,
closings without a resolution kind or a known resolution), every figure the dashboard shows —
unit rows, area rows, the cards, the 622 table, a figure with its drill-down — equals the same
figure computed live from the records, for months, quarters, years, 24-month ranges and periods
starting and ending mid-month; and it stays equal after writes through the services, which mark
the months they change stale in their own transaction (no refresh in between)."""

from __future__ import annotations

import datetime as dt
import random
from unittest import mock

import pytest
from django.core.management import call_command
from freezegun import freeze_time

from gongzhi.core import clock
from gongzhi.core.errors import ApplicationError
from gongzhi.core.models import Region
from gongzhi.demands import rates, rates_rollup, services
from gongzhi.demands.models import Assignment, Category, Demand, RatesMonth, RatesMonthState

from .conftest import DISTRICT, JUNMEN, STREET, at

pytestmark = pytest.mark.django_db

NOW = at(2026, 11, 18, 15)  # the tests' "now": Nov 2026 is running, Oct 2026 is settled
FIRST = dt.date(2024, 9, 1)  # 26 months of records up to NOW


def _live():
    """Count everything from the records (the rollup never used)."""
    return mock.patch.object(rates_rollup, "split", lambda start, end, now: ([], [(start, end)]))


def _snapshot(region: Region, period: rates.Period, now: dt.datetime) -> dict:
    def rows(items):
        return sorted((str(r.key), r.counts()) for r in items)

    shares = [
        (r["code"], r["total"], tuple(sorted(r["shares"].items())), r["unspecified"])
        for r in rates.shares_622(region, period)
    ]
    figures = {}
    for metric in ("response", "resolution", "satisfaction"):
        f = rates.figure(region, period, metric=metric, now=now)
        figures[metric] = (f.numerator, f.denominator, sorted(f.records.values_list("pk", flat=True)))
    return {
        "units": rows(rates.rates_by_unit(region, period, now=now)),
        "areas": rows(rates.rates_by_area(region, period, now=now)),
        "total": rates.rates_total(region, period, now=now).counts(),
        "shares": shares,
        "figures": figures,
    }


def _check(region, period, now):
    got = _snapshot(region, period, now)
    with _live():
        want = _snapshot(region, period, now)
    assert got == want, (region.code, period.key)
    # the drill-down lists exactly what the figure counted
    for num_den_ids in got["figures"].values():
        assert num_den_ids[1] == len(num_den_ids[2])
    return got


def _months(first: dt.date, last: dt.date) -> list[dt.date]:
    return rates_rollup.months_between(first, last)


@pytest.fixture
def history(units, people, junmen):
    """~1,300 demands over 26 months, written as records (like an import), with every case the
    rates distinguish."""
    rnd = random.Random(15)
    cats = list(Category.objects.filter(parent__isnull=False)[:5])
    places = [
        (JUNMEN, [units["community"], units["street"], units["department"]]),
        ("350102004003", [units["dagen"], units["street"], units["district"]]),
        ("350102001001", [units["other_community"], units["other_street"], units["district"]]),
    ]
    demands, plans = [], []
    span = (NOW - at(2024, 9, 1)).total_seconds()
    for i in range(1300):
        community, unit_choices = rnd.choice(places)
        created = at(2024, 9, 1) + dt.timedelta(seconds=rnd.random() * span)
        proactive = rnd.random() < 0.05
        d = Demand(
            channel="proactive" if proactive else rnd.choice(["hotline", "app", "web"]),
            title=f"t{i}",
            body="b",
            category=rnd.choice(cats),
            time_limit="ordinary",
            community_id=community,
            state="submitted",
            created_at=created,
        )
        demands.append(d)
        plans.append((created, unit_choices))
    Demand.objects.bulk_create(demands)
    assignments = []
    for d, (created, unit_choices) in zip(demands, plans, strict=True):
        t = created + dt.timedelta(minutes=rnd.uniform(5, 600))
        if t > NOW:
            continue
        unit = rnd.choice(unit_choices)
        if rnd.random() < 0.1:  # returned, then dispatched to another unit
            limit = t + dt.timedelta(hours=2)
            signed = t + dt.timedelta(minutes=rnd.uniform(5, 100))
            assignments.append(
                Assignment(
                    community_id=d.community_id,
                    demand=d,
                    unit=unit,
                    dispatched_at=t,
                    sign_deadline=limit,
                    signed_at=signed,
                    outcome="returned",
                )
            )
            t = signed + dt.timedelta(hours=rnd.uniform(1, 60))
            unit = rnd.choice([u for u in unit_choices if u != unit])
        if t > NOW:
            continue
        limit = t + dt.timedelta(hours=rnd.choice([2, 2, 26, 50]))  # some across a month's end
        r = rnd.random()
        signed = (
            None
            if r < 0.08
            else t + (limit - t) * (rnd.uniform(1.1, 3) if r < 0.25 else rnd.uniform(0.1, 0.9))
        )
        if signed is not None and signed > NOW:
            signed = None
        assignments.append(
            Assignment(
                community_id=d.community_id,
                demand=d,
                unit=unit,
                dispatched_at=t,
                sign_deadline=limit,
                signed_at=signed,
                outcome="done",
            )
        )
        d.unit, d.state = unit, "handling"
        closed = (signed or limit) + dt.timedelta(days=rnd.uniform(1, 20))
        if closed > NOW or rnd.random() < 0.1:
            continue
        d.state, d.closed_at = "closed", closed
        d.resolution_kind = rnd.choice(["deliberation", "deliberation", "social_org", "referral", ""])
        d.reopen_count = 1 if rnd.random() < 0.1 else 0  # reopened: rated again, the last rating counts
        k = rnd.random()
        d.satisfaction = (
            "" if k < 0.05 else "satisfied" if k < 0.7 else "basic" if k < 0.85 else "unsatisfied"
        )
        d.resolved = None if rnd.random() < 0.05 else rnd.random() < 0.85
        d.called_back_at = closed - dt.timedelta(hours=1)
    for d in demands[:3]:  # dispatched again just now: still inside the sign-for limit (pending)
        assignments.append(
            Assignment(
                community_id=d.community_id,
                demand=d,
                unit=units["district"],
                dispatched_at=NOW - dt.timedelta(minutes=30),
                sign_deadline=NOW + dt.timedelta(minutes=90),
                outcome="active",
            )
        )
    Assignment.objects.bulk_create(assignments)
    Demand.objects.bulk_update(
        demands,
        [
            "unit",
            "state",
            "closed_at",
            "resolution_kind",
            "reopen_count",
            "satisfaction",
            "resolved",
            "called_back_at",
        ],
    )
    return demands


def _periods() -> list[rates.Period]:
    keys = [f"{m:%Y-%m}" for m in _months(dt.date(2024, 10, 1), dt.date(2026, 11, 1))[::3]]
    keys += ["2024-Q4", "2025-Q2", "2026-Q3", "2026-Q4", "2025", "2026"]
    keys += ["2024-12~2026-11", "2024-11~2026-10", "2025-03~2026-02", "2025-07~2026-11", "2026-10~2026-11"]
    periods = [rates.Period.parse(k) for k in keys]
    # periods that are not whole months at the edges (a custom period object)
    for start, end in [
        (at(2025, 2, 14, 9), at(2026, 5, 3, 12)),
        (at(2024, 12, 31, 23), at(2026, 11, 18, 14)),
        (at(2025, 6, 1), at(2025, 6, 30, 18)),
    ]:
        periods.append(rates.Period(start, end, "custom", "custom"))
    return periods


def test_rollup_figures_equal_live_figures(history):
    with freeze_time(NOW):
        before = {}
        district = Region.objects.get(code=DISTRICT)
        regions = [district, Region.objects.get(code=STREET), Region.objects.get(code=JUNMEN)]
        for p in _periods():
            before[p.key + str(p.start)] = _snapshot(district, p, NOW)  # nothing rolled up yet: live
        report = rates_rollup.rates_rollup_refresh()
        # every month that is over and settled is rolled up; November is still running
        assert report.months[0] == FIRST and report.months[-1] == dt.date(2026, 10, 1)
        assert dt.date(2026, 11, 1) not in report.months and not report.skipped
        assert RatesMonth.objects.count() == report.rows > 0
        for p in _periods():
            months, parts = rates_rollup.split(p.start, p.end, NOW)
            if p.key in ("2024-12~2026-11", "2026"):
                assert len(months) >= 10 and len(parts) == 1  # mostly rollup, November live
            for region in regions:
                got = _check(region, p, NOW)
                if region is district:
                    assert got == before[p.key + str(p.start)]
        two_years = rates.Period.parse("2024-12~2026-11")
        total = rates.rates_total(district, two_years, now=NOW)
        assert total.tasks_closed > 0 and total.tasks_dispatched > 0 and total.sign_pending > 0
        assert total.closed > 500 and 0 < total.response < 1


def test_an_earlier_now_counts_pending_dispatches_live(history):
    """The rollup stands in for a month only once the reader's `now` is past the month's last
    sign-for limit: asked at a moment before that, the month is counted live."""
    with freeze_time(NOW):
        rates_rollup.rates_rollup_refresh()
        oct_ = rates.Period.parse("2026-10")
        state = RatesMonthState.objects.get(month=dt.date(2026, 10, 1))
        early = state.settled_at - dt.timedelta(minutes=1)
        assert rates_rollup.split(oct_.start, oct_.end, early)[0] == []
        _check(Region.objects.get(code=DISTRICT), oct_, early)
        assert rates_rollup.split(oct_.start, oct_.end, NOW)[0] == [dt.date(2026, 10, 1)]


def _replied_demand(people, units, junmen, category, moment):
    """A demand lived through the services up to the call-back, at `moment` (the clock set)."""
    with clock.at(moment):
        d = services.demand_create(
            by=people["resident"], channel="web", title="t", body="b", community=junmen
        )
        d = services.demand_dispatch(
            demand=d, unit=units["community"], by=people["street_staff"], category=category
        )
    with clock.at(moment + dt.timedelta(minutes=20)):
        d = services.demand_sign(demand=d, by=people["community_worker"])
        d = services.demand_reply(
            demand=d, by=people["community_worker"], reply="r", resolution_kind="referral"
        )
    return d


def test_services_mark_the_months_they_change(history, people, units, junmen, category):
    """Writes into months already rolled up (the clock set back, as the demo history and imports
    do): each service marks the month stale in its transaction, and the two-year figure changes
    at once, with no refresh, and still equals the live count."""
    district = Region.objects.get(code=DISTRICT)
    two_years = rates.Period.parse("2024-12~2026-11")
    sept_2025 = at(2025, 9, 10, 10)  # 14 months before NOW
    with freeze_time(NOW):
        d = _replied_demand(people, units, junmen, category, sept_2025)
        rates_rollup.rates_rollup_refresh()
        assert not RatesMonthState.objects.filter(stale=True).exists()
        start = rates.rates_total(district, two_years, now=NOW)

        # the resident rates it, the dispatcher closes it — in September 2025
        with clock.at(sept_2025 + dt.timedelta(days=2)):
            services.demand_callback(demand=d, by=people["street_staff"], satisfaction="basic", resolved=True)
            services.demand_close(demand=d, by=people["street_staff"])
        assert RatesMonthState.objects.get(month=dt.date(2025, 9, 1)).stale
        after = rates.rates_total(district, two_years, now=NOW)
        assert (after.closed, after.rated, after.satisfied) == (
            start.closed + 1,
            start.rated + 1,
            start.satisfied + 1,
        )
        _check(district, two_years, NOW)
        _check(district, rates.Period.parse("2025-09"), NOW)

        # a new dispatch in an old month (and its late sign-for)
        rates_rollup.rates_rollup_refresh()
        march_2025 = at(2025, 3, 12, 10)
        with clock.at(march_2025):
            e = services.demand_create(
                by=people["resident"], channel="web", title="t", body="b", community=junmen
            )
            services.demand_dispatch(
                demand=e, unit=units["community"], by=people["street_staff"], category=category
            )
        assert RatesMonthState.objects.get(month=dt.date(2025, 3, 1)).stale
        late = rates.rates_total(district, two_years, now=NOW)
        assert late.dispatched == after.dispatched + 1 and late.signed_in_time == after.signed_in_time
        _check(district, two_years, NOW)
        rates_rollup.rates_rollup_refresh()
        with clock.at(march_2025 + dt.timedelta(days=3)):
            services.demand_sign(demand=e, by=people["community_worker"])
        assert RatesMonthState.objects.get(month=dt.date(2025, 3, 1)).stale
        _check(district, two_years, NOW)

        # returned and sent on, re-rated after a reopening, then closed — all in an old month
        rates_rollup.rates_rollup_refresh()
        may_2025 = at(2025, 5, 6, 10)
        f = _replied_demand(people, units, junmen, category, may_2025)
        with clock.at(may_2025 + dt.timedelta(hours=3)):
            services.demand_callback(
                demand=f, by=people["street_staff"], satisfaction="unsatisfied", resolved=False
            )
            services.demand_reopen(demand=f, by=people["street_staff"])
            services.demand_reply(
                demand=f, by=people["community_worker"], reply="r2", resolution_kind="deliberation"
            )
            services.demand_callback(
                demand=f, by=people["street_staff"], satisfaction="satisfied", resolved=True
            )
            services.demand_close(demand=f, by=people["street_staff"])
        g = None
        with clock.at(may_2025 + dt.timedelta(days=1)):
            g = services.demand_create(
                by=people["resident"], channel="web", title="t", body="b", community=junmen
            )
            services.demand_dispatch(
                demand=g, unit=units["community"], by=people["street_staff"], category=category
            )
            services.demand_return(demand=g, by=people["community_worker"], reason="不属于本单位")
            services.return_decide(demand=g, by=people["street_staff"], accept=True)
            services.demand_dispatch(demand=g, unit=units["street"], by=people["street_staff"])
        assert RatesMonthState.objects.get(month=dt.date(2025, 5, 1)).stale
        may = rates.Period.parse("2025-05")
        got = _check(district, may, NOW)
        _check(district, two_years, NOW)
        assert f.pk in got["figures"]["satisfaction"][2]
        assert Assignment.objects.filter(demand=g).count() == 2
        # and once refreshed, the rollup says the same
        report = rates_rollup.rates_rollup_refresh()
        assert dt.date(2025, 5, 1) in report.months
        assert _check(district, two_years, NOW) == _snapshot(district, two_years, NOW)


def test_a_write_the_services_did_not_mark_is_caught(history):
    """What the stale marks guard against: a change behind the services' back leaves the
    rollup saying something the records no longer say (so every service must mark)."""
    with freeze_time(NOW):
        rates_rollup.rates_rollup_refresh()
        district = Region.objects.get(code=DISTRICT)
        p = rates.Period.parse("2025")
        d = Demand.objects.filter(closed_at__year=2025, satisfaction="satisfied", channel="hotline").first()
        Demand.objects.filter(pk=d.pk).update(satisfaction="unsatisfied")
        with pytest.raises(AssertionError):
            _check(district, p, NOW)
        rates_rollup.rates_months_stale([d.closed_at])
        _check(district, p, NOW)


def test_marks_deferred_for_a_bulk_writer_are_made_once_at_the_end(history):
    with freeze_time(NOW):
        rates_rollup.rates_rollup_refresh()
        closed = list(Demand.objects.filter(closed_at__year=2025).values_list("closed_at", flat=True)[:50])
        months = {rates_rollup.month_of(c) for c in closed}
        with rates_rollup.rates_marks_deferred() as gathered:
            for c in closed:
                rates_rollup.rates_months_stale([c])
            assert not RatesMonthState.objects.filter(stale=True).exists()  # nothing marked yet
        assert gathered == months
        assert set(RatesMonthState.objects.filter(stale=True).values_list("month", flat=True)) == months


def test_unsettled_and_current_months_are_not_rolled_up(history):
    with freeze_time(at(2026, 11, 1, 0, 30)):  # October is over, but its last sign-for limits run on
        report = rates_rollup.rates_rollup_refresh(months=[dt.date(2026, 10, 1), dt.date(2026, 11, 1)])
        assert report.months == [] and report.skipped == [dt.date(2026, 10, 1), dt.date(2026, 11, 1)]
        assert not RatesMonth.objects.exists()


def test_command_and_job(history, people):
    from io import StringIO

    from gongzhi.demands import jobs

    with freeze_time(NOW):
        out = StringIO()
        call_command("demands_rates_rollup", "2025-01", "2025-02", stdout=out)
        assert "2 months" in out.getvalue() and "2025-01:" in out.getvalue()
        assert set(RatesMonthState.objects.filter(stale=False).values_list("month", flat=True)) == {
            dt.date(2025, 1, 1),
            dt.date(2025, 2, 1),
        }

        class Progress:
            def __init__(self):
                self.seen = []

            def set_total(self, n):
                self.total = n

            def advance(self, done, state=None):
                self.seen.append(done)

        job = mock.Mock(
            params={"months": [m.isoformat() for m in rates_rollup.months_to_refresh()]}, state={}
        )
        progress = Progress()
        jobs._run(job, progress)
        assert progress.total == 24 and progress.seen[-1] == 24
        assert rates_rollup.months_to_refresh() == []
        with pytest.raises(ApplicationError):
            jobs.rates_rollup_refresh_start(by=people["resident"])


@pytest.mark.parametrize(
    ("key", "first", "after"),
    [
        ("2025-01~2026-12", dt.date(2025, 1, 1), dt.date(2027, 1, 1)),
        ("2026-03~2026-03", dt.date(2026, 3, 1), dt.date(2026, 4, 1)),
        ("2025-7 ~ 2026-6", dt.date(2025, 7, 1), dt.date(2026, 7, 1)),
    ],
)
def test_period_range(key, first, after):
    p = rates.Period.parse(key)
    assert (p.start.date(), p.end.date()) == (first, after)
    assert rates.Period.parse(p.key) == p and p.first_month == f"{first:%Y-%m}"


@pytest.mark.parametrize(
    ("key", "code"),
    [
        ("2025-01~2027-01", "period_too_long"),
        ("2026-05~2026-01", "bad_period"),
        ("2026-13~2026-14", "bad_period"),
        ("2026-01~", "bad_period"),
        ("last-year", "bad_period"),
        ("0000-01", "bad_period"),
    ],
)
def test_period_refused(key, code):
    with pytest.raises(ApplicationError) as exc:
        rates.Period.parse(key)
    assert exc.value.code == code and exc.value.status == 400


def test_last_months():
    p = rates.Period.last_months(24, today=dt.date(2026, 11, 18))
    assert p.key == "2024-12~2026-11"


def test_dashboard_periods(client, people):
    client.force_login(people["district_staff"])
    with freeze_time(NOW):
        r = client.get("/demands/rates/", {"region": DISTRICT, "period": "2024-12~2026-11"})
        assert r.status_code == 200 and r.context["period"].key == "2024-12~2026-11"
        page = r.content.decode()
        assert 'value="2024-12~2026-11" selected' in page and 'name="from"' in page
        assert 'value="2025-12~2026-11"' in page  # the last 12 months
        r = client.get("/demands/rates/", {"region": DISTRICT, "from": "2025-01", "to": "2025-06"})
        assert r.status_code == 200 and r.context["period"].key == "2025-01~2025-06"
        r = client.get("/demands/rates/demands/", {"region": DISTRICT, "period": "2025-01~2025-06"})
        assert r.status_code == 200
        for bad in ({"period": "2020-01~2026-11"}, {"period": "x"}, {"from": "2026-01", "to": ""}):
            r = client.get("/demands/rates/", {"region": DISTRICT, **bad})
            assert r.status_code == 400
            assert "统计期" in r.content.decode()
