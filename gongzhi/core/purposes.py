"""The lawful purposes for which a person's full identity number or phone may be seen or exported.

A purpose is one of these codes (stored in the access log) plus an optional free note. The list is
short on purpose: a reviewer can tell at a glance whether a reveal had a reason the law accepts.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Purpose(models.TextChoices):
    HANDLE_DEMAND = "handle_demand", _("办理诉求")
    CALLBACK = "callback", _("诉求回访")
    HOME_VISIT = "home_visit", _("入户走访")
    AID_CHECK = "aid_check", _("救助核查")
    DEPARTMENT_ASSIST = "department_assist", _("部门协查")
    REGISTER_CORRECTION = "register_correction", _("核对更正登记信息")
    EXPORT_FILING = "export_filing", _("报表报送")
    ISSUE_CERTIFICATE = "issue_certificate", _("出具证明")
    # Recorded by the platform itself, never chosen in a form: a search by a full identity number or
    # phone identifies a person as surely as a reveal, so it is logged (and counted) as one.
    LOOKUP_BY_NUMBER = "lookup_by_number", _("按完整号码查找居民")


# Purposes only the platform records; forms never offer them.
SYSTEM_PURPOSES = {Purpose.LOOKUP_BY_NUMBER}
