"""Append-only records: timelines, votes, approvals. Written once, never edited or deleted.

The model refuses `save()` of an existing row and `delete()`; its queryset refuses bulk `update()` and
`delete()`. A correction is a new record that says what it corrects.
"""

from __future__ import annotations

from typing import TypeVar

from django.db import models

_M = TypeVar("_M", bound=models.Model)


class AppendOnlyError(ValueError):
    pass


# Generic, so that django-stubs resolves the reverse managers of concrete subclasses on a warm mypy
# cache too (typeddjango/django-stubs#3464: a non-generic manager on an abstract parent).
class AppendOnlyQuerySet(models.QuerySet[_M, _M]):
    def update(self, **kwargs):
        raise AppendOnlyError(f"{self.model._meta.label} is append-only: rows are never updated")

    def delete(self):
        raise AppendOnlyError(f"{self.model._meta.label} is append-only: rows are never deleted")


AppendOnlyManager = models.Manager.from_queryset(AppendOnlyQuerySet)


class AppendOnlyModel(models.Model):
    objects = AppendOnlyManager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError(f"{self._meta.label} is append-only: rows are never updated")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(f"{self._meta.label} is append-only: rows are never deleted")
