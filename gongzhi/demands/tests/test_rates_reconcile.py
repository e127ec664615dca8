"""Items 10 and 11 (issue 7): honest, reconciling figures.

Item 10: a dispatch counts in the response rate only once it is signed or its sign-for limit
has passed; resolution and satisfaction count only demands whose outcome is known.
Item 11: one definition and one computation per rate. On generated data: the streets add up
to the district and the communities to the street, the units add up to the same total, a
card equals its own row, the 622 table counts what the rows count, and every drill-down
lists exactly the records its figure counted (same ids)."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from freezegun import freeze_time

from gongzhi.core.models import Region
from gongzhi.demands import rates, services
from gongzhi.demands.models import Assignment, Category, Demand

from .conftest import DAGEN, DISTRICT, JUNMEN, OTHER_STREET_COMMUNITY, STREET, at

pytestmark = pytest.mark.django_db

MARCH = rates.Period.parse("2026-03")
NOW = at(2026, 3, 20, 12)  # "now" for the figures: some March dispatches are still in their limit
GOOD = ("satisfied", "basic")


# --- item 10: frozen time ------------------------------------------------------------------------


@pytest.fixture
def dispatch_at_ten(people, units, junmen):
    cat = Category.objects.get(code="env-noise")  # ordinary: sign within 2 working hours
    street = people["street_staff"]
    with freeze_time(at(2026, 3, 2, 10)):  # a Monday
        d = services.demand_create(by=street, channel="hotline", title="t", body="b", community=junmen)
        services.demand_dispatch(demand=d, unit=units["community"], by=street, category=cat)
    d.refresh_from_db()
    assert d.sign_deadline == at(2026, 3, 2, 12)
    return d


def _response(region_code=JUNMEN):
    t = rates.rates_total(Region.objects.get(code=region_code), MARCH)
    return t.signed_in_time, t.dispatched, t.sign_pending


def test_a_dispatch_inside_its_limit_is_not_counted_late(dispatch_at_ten):
    with freeze_time(at(2026, 3, 2, 11)):
        assert _response() == (0, 0, 1)  # pending: neither late nor in time
        assert rates.drill_down(Region.objects.get(code=JUNMEN), MARCH, metric="response").count() == 0
    with freeze_time(at(2026, 3, 2, 12, 1)):
        assert _response() == (0, 1, 0)  # its limit has passed unsigned: late
        assert rates.drill_down(Region.objects.get(code=JUNMEN), MARCH, metric="response").count() == 1


def test_a_dispatch_signed_in_time_counts_at_once(dispatch_at_ten, people):
    with freeze_time(at(2026, 3, 2, 11)):
        services.demand_sign(demand=dispatch_at_ten, by=people["community_worker"])
        assert _response() == (1, 1, 0)


def test_a_dispatch_signed_late_counts_late(dispatch_at_ten, people):
    with freeze_time(at(2026, 3, 2, 15)):
        services.demand_sign(demand=dispatch_at_ten, by=people["community_worker"])
        assert _response() == (0, 1, 0)


def test_resolution_and_satisfaction_count_only_known_outcomes(demand_in, junmen):
    known = demand_in("closed", satisfaction="basic", resolved=True)
    unknown = demand_in("closed")
    # a closed demand whose resolution was never recorded (e.g. brought over from an old system)
    Demand.objects.filter(pk=unknown.pk).update(resolved=None, satisfaction="", called_back_at=None)
    period = rates.Period.parse(known.closed_at.astimezone(rates.TZ).strftime("%Y-%m"))
    t = rates.rates_total(junmen, period)
    assert t.closed == 2
    assert (t.resolved, t.resolution_known, t.resolution) == (1, 1, 1.0)
    assert (t.satisfied, t.rated) == (1, 1)
    ids = {d.pk for d in rates.drill_down(junmen, period, metric="resolution")}
    assert ids == {known.pk}


# --- item 11: generated data ------------------------------------------------------------------------


@pytest.fixture
def generated(units, people):
    """~120 demands in three communities of two streets, dispatched (and some returned and
    dispatched again) to community, street, district and department units, signed in time,
    late, never, or not yet; closed in March or April with every kind of outcome; a few
    proactive tasks among them. Written directly: the figures read only these columns."""
    rnd = random.Random(711)
    street_unit = {STREET: units["street"], OTHER_STREET_COMMUNITY[:9]: units["other_street"]}
    community_unit = {
        JUNMEN: units["community"],
        DAGEN: units["dagen"],
        OTHER_STREET_COMMUNITY: units["other_community"],
    }
    regions = {c: Region.objects.get(code=c) for c in community_unit}
    for i in range(120):
        code = rnd.choice(list(community_unit))
        choices = [community_unit[code], street_unit[code[:9]], units["district"], units["department"]]
        dispatched = at(2026, 2, 25, 9) + dt.timedelta(hours=rnd.randint(0, 24 * 40))
        proactive = rnd.random() < 0.08
        d = Demand(
            channel="proactive" if proactive else rnd.choice(["hotline", "web", "app"]),
            title=f"诉求{i}",
            body="b",
            community=regions[code],
            created_at=dispatched - dt.timedelta(hours=1),
            state="dispatched",
        )
        hops = rnd.choice([1, 1, 1, 2])
        chain = []
        t = dispatched
        for _h in range(hops):
            unit = rnd.choice(choices)
            deadline = t + dt.timedelta(hours=2)
            signed = rnd.choice([None, deadline - dt.timedelta(minutes=30), deadline + dt.timedelta(hours=3)])
            chain.append((unit, t, deadline, signed))
            t = t + dt.timedelta(hours=rnd.randint(5, 30))
        d.unit = chain[-1][0]
        last_signed = chain[-1][3]
        if last_signed and rnd.random() < 0.75:
            d.closed_at = last_signed + dt.timedelta(days=rnd.randint(1, 20))
            d.state = "closed"
            d.resolution_kind = rnd.choice(["deliberation", "social_org", "referral", ""])
            outcome = rnd.random()
            if outcome < 0.8:
                d.called_back_at = d.closed_at
                d.satisfaction = rnd.choice(["satisfied", "basic", "unsatisfied", "unsatisfied"])
                d.resolved = rnd.choice([True, True, False])
            elif outcome < 0.9:
                d.resolved = rnd.choice([True, False])  # resolved known, no rating
        elif last_signed:
            d.state = "handling"
        d.save()
        for unit, when, deadline, signed in chain:
            Assignment.objects.create(
                community_id=code,
                demand=d,
                unit=unit,
                dispatched_at=when,
                sign_deadline=deadline,
                signed_at=signed,
            )
    return units


def _expected(region_code: str, period, now) -> tuple[int, ...]:
    """The figures worked out in Python, record by record, from the definitions."""
    a = [
        x
        for x in Assignment.objects.select_related("demand")
        if x.community_id.startswith(region_code)
        and period.start <= x.dispatched_at < period.end
        and x.demand.channel != "proactive"
    ]
    known = [x for x in a if x.signed_at is not None or x.sign_deadline <= now]
    d = [
        x
        for x in Demand.objects.all()
        if x.community_id.startswith(region_code)
        and x.closed_at
        and period.start <= x.closed_at < period.end
        and x.channel != "proactive"
    ]
    return (
        len(known),
        sum(1 for x in known if x.signed_in_time),
        len(a) - len(known),
        len(d),
        sum(1 for x in d if x.resolved is not None),
        sum(1 for x in d if x.resolved is True),
        sum(1 for x in d if x.satisfaction),
        sum(1 for x in d if x.satisfaction in GOOD),
    )


def _core(r: rates.Rates) -> tuple[int, ...]:
    return (
        r.dispatched,
        r.signed_in_time,
        r.sign_pending,
        r.closed,
        r.resolution_known,
        r.resolved,
        r.rated,
        r.satisfied,
    )


def _check_drill(region, row, *, unit_id=None, area=None):
    for metric, num, den, good in (
        ("response", row.signed_in_time, row.dispatched, lambda x: x.signed_in_time),
        ("resolution", row.resolved, row.resolution_known, lambda x: x.resolved is True),
        ("satisfaction", row.satisfied, row.rated, lambda x: x.satisfaction in GOOD),
    ):
        fig = rates.figure(region, MARCH, metric=metric, unit_id=unit_id, area=area, now=NOW)
        records = list(fig.records)
        ids = [x.pk for x in records]
        assert len(ids) == len(set(ids)) == den == fig.denominator, (metric, row.name)
        assert sum(1 for x in records if good(x)) == num == fig.numerator, (metric, row.name)


@pytest.mark.parametrize("code", [DISTRICT, STREET, OTHER_STREET_COMMUNITY[:9], JUNMEN, DAGEN])
def test_parts_add_up_to_the_whole_and_drill_downs_list_what_was_counted(generated, code):
    region = Region.objects.get(code=code)
    total = rates.rates_total(region, MARCH, now=NOW)
    assert _core(total) == _expected(code, MARCH, NOW)
    assert total.dispatched > 0 and total.sign_pending >= 0 and total.closed > 0
    by_area = rates.rates_by_area(region, MARCH, now=NOW)
    by_unit = rates.rates_by_unit(region, MARCH, now=NOW)
    # areas → the whole; units → the same whole
    assert rates.rates_sum(region, by_area).counts() == total.counts()
    assert rates.rates_sum(region, by_unit).counts() == total.counts()
    # each area's own card (its page) equals its row here
    for row in by_area:
        own = rates.rates_total(Region.objects.get(code=row.key), MARCH, now=NOW)
        assert own.counts() == row.counts(), row.name
        _check_drill(region, row, area=row.key if row.key != code else None)
    for row in by_unit:
        _check_drill(region, row, unit_id=row.key)
    _check_drill(region, total)
    # the 622 table counts the same closed demands as the rows
    shares = {r["code"]: r["total"] for r in rates.shares_622(region, MARCH)}
    closed_by_community = {}
    for community in Region.objects.filter(code__startswith=code, level=5):
        n = rates.rates_total(community, MARCH, now=NOW).closed
        if n:
            closed_by_community[community.code] = n
    assert shares == closed_by_community
    assert sum(shares.values()) == total.closed


def test_the_community_heads_card_equals_the_communitys_own_row(client, generated, people):
    client.force_login(people["community_head"])
    with freeze_time(NOW):
        r = client.get("/demands/rates/", {"period": "2026-03"})
    assert r.status_code == 200
    total, by_area = r.context["total"], r.context["by_area"]
    assert [row.key for row in by_area] == [JUNMEN]
    assert by_area[0].counts() == total.counts()
    assert rates.rates_sum(r.context["region"], r.context["by_unit"]).counts() == total.counts()
    html = r.content.decode()
    assert f"{total.signed_in_time}/{total.dispatched}" in html


def test_district_page_streets_and_units_add_up(client, generated, people):
    client.force_login(people["district_staff"])
    with freeze_time(NOW):
        r = client.get("/demands/rates/", {"period": "2026-03", "region": DISTRICT})
    total = r.context["total"]
    assert rates.rates_sum(None, r.context["by_area"]).counts() == total.counts()
    assert rates.rates_sum(None, r.context["by_unit"]).counts() == total.counts()
    # the street as an area and the street office as a unit are told apart on the page
    assert "街道承办" in r.content.decode()


def test_drill_page_lists_exactly_the_counted_demands(client, generated, people):
    client.force_login(people["district_staff"])
    region = Region.objects.get(code=STREET)
    with freeze_time(NOW):
        for metric in ("response", "resolution", "satisfaction"):
            fig = rates.figure(region, MARCH, metric=metric, now=NOW)
            r = client.get(
                "/demands/rates/demands/", {"period": "2026-03", "region": STREET, "metric": metric}
            )
            assert r.status_code == 200
            page = r.context["page"]
            assert page.paginator.count == fig.denominator
            shown = [x.pk for x in page.paginator.object_list]
            assert shown == [x.pk for x in fig.records]
