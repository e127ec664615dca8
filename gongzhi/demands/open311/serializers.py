"""Platform records → GeoReport v2 dictionaries (the JSON body; xml.py renders the same data).

What a caller sees of a demand depends on who asks: anyone sees its service, status, dates,
handling unit and community; the full text, address, coordinates and photo only the account
that submitted it or an account allowed to view it (demands.view in its scope). Contact
details are never exposed.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import Category, Demand, DemandEvent, DemandState, TimeLimitClass
from ..rules import VIEW

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
UNCLASSIFIED = "unclassified"


def w3c(value: dt.datetime | None) -> str | None:
    """2026-03-10T09:30:00+08:00 (local time with its offset, as the specification's examples)."""
    if value is None:
        return None
    return timezone.localtime(value).isoformat(timespec="seconds")


def service(category: Category) -> dict:
    group = category.parent.name if category.parent is not None else None
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": _("%(group)s › %(name)s，办理时限：%(limit)s")
        % {"group": group or "", "name": category.name, "limit": TimeLimitClass(category.time_limit).label},
        "metadata": True,
        "type": "realtime",
        "keywords": ",".join(k for k in (group, category.name) if k),
        "group": group,
    }


def service_definition(category: Category, communities: list[tuple[str, str]]) -> dict:
    return {
        "service_code": category.code,
        "attributes": [
            {
                "variable": True,
                "code": "community",
                "datatype": "singlevaluelist",
                "required": False,
                "datatype_description": _("社区的12位区划代码"),
                "order": 1,
                "description": _("诉求所在社区。未提供经纬度、地址编号或可识别的地址时必填。"),
                "values": [{"key": code, "name": name} for code, name in communities],
            },
            {
                "variable": True,
                "code": "title",
                "datatype": "string",
                "required": False,
                "datatype_description": _("不超过100个字"),
                "order": 2,
                "description": _("诉求标题；不填时取描述的开头。"),
            },
        ],
    }


def can_read_full(user, demand: Demand) -> bool:
    if user is None:
        return False
    return demand.submitted_by_id == user.id or user.has_perm(VIEW, demand)


def _status(state: str) -> str:
    return "closed" if state == DemandState.CLOSED else "open"


def service_request(demand: Demand, *, user=None, request=None) -> dict:
    full = can_read_full(user, demand)
    notes = str(DemandState(demand.state).label)
    if full and demand.reply:
        notes = f"{notes}：{demand.reply}"
    address = demand.community.short_name
    media_url = None
    if full:
        place = str(demand.building) if demand.building_id else (demand.estate.name if demand.estate else "")
        address = "，".join(p for p in (demand.address, place, demand.community.short_name) if p)
        photos = list(demand.photos.all())
        if photos and request is not None:
            media_url = request.build_absolute_uri(photos[0].signed_url())
    category = demand.category
    return {
        "service_request_id": str(demand.pk),
        "status": _status(demand.state),
        "status_notes": notes,
        "service_name": category.name if category else _("待分类"),
        "service_code": category.code if category else UNCLASSIFIED,
        "description": demand.body if full else None,
        "agency_responsible": demand.unit.name if demand.unit else None,
        "service_notice": (
            _("办理时限：%(limit)s") % {"limit": TimeLimitClass(demand.time_limit).label}
            if demand.time_limit
            else None
        ),
        "requested_datetime": w3c(demand.created_at),
        "updated_datetime": w3c(demand.closed_at or demand.updated_at),
        "expected_datetime": w3c(demand.due_at),
        "address": address,
        "address_id": None,
        "zipcode": None,
        "lat": demand.latitude if full else None,
        "long": demand.longitude if full else None,
        "media_url": media_url,
    }


def request_update(event: DemandEvent, *, user=None) -> dict:
    """One timeline step, as mySociety's servicerequestupdates extension. Only public steps
    are listed, and a step's note only when it was written for the resident (the reply):
    dispatch and handling notes are internal, whoever asks."""
    description = event.get_kind_display()
    if event.note and event.note_public and event.public:
        description = f"{description}：{event.note}"
    return {
        "update_id": str(event.pk),
        "service_request_id": str(event.demand_id),
        "status": _status(event.to_state or event.from_state),
        "updated_datetime": w3c(event.at),
        "description": description,
        "media_url": None,
    }
