"""The statutory periods of an election (民政部《村（居）民委员会选举规程》 and provincial rules),
in one place: the roll is published at least 20 days before election day, objections are
raised within 5 days of its publication and answered within 3 days, the candidates are
published at least 5 days before election day."""

from __future__ import annotations

import datetime as dt

VOTING_AGE = 18
RESIDENT_DAYS = 365  # migrants who have lived in the community for a year
ROLL_DAYS_BEFORE = 20
OBJECTION_DAYS = 5
ANSWER_DAYS = 3
CANDIDATES_DAYS_BEFORE = 5
MIN_SEATS, MAX_SEATS = 3, 9


def objections_until(published_on: dt.date) -> dt.date:
    return published_on + dt.timedelta(days=OBJECTION_DAYS)


def adult_born_on_or_before(held_on: dt.date) -> dt.date:
    try:
        return held_on.replace(year=held_on.year - VOTING_AGE)
    except ValueError:  # 29 February
        return held_on.replace(year=held_on.year - VOTING_AGE, day=28)
