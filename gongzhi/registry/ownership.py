"""Dwelling ownership: who owns each dwelling and in what share (房屋所有权). Owners' votes under
Civil Code art. 278 are computed from it: exclusive area (专有部分面积) = dwelling area × share, and
each owner counts once by number however many dwellings they hold.

Model, service and import in one small module; `models.py` imports the model."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from django.db import models, transaction
from django.db.models import Q, Sum
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from gongzhi.core import pii
from gongzhi.core.errors import ApplicationError
from gongzhi.core.fields import community_fk
from gongzhi.core.permissions import require


class DwellingOwner(models.Model):
    community = community_fk()
    dwelling = models.ForeignKey(
        "registry.Dwelling", verbose_name=_("房屋"), on_delete=models.CASCADE, related_name="owners"
    )
    person = models.ForeignKey(
        "registry.Person", verbose_name=_("业主"), on_delete=models.PROTECT, related_name="owned"
    )
    share = models.DecimalField(_("产权份额"), max_digits=5, decimal_places=4, default=Decimal("1"))

    class Meta:
        app_label = "registry"
        verbose_name = _("房屋产权人")
        verbose_name_plural = _("房屋产权人")
        constraints = [
            models.UniqueConstraint(fields=["dwelling", "person"], name="dwelling_owner_unique"),
            models.CheckConstraint(condition=Q(share__gt=0, share__lte=1), name="dwelling_owner_share_range"),
        ]


@transaction.atomic
def dwelling_owner_set(*, by, dwelling, person, share: Decimal = Decimal("1")) -> DwellingOwner:
    from .rules import CHANGE_PERSON

    require(by, CHANGE_PERSON, dwelling)
    share = Decimal(share)
    if not (Decimal("0") < share <= Decimal("1")):
        raise ApplicationError("owner_share_range", gettext("产权份额须大于 0 且不超过 1。"), field="share")
    others = DwellingOwner.objects.select_for_update().filter(dwelling=dwelling).exclude(
        person=person
    ).aggregate(s=Sum("share"))["s"] or Decimal("0")
    if others + share > Decimal("1"):
        raise ApplicationError("owner_share_total", gettext("该房屋的产权份额合计将超过 1。"), field="share")
    owner, _created = DwellingOwner.objects.update_or_create(
        dwelling=dwelling, person=person, defaults={"share": share, "community_id": dwelling.community_id}
    )
    return owner


def ownership_import(*, by, rows: Iterable[dict]) -> dict:
    """Rows with dwelling (id), id_number, share. All or nothing: the first bad row is reported with
    its line number and nothing is written."""
    from .models import Dwelling, Person

    done = 0
    with transaction.atomic():
        for line, row in enumerate(rows, start=2):
            try:
                dwelling = Dwelling.objects.get(pk=int(row.get("dwelling", "")))
                share = Decimal(str(row.get("share") or "1"))
            except (ValueError, InvalidOperation, Dwelling.DoesNotExist):
                raise ApplicationError(
                    "owner_row", gettext("第 %(line)d 行：房屋或产权份额无法识别。") % {"line": line}
                ) from None
            person = Person.objects.filter(
                id_number_hash=pii.keyed_hash(str(row.get("id_number", "")))
            ).first()
            if person is None:
                raise ApplicationError(
                    "owner_row", gettext("第 %(line)d 行：未找到该身份号码的居民。") % {"line": line}
                )
            dwelling_owner_set(by=by, dwelling=dwelling, person=person, share=share)
            done += 1
    return {"imported": done}
