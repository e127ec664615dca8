"""Services of grid work: coverage, plans, visits and their integrity rules, the ledger."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from gongzhi.core import clock
from gongzhi.core.errors import ApplicationError, PermissionDenied
from gongzhi.visits import policy, services
from gongzhi.visits.models import Coverage, ItemEvent, ItemState, LedgerItem, PlanItem, Visit

pytestmark = pytest.mark.django_db


def _visit(h, by, **kw):
    kw.setdefault("met", "户主本人")
    kw.setdefault("situation", "身体状况良好")
    return services.visit_record(household=h, by=by, **kw)


def test_proposal_is_balanced_by_whole_buildings_and_apply_covers_every_household(place, staff):
    p = services.coverage_propose(community=place["community"], by=staff["head"], size=250)
    assert [pt.households for pt in p.patches] == [6, 4] and p.quota == 5 and p.uncovered == []
    services.coverage_apply(community=place["community"], by=staff["head"])
    assert Coverage.objects.filter(community=place["community"]).count() == 10
    assert set(Coverage.objects.values_list("worker_id", flat=True)) == {staff["grid"].pk, staff["grid2"].pk}


def test_with_too_few_workers_the_rest_is_left_uncovered_and_listed(place, staff):
    from gongzhi.core.models import RoleAssignment

    RoleAssignment.objects.filter(user=staff["grid2"]).delete()
    p = services.coverage_propose(community=place["community"], by=staff["head"], size=20)
    assert p.patches[0].households == 10 and p.uncovered == []  # one worker takes both buildings
    p = services.coverage_propose(community=place["community"], by=staff["head"], size=5)
    assert p.patches[0].households == 6  # a building is never split
    assert sorted(p.uncovered) == sorted(h.pk for h in place["households"][6:])
    services.coverage_apply(community=place["community"], by=staff["head"], size=5)
    from gongzhi.visits.selectors import coverage_summary

    listed = coverage_summary(user=staff["head"], community=place["community"])["uncovered"]
    assert sorted(h.pk for h in listed) == sorted(p.uncovered)


def test_the_head_moves_households_and_refusals_change_nothing(place, staff, make_user):
    h = place["households"]
    services.coverage_assign(
        community=place["community"], household_ids=[h[0].pk], worker=staff["grid2"], by=staff["head"]
    )
    assert Coverage.objects.get(household=h[0]).worker == staff["grid2"]
    with pytest.raises(PermissionDenied):
        services.coverage_assign(
            community=place["community"], household_ids=[h[1].pk], worker=staff["grid"], by=staff["grid"]
        )
    with pytest.raises(ApplicationError) as e:
        services.coverage_assign(
            community=place["community"],
            household_ids=[h[1].pk],
            worker=staff["other_grid"],
            by=staff["head"],
        )
    assert e.value.code == "not_covering"
    with pytest.raises(ApplicationError) as e:
        services.coverage_propose(community=place["community"], by=staff["head"], size=2)
    assert e.value.code == "bad_size"
    assert Coverage.objects.count() == 1


def test_plan_puts_open_items_first_then_vulnerable_then_longest_not_visited(place, staff):
    h = place["households"]
    services.coverage_assign(
        community=place["community"], household_ids=[x.pk for x in h], worker=staff["grid"], by=staff["head"]
    )
    _visit(h[1], staff["grid"])  # visited today: last in line
    services.ledger_item_open(
        community_code=h[5].community_id, by=staff["grid"], title="漏水", category="dispute", household=h[5]
    )
    month = timezone.localdate().replace(day=1)
    (plan,) = services.plans_generate(community=place["community"], month=month, by=staff["head"], minimum=3)
    items = list(plan.items.order_by("position"))
    assert items[0].household == h[5] and items[0].reason == PlanItem.Reason.OPEN_ITEMS
    assert items[1].household == h[9] and items[1].reason == PlanItem.Reason.VULNERABLE
    assert h[1].pk not in [i.household_id for i in items]
    assert len(items) == 3
    services.plan_item_move(item=items[2], position=1, by=staff["grid"])
    assert (
        list(plan.items.order_by("position").values_list("household_id", flat=True))[0]
        == items[2].household_id
    )


def test_due_state_is_one_rule():
    today = dt.date(2026, 11, 15)
    assert policy.due_state(dt.date(2026, 11, 1), visited=True, today=today) == "done"
    assert policy.due_state(dt.date(2026, 11, 14), visited=False, today=today) == "overdue"
    assert policy.due_state(dt.date(2026, 11, 20), visited=False, today=today) == "due"
    assert policy.due_state(dt.date(2026, 11, 30), visited=False, today=today) == "upcoming"


def test_future_and_backdated_visits_are_refused_a_day_back_is_fine(place, staff):
    h = place["households"][0]
    now = timezone.now()
    for at, code in (
        (now + dt.timedelta(hours=1), "future_visit"),
        (now - dt.timedelta(hours=25), "backdated_visit"),
    ):
        with pytest.raises(ApplicationError) as e:
            _visit(h, staff["grid"], visited_at=at)
        assert e.value.code == code
    assert Visit.objects.count() == 0
    v = _visit(h, staff["grid"], visited_at=now - dt.timedelta(hours=23))
    assert v.visited_at < v.recorded_at


def test_a_visit_far_from_the_estate_is_recorded_and_flagged(place, staff):
    h = place["households"][0]
    near = _visit(h, staff["grid"], latitude=26.0801, longitude=119.3001)
    far = _visit(h, staff["grid"], latitude=26.10, longitude=119.30)
    assert not near.far_away and near.distance_m < 50
    assert far.far_away and far.distance_m > 2000


def test_a_confirmation_code_confirms_one_visit_only(place, staff):
    h = place["households"][0]
    code = services.confirmation_code_issue(household=h, by=staff["grid"])
    v = _visit(h, staff["grid"], confirmation_code=code.code)
    assert v.confirmation == code
    with pytest.raises(ApplicationError) as e:
        _visit(h, staff["grid2"], confirmation_code=code.code)
    assert e.value.code == "code_used"
    with pytest.raises(ApplicationError) as e:
        _visit(place["households"][1], staff["grid"], confirmation_code=code.code)  # another household's code
    assert e.value.code == "code_invalid"
    later = timezone.now() + dt.timedelta(minutes=policy.CODE_MINUTES + 1)
    code2 = services.confirmation_code_issue(household=h, by=staff["grid"])
    with clock.at(later), pytest.raises(ApplicationError) as e:
        _visit(h, staff["grid"], confirmation_code=code2.code)
    assert e.value.code == "code_invalid"
    assert Visit.objects.count() == 1


def test_a_replayed_upload_changes_nothing(place, staff):
    h = place["households"][0]
    key = str(uuid.uuid4())
    first = _visit(h, staff["grid"], client_uuid=key, raised="楼道灯不亮", category="safety", offline=True)
    again = _visit(h, staff["grid"], client_uuid=key, raised="楼道灯不亮", category="safety", offline=True)
    assert again.pk == first.pk and again.replayed and not first.replayed
    assert Visit.objects.count() == 1 and LedgerItem.objects.count() == 1
    with pytest.raises(ApplicationError) as e:
        _visit(h, staff["grid2"], client_uuid=key)
    assert e.value.code == "uuid_other_worker"
    with pytest.raises(ApplicationError) as e:
        _visit(h, staff["grid"], client_uuid="not-a-uuid")
    assert e.value.code == "bad_uuid"


def test_visits_are_append_only_and_out_of_scope_is_hidden(place, staff):
    from gongzhi.core.append_only import AppendOnlyError
    from gongzhi.core.errors import NotFound

    v = _visit(place["households"][0], staff["grid"])
    with pytest.raises(AppendOnlyError):
        v.delete()
    with pytest.raises(NotFound):
        _visit(place["households"][0], staff["other_grid"])


def test_photos_are_checked_and_a_reused_photo_is_flagged(place, staff):
    jpg = b"\xff\xd8\xff\xe0" + b"x" * 100
    h = place["households"][0]
    v1 = _visit(h, staff["grid"], photos=[SimpleUploadedFile("a.jpg", jpg)])
    v2 = _visit(h, staff["grid"], photos=[SimpleUploadedFile("b.jpg", jpg)])
    assert not v1.photos.get().reused and v2.photos.get().reused
    with pytest.raises(ApplicationError) as e:
        _visit(h, staff["grid"], photos=[SimpleUploadedFile("c.jpg", b"GIF89a....")])
    assert e.value.code == "bad_photo"


def test_ledger_item_answered_on_the_spot_or_turned_into_a_demand(place, staff):
    from gongzhi.demands.models import Channel

    h = place["households"][0]
    v = _visit(h, staff["grid"], raised="楼道灯不亮", category="safety")
    item = LedgerItem.objects.get(visit=v)
    assert item.owner == staff["grid"] and item.deadline == timezone.localdate() + dt.timedelta(days=7)
    item = services.ledger_item_to_demand(item=item, by=staff["grid"])
    assert item.state == ItemState.DEMAND and item.demand.channel == Channel.GRID_VISIT
    assert item.demand.building == h.dwelling.building
    with pytest.raises(ApplicationError) as e:
        services.ledger_item_answer(item=item, by=staff["grid"], answer="好")
    assert e.value.code == "wrong_state"
    other = services.ledger_item_open(
        community_code=h.community_id, by=staff["grid"], title="咨询低保", category="livelihood"
    )
    with pytest.raises(ApplicationError) as e:
        services.ledger_item_answer(item=other, by=staff["grid"], answer="  ")
    assert e.value.code == "answer_required"
    services.ledger_item_answer(item=other, by=staff["grid"], answer="已解释政策", on_the_spot=True)
    other.refresh_from_db()
    assert other.state == ItemState.ANSWERED and other.on_the_spot
    assert list(ItemEvent.objects.filter(item=other).values_list("action", flat=True)) == [
        "opened",
        "answered",
    ]


def test_turning_into_a_topic_needs_the_communitys_council(place, staff):
    item = services.ledger_item_open(
        community_code="350102004001", by=staff["grid"], title="加装电梯", category="suggestion"
    )
    with pytest.raises(ApplicationError) as e:
        services.ledger_item_to_topic(item=item, by=staff["grid"])
    assert e.value.code == "no_council"
    item.refresh_from_db()
    assert item.state == ItemState.OPEN


def test_a_ledger_item_becomes_a_topic_of_the_community_council(place, staff):
    from gongzhi.deliberation.models import Council, CouncilLevel, Topic

    Council.objects.create(
        region_id="350102004001",
        community_id="350102004001",
        level=CouncilLevel.COMMUNITY,
        name="军门社区议事会",
    )
    item = services.ledger_item_open(
        community_code="350102004001", by=staff["head"], title="加装电梯", category="suggestion"
    )
    item = services.ledger_item_to_topic(item=item, by=staff["head"])
    assert item.state == ItemState.TOPIC
    topic = Topic.objects.get(pk=int(item.topic_ref))
    assert topic.title == "加装电梯" and topic.council.community_id == "350102004001"


def test_a_deadline_in_the_past_is_refused(staff, place):
    with pytest.raises(ApplicationError) as e:
        services.ledger_item_open(
            community_code="350102004001",
            by=staff["grid"],
            title="x",
            category="other",
            deadline=timezone.localdate() - dt.timedelta(days=1),
        )
    assert e.value.code == "bad_deadline"
    assert LedgerItem.objects.count() == 0


def test_a_correction_at_the_door_goes_through_the_registry_as_a_community_observation(place, staff):
    from gongzhi.integration.models import FieldValue

    h = place["households"][0]
    before = FieldValue.objects.count()
    person = services.household_fact_correct(
        household=h, person_id=h.head_id, field="workplace", value="鼓楼区某公司", by=staff["grid"]
    )
    assert person.workplace == "鼓楼区某公司"
    assert FieldValue.objects.count() > before
    with pytest.raises(ApplicationError) as e:
        services.household_fact_correct(
            household=h, person_id=h.head_id, field="name", value="x", by=staff["grid"]
        )
    assert e.value.code == "bad_field"
    with pytest.raises(ApplicationError) as e:
        services.household_fact_correct(
            household=h,
            person_id=place["households"][1].head_id,
            field="workplace",
            value="x",
            by=staff["grid"],
        )
    assert e.value.code == "not_member"


def test_the_code_goes_to_the_households_phone_and_never_to_the_worker(place, staff):
    from gongzhi.core import pii
    from gongzhi.core.outbox import ConsoleBackend

    h = place["households"][0]
    ConsoleBackend.sent.clear()
    code = services.confirmation_code_issue(household=h, by=staff["grid"])
    phone = h.head.phone
    assert code.sent_to == pii.mask_phone(phone)
    [message] = ConsoleBackend.sent
    assert message["to"] == pii.mask_phone(phone) and code.code in message["body"]


def test_a_household_without_a_phone_gets_no_code(place, staff):
    from gongzhi.registry.models import Person
    from gongzhi.visits.models import ConfirmationCode

    h = place["households"][1]
    ids = [h.head_id, *h.members.values_list("person_id", flat=True)]
    Person.objects.filter(pk__in=ids).update(phone_encrypted="", phone_hash="", phone_tail="")
    h.refresh_from_db()
    with pytest.raises(ApplicationError) as e:
        services.confirmation_code_issue(household=h, by=staff["grid"])
    assert e.value.code == "no_phone"
    assert not ConfirmationCode.objects.filter(household=h).exists()


# ---- offline capture uploaded late (issue 14) ---------------------------------------------


def test_an_offline_capture_uploaded_days_later_is_accepted_and_flagged(place, staff):
    """The one-day window runs from the moment the phone captured the visit, not from the upload;
    the visit is kept, marked as a late upload, with the capture time beside the upload time."""
    h = place["households"][0]
    now = timezone.now()
    captured = now - dt.timedelta(days=2)
    at = captured - dt.timedelta(hours=3)
    v = _visit(h, staff["grid"], visited_at=at, captured_at=captured, offline=True, client_uuid=uuid.uuid4())
    v.refresh_from_db()
    assert v.offline and v.late_upload
    assert v.visited_at == at and v.captured_at == captured and v.recorded_at >= now
    # Uploaded within the day: an ordinary offline visit, not flagged.
    recent = _visit(
        place["households"][1],
        staff["grid"],
        captured_at=now - dt.timedelta(hours=2),
        visited_at=now - dt.timedelta(hours=3),
        offline=True,
    )
    assert recent.offline and not recent.late_upload
    # Without the offline flag the capture time is not the phone's word: refused as before.
    with pytest.raises(ApplicationError) as e:
        _visit(h, staff["grid"], visited_at=at, captured_at=captured)
    assert e.value.code == "backdated_visit"
    assert Visit.objects.count() == 2


def test_offline_capture_the_day_window_runs_from_the_capture(place, staff):
    h = place["households"][0]
    captured = timezone.now() - dt.timedelta(days=2)
    for at, code in (
        (captured - dt.timedelta(hours=25), "backdated_visit"),
        (captured + dt.timedelta(hours=1), "future_visit"),
    ):
        with pytest.raises(ApplicationError) as e:
            _visit(h, staff["grid"], visited_at=at, captured_at=captured, offline=True)
        assert e.value.code == code
    assert Visit.objects.count() == 0


def test_an_offline_capture_older_than_the_window_is_refused_the_window_is_configurable(place, staff):
    from django.test import override_settings

    h = place["households"][0]
    captured = timezone.now() - dt.timedelta(days=policy.OFFLINE_DAYS, hours=1)
    with pytest.raises(ApplicationError) as e:
        _visit(h, staff["grid"], visited_at=captured, captured_at=captured, offline=True)
    assert e.value.code == "offline_too_old"
    assert str(policy.OFFLINE_DAYS) in e.value.message
    assert Visit.objects.count() == 0
    with override_settings(GONGZHI_VISITS_OFFLINE_DAYS=10):
        v = _visit(h, staff["grid"], visited_at=captured, captured_at=captured, offline=True)
    assert v.late_upload and Visit.objects.count() == 1
    with override_settings(GONGZHI_VISITS_OFFLINE_DAYS=1), pytest.raises(ApplicationError) as e:
        _visit(h, staff["grid"], captured_at=timezone.now() - dt.timedelta(hours=30), offline=True)
    assert e.value.code == "offline_too_old"


def test_an_offline_capture_in_the_future_is_refused(place, staff):
    h = place["households"][0]
    captured = timezone.now() + dt.timedelta(hours=1)
    with pytest.raises(ApplicationError) as e:
        _visit(h, staff["grid"], visited_at=timezone.now(), captured_at=captured, offline=True)
    assert e.value.code == "future_capture" and e.value.message
    assert Visit.objects.count() == 0


def test_a_confirmation_code_of_an_offline_capture_is_checked_at_the_capture(place, staff):
    """The household confirmed at the door while the code was valid: a later upload keeps it."""
    h = place["households"][0]
    start = timezone.now() - dt.timedelta(days=2)
    with clock.at(start):
        code = services.confirmation_code_issue(household=h, by=staff["grid"])
    captured = start + dt.timedelta(minutes=5)
    v = _visit(
        h, staff["grid"], visited_at=captured, captured_at=captured, offline=True, confirmation_code=code.code
    )
    assert v.confirmation == code and v.late_upload
    # A code that had expired when the phone captured the visit does not confirm it.
    other = place["households"][1]
    with clock.at(start):
        code2 = services.confirmation_code_issue(household=other, by=staff["grid"])
    stale = start + dt.timedelta(minutes=policy.CODE_MINUTES + 5)
    with pytest.raises(ApplicationError) as e:
        _visit(
            other,
            staff["grid"],
            visited_at=stale,
            captured_at=stale,
            offline=True,
            confirmation_code=code2.code,
        )
    assert e.value.code == "code_invalid"
    # Nor does a code issued after the capture (now valid, but not at the door).
    code3 = services.confirmation_code_issue(household=other, by=staff["grid"])
    with pytest.raises(ApplicationError) as e:
        _visit(
            other,
            staff["grid"],
            visited_at=stale,
            captured_at=stale,
            offline=True,
            confirmation_code=code3.code,
        )
    assert e.value.code == "code_invalid"
    assert Visit.objects.count() == 1


def test_the_database_keeps_capture_and_upload_times_in_order(place, staff):
    from django.db import IntegrityError, transaction

    h = place["households"][0]
    now = timezone.now()
    base = dict(community_id=h.community_id, household=h, worker=staff["grid"], met="户主", situation="正常")
    bad = (
        # captured before the visit happened
        dict(visited_at=now - dt.timedelta(hours=2), captured_at=now - dt.timedelta(hours=3), offline=True),
        # captured after the upload
        dict(visited_at=now - dt.timedelta(hours=2), captured_at=now + dt.timedelta(hours=1), offline=True),
        # a late upload that was not an offline capture
        dict(visited_at=now - dt.timedelta(days=2), late_upload=True),
    )
    for fields in bad:
        with pytest.raises(IntegrityError), transaction.atomic():
            Visit(recorded_at=now, **base, **fields).save()
    assert Visit.objects.count() == 0


def test_a_months_plans_reach_the_communitys_inbox_once_as_the_platforms_work(place, staff):
    from gongzhi.admission.models import InboxTask

    services.coverage_apply(community=place["community"], by=staff["head"])
    month = timezone.localdate().replace(day=1)
    services.plans_generate(community=place["community"], month=month, by=staff["head"], minimum=3)
    services.plans_generate(community=place["community"], month=month, by=staff["head"], minimum=4)
    (task,) = InboxTask.objects.filter(community=place["community"])
    assert task.source == InboxTask.Source.PLATFORM and task.work_key == policy.WORK_MONTHLY_VISITS
    assert task.deadline == policy.month_end(month) and "2 名包户人员，8 户" in task.title
    assert task.link.startswith("/visits/plans/?month=")
    services.plans_generate(
        community=place["community"], month=policy.month_end(month) + dt.timedelta(days=1), by=staff["head"]
    )
    task.refresh_from_db()
    assert task.state == InboxTask.State.DONE
    assert InboxTask.objects.filter(community=place["community"], state=InboxTask.State.OPEN).count() == 1
