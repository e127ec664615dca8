from gongzhi.core.roles import Role

MANAGE = "evaluation.manage"  # build surveys, draw samples, open and close
VISIT = "evaluation.visit"  # record a household's answers on a visit
RATE_DEPARTMENTS = "evaluation.rate_departments"  # a community rates departments
VIEW_RESULTS = "evaluation.view_results"  # results of communities in scope
VIEW_DEPARTMENT_RESULTS = "evaluation.view_department_results"  # aggregated results of one's department

ROLE_PERMISSIONS: dict[str, set[str]] = {
    Role.DISTRICT_STAFF: {MANAGE, VIEW_RESULTS},
    Role.STREET_STAFF: {VIEW_RESULTS},
    Role.COMMUNITY_HEAD: {VISIT, RATE_DEPARTMENTS, VIEW_RESULTS},
    Role.COMMUNITY_WORKER: {VISIT, VIEW_RESULTS},
    Role.GRID_WORKER: {VISIT},
    Role.DEPARTMENT_STAFF: {VIEW_DEPARTMENT_RESULTS},
}
SCOPED = (MANAGE, VISIT, RATE_DEPARTMENTS, VIEW_RESULTS, VIEW_DEPARTMENT_RESULTS)
