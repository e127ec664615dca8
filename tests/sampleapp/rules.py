from gongzhi.core.roles import Role

VIEW = "sampleapp.view"
ROLE_PERMISSIONS = {Role.COMMUNITY_WORKER: {VIEW}, Role.STREET_STAFF: {VIEW}}
