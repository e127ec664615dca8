"""Background jobs declare their pages (progress, download); each job row belongs to its owner."""

from gongzhi.core.manifests import AppManifest

manifest = AppManifest(
    app_label="jobs",
    urls=(("jobs/", "gongzhi.jobs.urls"),),
    local_tables=("Job",),
)
