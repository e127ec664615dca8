"""Residents' committee elections: an election per community and term, a voter roll drawn from the
registry (each person on at most one roll in the district per term, held by the database), votes
marked on the roll, and the stored turnout that a recomputation from the roll must equal."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from gongzhi.core.fields import community_fk


class Method(models.TextChoices):
    DIRECT = "direct", _("直接选举")
    HOUSEHOLD = "household", _("户代表选举")
    DELEGATE = "delegate", _("居民代表选举")


class State(models.TextChoices):
    DRAFT = "draft", _("筹备中")
    PUBLISHED = "published", _("选民名单已公布")
    CLOSED = "closed", _("已选举")


class Election(models.Model):
    community = community_fk()
    term = models.CharField(_("届次"), max_length=4)
    held_on = models.DateField(_("选举日"))
    seats = models.PositiveSmallIntegerField(_("职数"))
    method = models.CharField(_("选举方式"), max_length=10, choices=Method.choices, default=Method.DIRECT)
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.DRAFT)
    registered = models.PositiveIntegerField(_("登记选民数"), default=0)
    voted = models.PositiveIntegerField(_("参选人数"), default=0)

    class Meta:
        ordering = ["-held_on", "community_id"]
        constraints = [
            models.UniqueConstraint(fields=["community", "term"], name="elections_one_per_term"),
            models.CheckConstraint(
                condition=Q(voted__lte=F("registered")), name="elections_voted_le_registered"
            ),
        ]

    @property
    def turnout(self):
        return round(100 * self.voted / self.registered, 1) if self.registered else None


class VoterEntry(models.Model):
    class Basis(models.TextChoices):
        HUKOU = "hukou", _("户籍居民")
        RESIDENT = "resident", _("居住满一年的流动人口")

    community = community_fk()
    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="roll")
    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="+")
    district = models.CharField(max_length=6)
    term = models.CharField(max_length=4)
    basis = models.CharField(_("登记依据"), max_length=10, choices=Basis.choices)
    voted = models.BooleanField(_("已投票"), default=False)

    class Meta:
        constraints = [
            # Each person on at most one voter roll in the district for a term.
            models.UniqueConstraint(
                fields=["person", "district", "term"], name="elections_one_roll_in_district"
            ),
        ]
