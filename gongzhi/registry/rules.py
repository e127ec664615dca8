"""Registry permissions and the roles that hold them (declared in registry/manifest.py).

| permission               | who                                                                  |
|--------------------------|----------------------------------------------------------------------|
| registry.view_person     | grid, community, street, district staff (scoped; masked)             |
| registry.change_person   | grid worker, community worker/head                                   |
| registry.reveal_person   | grid, community, street, district staff, stating a purpose (logged)  |
| registry.import_person   | community worker/head, district staff                                |
| registry.export_person   | community worker/head, street and district staff (masked, logged)    |
| registry.manage_places   | community worker/head                                                |
"""

from gongzhi.core.roles import Role

VIEW_PERSON = "registry.view_person"  # see residents (masked)
CHANGE_PERSON = "registry.change_person"  # add and edit residents, households, dwellings
REVEAL_PERSON = "registry.reveal_person"  # see full identity number / phone, stating a purpose
IMPORT_PERSON = "registry.import_person"  # import residents from a spreadsheet
EXPORT_PERSON = "registry.export_person"  # export residents to Excel (masked)
MANAGE_PLACES = "registry.manage_places"  # grids, estates, buildings

_WORK = {VIEW_PERSON, CHANGE_PERSON, REVEAL_PERSON, EXPORT_PERSON}

ROLE_PERMISSIONS: dict[str, set[str]] = {
    Role.GRID_WORKER: _WORK - {EXPORT_PERSON},
    Role.COMMUNITY_WORKER: _WORK | {IMPORT_PERSON, MANAGE_PLACES},
    Role.COMMUNITY_HEAD: _WORK | {IMPORT_PERSON, MANAGE_PLACES},
    Role.STREET_STAFF: {VIEW_PERSON, REVEAL_PERSON, EXPORT_PERSON},
    Role.DISTRICT_STAFF: {VIEW_PERSON, REVEAL_PERSON, EXPORT_PERSON, IMPORT_PERSON},
    # Departments read residents only through their sharing rules (integration.department_read:
    # the fields their kind may read, every read logged), never through the register itself.
}
SCOPED = (VIEW_PERSON, CHANGE_PERSON, REVEAL_PERSON, IMPORT_PERSON, EXPORT_PERSON, MANAGE_PLACES)
