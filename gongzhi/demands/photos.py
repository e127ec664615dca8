"""Give photos stored under guessable names (the resident's own file name under a month folder,
as uploads were named before) a random name. Used by the migration that introduced random
names and by `manage.py demands_rename_photos` (safe to run again: random names are kept)."""

from __future__ import annotations

import os
import re

from django.core.files.storage import default_storage

RANDOM_NAME = re.compile(r"^[A-Za-z0-9_-]{32}\.(jpg|jpeg|png|webp)$")


def photos_rename_guessable(model=None, *, storage=default_storage) -> int:
    """Rename every photo whose file name is not random; returns how many were renamed.
    `model` is DemandPhoto (or its historical version inside a migration)."""
    from .models import demand_photo_path

    if model is None:
        from .models import DemandPhoto as model
    renamed = 0
    for photo in model.objects.exclude(file="").iterator():
        old = photo.file.name
        if RANDOM_NAME.match(os.path.basename(old)):
            continue
        if not storage.exists(old):
            continue  # nothing to move; the row keeps its (unservable) name
        with storage.open(old, "rb") as f:
            new = storage.save(demand_photo_path(photo, old), f)
        model.objects.filter(pk=photo.pk).update(file=new)
        storage.delete(old)
        renamed += 1
    return renamed
