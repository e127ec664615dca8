"""The kinds of background job the apps declare (each in its own `jobs.py`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

_KINDS: dict[str, JobKind] = {}


@dataclass
class JobOutput:
    """What a finished job offers for download."""

    filename: str
    content: bytes


@dataclass
class JobKind:
    name: str
    label: Any  # a lazy translation
    run: Callable[..., JobOutput | None]  # run(job, progress) -> JobOutput | None
    # may the user (the job's owner) still download its result? e.g. still holds the export permission
    may_download: Callable[[Any, Any], bool] = field(default=lambda user, job: True)
    content_type: str = "application/octet-stream"


def job_kind_register(kind: JobKind) -> JobKind:
    _KINDS[kind.name] = kind
    return kind


def job_kind(name: str) -> JobKind:
    return _KINDS[name]
