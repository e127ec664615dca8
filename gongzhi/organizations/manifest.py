"""Organisations declare themselves: for now the demo's social organisation and its staff account."""

from gongzhi.core.manifests import AppManifest

from .demo import demo_organization_staff

manifest = AppManifest(
    app_label="organizations",
    reference_tables=("Organization",),
    demo_account_hooks=(demo_organization_staff,),
)
