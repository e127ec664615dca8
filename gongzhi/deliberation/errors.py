from django.utils.translation import gettext_lazy as _

from gongzhi.core.errors import ApplicationError, ErrorCatalogue


class DeliberationError(ApplicationError):
    pass


MESSAGES = {
    "no_community_council": _("本社区还没有议事会，请先在议事协商中建立社区议事会。"),
    "wrong_state": _("议题当前状态为“%(state)s”，不能%(step)s。"),
    "poll_wrong_state": _("表决当前状态为“%(state)s”，不能%(step)s。"),
    "no_household": _("您的账号尚未关联户籍登记，无法以户为单位支持或投票。请联系社区工作人员。"),
    "no_person": _("您的账号尚未关联居民登记，无法投票。请联系社区工作人员。"),
    "already_supported": _("您家已经支持过这个议题。"),
    "outside_council": _("您家不在该议事会的范围内。"),
    "title_required": _("请填写议题名称。"),
    "reason_required": _("请填写理由。"),
    "deadline_past": _("接收期限须晚于今天。"),
    "same_council": _("不能转介给本议事会。"),
    "not_adjacent": _("只能转介给上一级或下一级议事会。"),
    "merge_target": _("只能合并到同一议事会中尚未议定的另一个议题。"),
    "outcome_required": _("请选择解决方式。"),
    "demands_outside": _("所选诉求不在您的管辖范围内，或不属于该议事会的辖区。"),
    "already_voted": _("您已经投过票了（每人每次表决只能投一票，网上和纸质选票只能选其一）。"),
    "outside_region": _("您不在本次投票的范围（%(region)s）内。"),
    "under_age": _("本次投票仅限年满 %(age)d 周岁的居民参加。"),
    "not_member": _("本次表决仅限该议事会成员参加。"),
    "not_owner": _("本次表决仅限该小区的业主参加（以房屋产权登记为准）。"),
    "not_in_roll": _("您不在本次投票的名册中（名册在投票开始时确定）。"),
    "poll_closed": _("投票已截止。"),
    "bad_option": _("请选择一个有效的选项。"),
    "bad_code": _("选票码无效。"),
    "code_used": _("该选票码已经使用过。"),
    "no_options": _("表决至少需要两个选项。"),
    "deadline_required": _("请填写截止时间，且须晚于现在。"),
    "progress_range": _("进度须在 0 到 100 之间，且不低于上次填报的进度。"),
}
STATUSES = {
    "already_voted": 409,
    "code_used": 409,
    "already_supported": 409,
    "wrong_state": 409,
    "poll_wrong_state": 409,
}

error = ErrorCatalogue(MESSAGES, DeliberationError, statuses=STATUSES)
