"""Integration permissions and the roles that hold them."""

from gongzhi.core.roles import Role

MANAGE_SOURCES = "integration.manage_sources"  # configure department sources and their mappings
IMPORT = "integration.import"  # take in a department's extract (file or API push)
REVIEW = "integration.review"  # resolve uncertain pairs and conflicts, merge and undo
VIEW_PROVENANCE = "integration.view_provenance"  # see where each field of a resident came from
DEPARTMENT_READ = "integration.department_read"  # a department reads the fields shared with it
MANAGE_SHARING = "integration.manage_sharing"  # decide which department kind reads which field

_WORKERS = (Role.GRID_WORKER, Role.COMMUNITY_WORKER, Role.COMMUNITY_HEAD)
ROLE_PERMISSIONS: dict[str, set[str]] = {
    **{role: {VIEW_PROVENANCE} for role in _WORKERS},
    Role.STREET_STAFF: {VIEW_PROVENANCE, REVIEW},
    Role.DISTRICT_STAFF: {MANAGE_SOURCES, IMPORT, REVIEW, VIEW_PROVENANCE},
    Role.DEPARTMENT_STAFF: {IMPORT, DEPARTMENT_READ},
    Role.SYSTEM_ADMIN: {MANAGE_SHARING},
}
SCOPED = (MANAGE_SOURCES, IMPORT, REVIEW, VIEW_PROVENANCE, DEPARTMENT_READ, MANAGE_SHARING)
