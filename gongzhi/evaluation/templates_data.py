"""The shipped templates: Ningbo's seven aspects residents rate their community on, and ten aspects
communities rate departments on (tasks pushed down, campaigns, funding following tasks, style…)."""

COMMUNITY_ASPECTS = [
    ("社区服务", "您对社区提供的便民服务（办事、咨询、代办）满意吗？"),
    ("环境卫生", "您对小区和社区公共区域的环境卫生满意吗？"),
    ("治安秩序", "您对社区的治安和居住安全满意吗？"),
    ("居务公开", "社区的财务、事务公开是否让您满意？"),
    ("办事效率", "您向社区反映的问题，处理得及时吗？"),
    ("干部作风", "您对社区工作人员的服务态度和作风满意吗？"),
    ("居民参与", "您对社区组织居民议事、参与活动的情况满意吗？"),
]

DEPARTMENT_ASPECTS = [
    ("下派任务", "该部门下派社区的任务是否都经过准入？"),
    ("创建评比", "该部门在社区开展的创建评比是否适量？"),
    ("费随事转", "该部门交办事项的经费是否随事转移到位？"),
    ("台账报表", "该部门要求社区填报的台账报表负担是否合理？"),
    ("检查考核", "该部门对社区的检查考核频次是否合理？"),
    ("业务指导", "该部门对社区的业务指导和培训是否有用？"),
    ("办事效率", "社区向该部门反映的事项，办理是否及时？"),
    ("工作作风", "该部门工作人员的作风是否务实、尊重社区？"),
    ("沟通协调", "该部门与社区的沟通协调是否顺畅？"),
    ("政策落实", "该部门在社区落实惠民政策的情况是否满意？"),
]

TEMPLATES = {"community": COMMUNITY_ASPECTS, "department": DEPARTMENT_ASPECTS}
