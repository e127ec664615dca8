"""Writes of polls: create, open (freeze the roll), cast online, issue and enter paper ballots,
close (store the tally). One vote per voter per poll is the database's UNIQUE, not a Python check."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Sum

from gongzhi.core import clock
from gongzhi.core.permissions import require

from . import rules
from .eligibility import voter_key
from .errors import DeliberationError, error
from .polls import Ballot, Channel, PaperCode, Poll, PollKind, PollOption, PollState, RollEntry, VoteRecord
from .workflow import POLL

CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


@transaction.atomic
def poll_create(
    *,
    by,
    council,
    title: str,
    kind: str,
    options: Sequence[str],
    closes_at: dt.datetime,
    region=None,
    secret: bool = False,
    min_age: int = 18,
    topic=None,
    estate=None,
    major_matter: bool = False,
) -> Poll:
    require(by, rules.MANAGE, council.community_id or council.region_id)
    labels = [o.strip() for o in options if o and o.strip()]
    if len(labels) < 2:
        raise error("no_options")
    if not (title or "").strip():
        raise error("title_required")
    if kind not in PollKind.values:
        raise error("bad_option")
    if closes_at is None or closes_at <= clock.now():
        raise error("deadline_required")
    if not (0 <= int(min_age) <= 120):
        raise error("bad_age")
    if region is not None and not region.code.startswith(council.region_id):
        raise error("outside_region", region=region.name)
    if kind == PollKind.OWNER and (estate is None or not estate.community_id.startswith(council.region_id)):
        raise error("estate_required")
    poll = Poll.objects.create(
        council=council,
        topic=topic,
        region_id=(region.code if region else council.region_id),
        estate=estate,
        title=title.strip(),
        kind=kind,
        secret=secret,
        min_age=min_age,
        major_matter=major_matter,
        closes_at=closes_at,
        salt=secrets.token_hex(16),
    )
    PollOption.objects.bulk_create(
        [PollOption(poll=poll, label=lab, position=i) for i, lab in enumerate(labels)]
    )
    return poll


def roll_rows(poll: Poll, day: dt.date) -> list[tuple[str, Decimal]]:
    """Who may vote, read from the registry now: (voter key, exclusive area for owners' votes)."""
    from gongzhi.registry.models import Household, Person

    from .models import CouncilMember

    if poll.kind == PollKind.MEMBER:
        ids = CouncilMember.objects.filter(council=poll.council, term_start__lte=day, term_end__gte=day)
        return [(f"m:{i}", Decimal(0)) for i in ids.values_list("id", flat=True)]
    if poll.kind == PollKind.HOUSEHOLD:
        households = Household.objects.filter(community__code__startswith=poll.region_id)
        return [(f"h:{i}", Decimal(0)) for i in households.values_list("id", flat=True)]
    if poll.kind == PollKind.OWNER:
        from .art278 import owner_units

        return [(u.key, u.area.quantize(Decimal("0.01"))) for u in owner_units(poll.estate_id)]
    try:
        cutoff = day.replace(year=day.year - poll.min_age)
    except ValueError:  # 29 February
        cutoff = day.replace(year=day.year - poll.min_age, day=28)
    qs = Person.objects.filter(
        community__code__startswith=poll.region_id, status="active", birth_date__lte=cutoff
    )
    return [(f"p:{i}", Decimal(0)) for i in qs.values_list("id", flat=True)]


@transaction.atomic
def poll_open(*, by, poll: Poll, at: dt.datetime | None = None) -> Poll:
    """Voting opens and the roll is frozen: moving in (or turning 18) during the vote changes nothing."""
    poll = Poll.objects.select_for_update().get(pk=poll.pk)
    now = at or clock.now()
    POLL.require("open", poll, by, now=now)
    RollEntry.objects.bulk_create(
        [RollEntry(poll=poll, voter=k, weight_area=a) for k, a in roll_rows(poll, now.date())],
        batch_size=2000,
    )
    poll.state = PollState.OPEN
    poll.opens_at = now
    poll.save(update_fields=["state", "opens_at"])
    return poll


def _option(poll: Poll, option_id) -> PollOption:
    try:
        return PollOption.objects.get(poll=poll, pk=int(option_id))
    except (TypeError, ValueError, PollOption.DoesNotExist):
        raise error("bad_option") from None


def _record(poll: Poll, key: str, option: PollOption, channel: str, by) -> None:
    """The "has voted" record first (UNIQUE per voter per poll), then the ballot."""
    try:
        with transaction.atomic():
            VoteRecord.objects.create(
                poll=poll,
                voter=key,
                channel=channel,
                at=clock.now(),
                entered_by=by if channel == Channel.PAPER else None,
            )
    except IntegrityError:
        raise error("already_voted") from None
    weight = RollEntry.objects.filter(poll=poll, voter=key).values_list("weight_area", flat=True).first() or 0
    Ballot.objects.create(poll=poll, option=option, voter="" if poll.secret else key, weight_area=weight)


@transaction.atomic
def ballot_cast(*, by, poll: Poll, option_id, at: dt.datetime | None = None) -> None:
    """An online ballot. The guard refuses voters not on the roll (saying why); the UNIQUE on the
    "has voted" record refuses a second ballot, however many arrive at once."""
    poll = Poll.objects.select_related("council").get(pk=poll.pk)
    POLL.require("vote", poll, by, now=at)
    key = voter_key(poll, by)
    assert key is not None  # require("vote") refuses anyone not on the roll, so they have a key
    _record(poll, key, _option(poll, option_id), Channel.ONLINE, by)


def code_hash(poll: Poll, code: str) -> str:
    key = f"{settings.SECRET_KEY}:{poll.salt}".encode()
    return hmac.new(key, code.strip().upper().replace(" ", "").encode(), hashlib.sha256).hexdigest()


@transaction.atomic
def paper_codes_issue(*, by, poll: Poll, voters: Sequence[str] | None = None) -> list[tuple[str, str]]:
    """One-time codes for the printed ballots of these roll entries (default: all without one).
    The codes are returned once, for printing; only their salted hashes are kept."""
    poll = Poll.objects.select_for_update().get(pk=poll.pk)
    POLL.require("paper", poll, by)
    have = set(PaperCode.objects.filter(poll=poll).values_list("voter", flat=True))
    roll = RollEntry.objects.filter(poll=poll)
    if voters is not None:
        roll = roll.filter(voter__in=voters)
    out, rows = [], []
    for key in roll.exclude(voter__in=have).values_list("voter", flat=True):
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(10))
        out.append((key, code))
        rows.append(PaperCode(poll=poll, voter=key, code_hash=code_hash(poll, code)))
    PaperCode.objects.bulk_create(rows)
    return out


