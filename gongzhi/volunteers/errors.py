"""Error codes of the volunteers app, each with its Chinese message."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from gongzhi.core.errors import ApplicationError, ErrorCatalogue


class VolunteerError(ApplicationError):
    pass


MESSAGES = {
    "no_person": _("您的账号还没有关联居民登记信息，请到社区办理实名登记。"),
    "already_volunteer": _("该居民已经是注册志愿者。"),
    "not_volunteer": _("请先注册成为志愿者。"),
    "person_elsewhere": _("该居民不在您的管辖社区。"),
    "name_required": _("请填写名称。"),
    "team_exists": _("本社区已有同名的志愿服务队。"),
    "team_other_community": _("志愿服务队与活动不在同一社区。"),
    "leader_not_member": _("队长须是本社区的注册志愿者。"),
    "place_required": _("请填写活动地点。"),
    "bad_coefficient": _("积分系数须在 0 到 5 之间。"),
    "bad_times": _("结束时间须晚于开始时间，且班次不能超过12小时。"),
    "bad_places": _("需要人数须在 1 到 500 之间。"),
    "shift_past": _("该班次已经开始或结束，不能再报名。"),
    "already_signed_up": _("您已报名该班次。"),
    "overlap": _("您在这个时间段已报名了其他班次。"),
    "background_check": _("该活动需要背景审查，请先到社区办理。"),
    "not_signed_up": _("您没有报名该班次。"),
    "cannot_cancel": _("班次已开始，不能取消报名。"),
    "bad_code": _("签到码无效或已过期，请扫描现场最新的二维码。"),
    "no_shift_now": _("您在该活动现在没有可签到的班次（开始前30分钟至结束时可签到）。"),
    "already_checked_in": _("您已签到，不能重复签到。"),
    "not_checked_in": _("您还没有签到。"),
    "already_checked_out": _("您已签退。"),
    "bad_hours": _("时长须大于0且不超过%(cap)s小时。"),
    "day_cap": _("该志愿者当天的服务时长将超过%(cap)s小时上限。"),
    "reason_required": _("请写明更正或补录的原因。"),
    "correction_too_large": _("更正后的时长不能小于0。"),
    "bad_date": _("服务日期不能晚于今天。"),
    "out_of_stock": _("该物品已兑完。"),
    "bad_stock": _("库存和所需积分须为正整数。"),
    "bad_period": _("请填写服务起止日期：起始不晚于截止，截止不晚于今天。"),
    "no_hours_in_period": _("该志愿者在这段时间没有本单位记录的服务时长，不能出具证明。"),
    "certificate_code": _("未找到该证明，请核对验证码。"),
    "already_revoked": _("该证明已作废。"),
    "bad_rule_points": _("每次积分须在 1 到 1000 之间。"),
    "rule_exists": _("本社区已有同名的积分项目。"),
    "rule_inactive": _("该积分项目已停用。"),
    "occasion_required": _("请填写场次，如“11月居民议事会”。"),
    "no_volunteers": _("请填写获得积分的志愿者编号。"),
    "unknown_volunteers": _("以下编号不是您管辖社区的志愿者：%(numbers)s"),
}

error = ErrorCatalogue(
    MESSAGES,
    VolunteerError,
    statuses={
        "already_volunteer": 409,
        "already_signed_up": 409,
        "overlap": 409,
        "already_checked_in": 409,
        "already_checked_out": 409,
        "out_of_stock": 409,
        "team_exists": 409,
        "already_revoked": 409,
        "rule_exists": 409,
    },
)
