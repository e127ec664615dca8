"""API of home-based elderly care (/api/care/): the call centre posts one-key calls.

The call platform holds an API token of a service account with care.intake over the communities
it serves (a community worker's, or a street's or district's staff role; `gongzhi tokens create
USER --name callcentre`) and posts each press of a one-key button by the device's number. An
unknown device (or one outside the account's scope) answers 404, a deactivated one 409; the call
then waits in the calls list for a grid or community worker to answer.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from ninja import Field, Router, Schema, Status

from gongzhi.core.api_auth import api_auth
from gongzhi.core.permissions import require
from gongzhi.core.schemas import ErrorOut

from . import rules, services

router = Router(tags=["care"], auth=api_auth)
ERRORS: dict[int, Any] = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut}


class CallIn(Schema):
    device: str = Field(max_length=60, description="一键通设备编号")
    at: dt.datetime | None = Field(None, description="呼叫时间（缺省为收到时间；无时区按北京时间）")
    call_id: str | None = Field(
        None,
        max_length=64,
        description="呼叫平台自己的呼叫编号：超时重发时带上同一编号，只记一次（返回 200 和已记的呼叫）",
    )


class CallOut(Schema):
    id: int
    device: str
    community: str
    at: dt.datetime
    outcome: str


@router.post("/calls", response={201: CallOut, 200: CallOut, 409: ErrorOut, **ERRORS})
def call_create(request, payload: CallIn):
    """Log a press of a one-key button by the device's number. With `call_id` a retry of the same
    press answers 200 with the call already logged instead of logging a second one."""
    require(request.auth, rules.INTAKE)
    at = payload.at
    if at is not None and timezone.is_naive(at):
        at = timezone.make_aware(at)
    created = True
    if payload.call_id is not None:
        call, created = services.call_receive_once(
            serial=payload.device, external_id=payload.call_id, at=at, by=request.auth
        )
    else:
        call = services.call_receive(serial=payload.device, at=at, by=request.auth)
    return Status(
        201 if created else 200,
        CallOut(
            id=call.pk,
            device=call.device.serial,
            community=call.community_id,
            at=call.at,
            outcome=call.outcome,
        ),
    )
