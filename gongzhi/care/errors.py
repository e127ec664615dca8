from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from gongzhi.core.errors import ApplicationError, ErrorCatalogue


class CareError(ApplicationError):
    pass


MESSAGES = {
    "not_elderly": _("照护档案只为60岁及以上的在册居民建立。"),
    "profile_exists": _("该居民已有照护档案。"),
    "consent_required": _("须记录紧急联系人本人同意后才能登记。"),
    "name_required": _("请填写联系人姓名。"),
    "bad_phone": _("联系电话格式不正确。"),
    "serial_exists": _("该设备编号已登记。"),
    "bad_serial": _("设备编号须为1到30位字母、数字或连字符。"),
    "device_unknown": _("未登记的一键通设备。"),
    "call_id": _("呼叫编号须为 1–64 个可打印字符。"),
    "device_inactive": _("该一键通设备已停用。"),
    "bad_level": _("请选择失能等级。"),
    "bad_date": _("日期格式不正确。"),
    "already_answered": _("该呼叫已处理。"),
    "bad_outcome": _("请选择处理方式。"),
    "meal_logged": _("该老人今天已登记过用餐。"),
    "not_enrolled": _("该老人未在此助餐点登记助餐。"),
    "enrolled": _("该老人已登记助餐。"),
    "enrolment_ended": _("该助餐登记已结束。"),
    "bad_point": _("请选择本社区的助餐点。"),
    "profile_required": _("请选择老人。"),
    "not_provider": _("服务机构须为本区登记的社会组织或企业。"),
    "bad_hours": _("每月服务时长须在1到200小时之间。"),
    "not_entitled": _("该老人不符合政府购买居家养老服务的条件（见核定依据）。"),
    "over_entitlement": _("每月服务时长不能超过核定的%(n)s小时。"),
    "bad_minutes": _("单次服务时长须在10到480分钟之间。"),
    "content_required": _("请填写服务内容。"),
    "before_order": _("服务时间早于工单开始日期。"),
    "bad_rate": _("每小时单价须大于0元、不超过500元，最多两位小数。"),
    "rate_locked": _("该工单已有老人或家属确认的服务记录，单价不能再改；如需调整，请结束后另下工单。"),
    "point_name_required": _("请填写助餐点名称（不超过60个字）。"),
    "point_name_taken": _("本社区已有同名的助餐点“%(name)s”。"),
    "address_too_long": _("地址不能超过200个字。"),
    "bad_operator": _("运营机构须为本社区所在区内登记的组织。"),
    "bad_capacity": _("每日供餐能力须为1到1000之间的整数（份）。"),
    "no_opening_days": _("请至少选择一个开放日。"),
    "bad_community": _("请选择您负责的社区。"),
    "other_provider": _("该服务工单不属于您的机构。"),
    "already_confirmed": _("该服务记录已确认。"),
    "confirmer_required": _("请填写确认人（老人本人或家属）。"),
    "future_time": _("时间不能晚于现在。"),
    "stale_time": _("呼叫时间不能早于%(n)s天前。"),
}
error = ErrorCatalogue(
    MESSAGES,
    CareError,
    statuses={
        "already_answered": 409,
        "meal_logged": 409,
        "already_confirmed": 409,
        "device_unknown": 404,
        "device_inactive": 409,
        "enrolment_ended": 409,
        "point_name_taken": 409,
        "rate_locked": 409,
    },
)
