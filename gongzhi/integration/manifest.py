"""Integration (department data sharing) declares itself: permissions, menu, API, pages."""

from django.utils.translation import gettext_lazy as _

from gongzhi.core.manifests import AppManifest, MenuEntry

from . import rules


def _person_changed(**kwargs):
    # Imported when called: the services import the register, which loads manifests.
    from .services import person_changed

    return person_changed(**kwargs)


manifest = AppManifest(
    app_label="integration",
    permissions=rules.ROLE_PERMISSIONS,
    scoped_permissions=rules.SCOPED,
    reference_tables=("NationalCode", "Source", "ImportBatch", "FieldRule", "SharingRule"),
    # The district-wide blocking index of the import (sharded: distributed by its own keys, like the
    # identity-number lookup; see docs/deploy.md).
    local_tables=("PersonLinkKey", "PersonLinkKeyMark"),
    menu_section=_("数据共享"),
    menu=(
        MenuEntry(_("数据源"), "integration:source_list", rules.MANAGE_SOURCES, order=60),
        MenuEntry(_("比对核对"), "integration:review_list", rules.REVIEW, order=61),
        MenuEntry(_("部门数据"), "integration:department", rules.DEPARTMENT_READ, order=62),
    ),
    api=("/integration/", "gongzhi.integration.api:router"),
    urls=(("integration/", "gongzhi.integration.urls"),),
    global_keys=(("SourceRecord", ("batch", "row_number")),),
    # Edits on the registry pages are kept as 社区采集 in field provenance (the register names
    # where each change came from; this app's own writes pass origin "integration").
    hooks={"person_changed": _person_changed},
)
