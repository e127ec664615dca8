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
    "bad_age": _("最低年龄须在 0 到 120 岁之间。"),
    "estate_required": _("业主表决须选择本议事会辖区内的一个小区。"),
    "no_council_for_demands": _("这些诉求所在的社区（或街道）还没有议事会，请先建立议事会。"),
    # meetings
    "meeting_wrong_state": _("会议当前状态为“%(state)s”，不能%(step)s。"),
    "meeting_title": _("请填写会议名称。"),
    "meeting_in_past": _("会议时间须晚于现在。"),
    "meeting_end_order": _("结束时间须晚于开始时间。"),
    "meeting_place": _("请填写会议地点，或线上会议链接（以 http:// 或 https:// 开头）。"),
    "agenda_topic": _("议程中的议题须是本议事会尚未议定的议题。"),
    "signin_too_early": _("会前一小时才能开始签到。"),
    "not_council_member": _("您不是本议事会的成员（或不在任期内），无需签到。"),
    "already_signed_in": _("您已经签到了。"),
    "bad_signin_code": _("签到码不正确或已过期，请看门口屏幕上的最新签到码。"),
    "signin_locked": _("签到码错误次数过多，请十分钟后再试，或请工作人员代签。"),
    "members_required": _("请选择到会的成员。"),
    "minutes_required": _("请先填写会议纪要，再提请审定。"),
    "opinion_side": _("请选择发言方和意见。"),
    "opinion_text": _("请填写发言要点。"),
    # online discussion
    "discussion_not_open": _("这个议题还没有开放网上讨论。"),
    "discussion_closed": _("网上讨论已于 %(at)s 截止，不能再发言。"),
    "discussion_close_time": _("讨论截止时间须晚于现在。"),
    "comment_empty": _("请填写发言内容（不超过 2000 字）。"),
    "comment_outside": _("只有本议事会辖区的居民可以参加讨论。"),
    "comment_parent": _("只能回复本议题下已发布的发言。"),
    "comment_too_deep": _("回复层级太深，请回复上一层的发言。"),
    "comment_wrong_state": _("这条发言当前状态为“%(state)s”，不能%(step)s。"),
    "own_comment": _("不能举报自己的发言。"),
    "no_reports": _("这条发言没有待处理的举报。"),
    "already_reported": _("您已经举报过这条发言，工作人员会尽快处理。"),
}
STATUSES = {
    "meeting_wrong_state": 409,
    "comment_wrong_state": 409,
    "already_signed_in": 409,
    "already_reported": 409,
    "discussion_closed": 409,
    "already_voted": 409,
    "code_used": 409,
    "already_supported": 409,
    "wrong_state": 409,
    "poll_wrong_state": 409,
}

error = ErrorCatalogue(MESSAGES, DeliberationError, statuses=STATUSES)