@transaction.atomic
def paper_ballot_enter(*, by, poll: Poll, code: str, option_id) -> None:
    """Staff enter a paper ballot by its printed code: a code works once, and never for a voter
    who has voted online."""
    poll = Poll.objects.select_related("council").get(pk=poll.pk)
    POLL.require("paper", poll, by)
    option = _option(poll, option_id)
    paper = (
        PaperCode.objects.select_for_update().filter(poll=poll, code_hash=code_hash(poll, code or "")).first()
    )
    if paper is None:
        raise error("bad_code")
    if paper.used_at is not None:
        from django.utils import timezone

        raise error("code_used", at=timezone.localtime(paper.used_at).strftime("%Y-%m-%d %H:%M"))
    try:
        _record(poll, paper.voter, option, Channel.PAPER, by)
    except DeliberationError as exc:
        if exc.code != "already_voted":
            raise
        raise _paper_already_voted(poll, paper.voter) from None
    paper.used_at = clock.now()
    paper.save(update_fields=["used_at"])


def _paper_already_voted(poll: Poll, voter: str) -> DeliberationError:
    """The voter of this slip has a ballot already: say how (online, so the slip is void), keeping
    the code the callers know (already_voted)."""
    from .errors import MESSAGES

    record = VoteRecord.objects.filter(poll=poll, voter=voter).first()
    key = "paper_voted_online" if record is not None and record.channel == Channel.ONLINE else "already_voted"
    return DeliberationError("already_voted", MESSAGES[key], status=409)


def poll_tally(poll: Poll) -> dict:
    """Counts per option from the ballots; for owners' votes the art. 278 thresholds as well."""
    options = list(poll.options.all())
    rows: dict[int, Mapping[str, Any]] = {
        r["option_id"]: r
        for r in Ballot.objects.filter(poll=poll)
        .values("option_id")
        .annotate(n=Count("id"), area=Sum("weight_area"))
    }
    result = {
        "options": [
            {
                "id": o.pk,
                "label": o.label,
                "votes": rows.get(o.pk, {}).get("n", 0),
                "area": str(rows.get(o.pk, {}).get("area") or Decimal("0.00")),
            }
            for o in options
        ],
        "voted": sum(r["n"] for r in rows.values()),
        "roll": RollEntry.objects.filter(poll=poll).count(),
    }
    if poll.kind == PollKind.OWNER:
        from .art278 import owners_decision

        result["art278"] = owners_decision(poll, result)
    return result


@transaction.atomic
def poll_close(*, by, poll: Poll, at: dt.datetime | None = None) -> Poll:
    poll = Poll.objects.select_for_update().get(pk=poll.pk)
    POLL.require("close", poll, by, now=at)
    poll.state = PollState.CLOSED
    poll.results = poll_tally(poll)
    poll.save(update_fields=["state", "results"])
    return poll
