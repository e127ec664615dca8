"""Volunteers declare themselves: permissions, menu, API, pages, demo, figures."""


from gongzhi.core.manifests import AppManifest

from . import rules

manifest = AppManifest(
    app_label="volunteers",
    permissions=rules.ROLE_PERMISSIONS,
    scoped_permissions=rules.SCOPED,
    menu=(),
)
