"""The platform's own work as it reaches a community's inbox (平台交办).

Other apps announce a piece of work they put on a community through the "community_work" hook
(core.manifests.run_hook), with a key they declare in their manifest. The work arrives admitted
when the district's list in force names that key on one of its duties (依法履职事项) or assisting
duties (协助政府工作事项) — the operator decides, in the list's column 对应平台工作 — and otherwise
arrives not admitted, so the community may refuse it citing the rule, as it may a department's.
One task per piece of work (its reference): announcing it again updates the open task, never
adds a second one.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from gongzhi.core import clock
from gongzhi.core.manifests import community_work
from gongzhi.core.models import Region

from .models import InboxTask, ListItem, ListKind, TaskEvent
from .selectors import list_in_force

COVERING_KINDS = (ListKind.DUTY, ListKind.ASSIST)


def work_keys(value: str) -> list[str]:
    """The keys of a list item's 对应平台工作 cell, in order, without repeats."""
    parts = (p.strip() for p in (value or "").replace("，", ",").replace("、", ",").split(","))
    return list(dict.fromkeys(p for p in parts if p))


def unknown_work_keys(value: str) -> list[str]:
    known = community_work()
    return [k for k in work_keys(value) if k not in known]


def covering_item(*, community_code: str, key: str) -> ListItem | None:
    """The duty of the district's list in force that names this work, if any."""
    version = list_in_force(region=community_code[:6])
    if version is None:
        return None
    for item in (
        version.items.filter(kind__in=COVERING_KINDS).exclude(platform_work="").order_by("kind", "code")
    ):
        if key in work_keys(item.platform_work):
            return item
    return None


def _sender(label) -> str:
    with translation.override("zh-hans"):  # stored data, like a department's name
        return (_("平台：%(work)s") % {"work": label})[:100]


@transaction.atomic
def platform_work_receive(
    *,
    key: str,
    ref: str,
    community_code: str,
    title: str,
    by=None,
    deadline: dt.date | None = None,
    link: str = "",
) -> InboxTask | None:
    """The hook: a piece of the platform's work reaches a community. Returns its task (None when
    the community is not a community the register knows)."""
    labels = community_work()
    if key not in labels:
        raise ValueError(f"undeclared community work {key!r}")  # a programming error, not input
    if not Region.objects.filter(code=community_code, level=5).exists():
        return None
    title = (title or str(labels[key])).strip()[:200]
    task = (
        InboxTask.objects.select_for_update().filter(community_id=community_code, work_ref=ref[:120]).first()
    )
    if task is not None:
        if task.state == InboxTask.State.OPEN:
            task.title, task.deadline, task.link = title, deadline, link[:200]
            task.save(update_fields=["title", "deadline", "link"])
        return task
    now = clock.now()
    task = InboxTask.objects.create(
        community_id=community_code,
        source=InboxTask.Source.PLATFORM,
        sender=_sender(labels[key]),
        title=title,
        list_item=covering_item(community_code=community_code, key=key),
        work_key=key,
        work_ref=ref[:120],
        link=link[:200],
        deadline=deadline,
        received_at=now,
    )
    TaskEvent.objects.create(
        task=task, community_id=community_code, kind=TaskEvent.Kind.RECEIVED, at=now, by=by
    )
    return task


def platform_work_admit_open(*, version, by) -> int:
    """A newly published list admits the open platform tasks its duties now name (tasks admitted
    by an earlier version keep the duty they were received under). Returns how many."""
    tasks = InboxTask.objects.select_for_update().filter(
        community__code__startswith=version.region_id,
        source=InboxTask.Source.PLATFORM,
        state=InboxTask.State.OPEN,
        list_item__isnull=True,
    )
    covered: dict[str, ListItem] = {}
    for item in (
        version.items.filter(kind__in=COVERING_KINDS).exclude(platform_work="").order_by("kind", "code")
    ):
        for key in work_keys(item.platform_work):
            covered.setdefault(key, item)
    n = 0
    now = clock.now()
    for task in tasks:
        item = covered.get(task.work_key)
        if item is None:
            continue
        task.list_item = item
        task.save(update_fields=["list_item"])
        TaskEvent.objects.create(
            task=task,
            community_id=task.community_id,
            kind=TaskEvent.Kind.ADMITTED,
            at=now,
            by=by,
            note=f"{item.code} {item.title}"[:300],
        )
        n += 1
    return n


def platform_work_done(*, ref: str, community_code: str, by=None) -> InboxTask | None:
    """The hook "community_work_done": the work was done where it is done (an inspection recorded,
    a survey closed); its open task in the inbox is done too, with the event."""
    task = (
        InboxTask.objects.select_for_update()
        .filter(community_id=community_code, work_ref=ref[:120], state=InboxTask.State.OPEN)
        .first()
    )
    if task is None:
        return None
    task.state = InboxTask.State.DONE
    task.save(update_fields=["state"])
    TaskEvent.objects.create(task=task, community_id=community_code, kind=TaskEvent.Kind.DONE, by=by)
    return task
