"""Public-benefit funding permissions (declared in projects/manifest.py), all scoped.

| permission         | who                                                      |
|--------------------|----------------------------------------------------------|
| projects.view      | community worker/head, street, district, social-org staff, experts |
| projects.apply     | social-org staff (for their own organisation)           |
| projects.manage    | street and district staff: calls, revisions, reviewers, notices |
| projects.approve   | street and district staff: approval, payments            |
| projects.review    | experts                                                  |
"""

from gongzhi.core.roles import Role

VIEW = "projects.view"
APPLY = "projects.apply"
MANAGE = "projects.manage"
APPROVE = "projects.approve"
REVIEW = "projects.review"

ROLE_PERMISSIONS: dict[str, set[str]] = {
    Role.COMMUNITY_WORKER: {VIEW},
    Role.COMMUNITY_HEAD: {VIEW},
    Role.STREET_STAFF: {VIEW, MANAGE, APPROVE},
    Role.DISTRICT_STAFF: {VIEW, MANAGE, APPROVE},
    Role.SOCIAL_ORG_STAFF: {VIEW, APPLY},
    Role.EXPERT: {VIEW, REVIEW},
}
SCOPED = (VIEW, APPLY, MANAGE, APPROVE, REVIEW)
