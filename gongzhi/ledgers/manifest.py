"""The electronic ledgers declare themselves: they assemble every app's figures."""

from django.utils.translation import gettext_lazy as _

from gongzhi.core.manifests import AppManifest, DemoStep, MenuEntry

from . import rules
from .demo import demo_snapshots_build

manifest = AppManifest(
    app_label="ledgers",
    permissions=rules.ROLE_PERMISSIONS,
    scoped_permissions=rules.SCOPED,
    local_tables=("Snapshot", "Rollup"),
    menu_section=_("设施与台账"),
    menu=(MenuEntry(_("电子台账"), "ledgers:dashboard", rules.VIEW, order=97),),
    api=("/ledgers/", "gongzhi.ledgers.api:router"),
    urls=(("ledgers/", "gongzhi.ledgers.urls"),),
    demo=(DemoStep(99, _("电子台账：本月指标快照"), demo_snapshots_build),),
)
