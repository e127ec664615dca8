"""Integration permissions and the roles that hold them."""

from gongzhi.core.roles import Role, register_permissions
from gongzhi.core.rules import add_scoped_perms

MANAGE_SOURCES = "integration.manage_sources"  # configure department sources and their mappings
IMPORT = "integration.import"  # take in a department's extract (file or API push)
REVIEW = "integration.review"  # resolve uncertain pairs and conflicts, merge and undo
VIEW_PROVENANCE = "integration.view_provenance"  # see where each field of a resident came from
DEPARTMENT_READ = "integration.department_read"  # a department reads the fields shared with it
MANAGE_SHARING = "integration.manage_sharing"  # decide which department kind reads which field

_WORKERS = (Role.GRID_WORKER, Role.COMMUNITY_WORKER, Role.COMMUNITY_HEAD, Role.STREET_STAFF)
for _role in _WORKERS:
    register_permissions(_role, {VIEW_PROVENANCE})
register_permissions(Role.STREET_STAFF, {REVIEW})
register_permissions(Role.DISTRICT_STAFF, {MANAGE_SOURCES, IMPORT, REVIEW, VIEW_PROVENANCE})
register_permissions(Role.DEPARTMENT_STAFF, {IMPORT, DEPARTMENT_READ})
register_permissions(Role.SYSTEM_ADMIN, {MANAGE_SHARING})

add_scoped_perms(MANAGE_SOURCES, IMPORT, REVIEW, VIEW_PROVENANCE, DEPARTMENT_READ, MANAGE_SHARING)
