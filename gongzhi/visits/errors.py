"""Error codes of grid work, each with its Chinese message."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from gongzhi.core.errors import ApplicationError, ErrorCatalogue


class VisitError(ApplicationError):
    pass


MESSAGES = {
    "future_visit": _("走访时间不能晚于现在。"),
    "backdated_visit": _("只能补记一天之内的走访，更早的走访不能补录。"),
    "future_capture": _("离线记录在手机上的登记时间晚于现在，请检查手机的日期和时间。"),
    "offline_too_old": _("离线记录在手机上保存超过%(days)d天才上传，不能再补录，请向社区负责人说明。"),
    "bad_capture": _("离线记录的登记时间无效。"),
    "met_required": _("请填写见到了谁。"),
    "situation_required": _("请填写走访情况。"),
    "too_long": _("“%(field)s”不能超过%(n)d个字。"),
    "bad_location": _("位置坐标无效。"),
    "bad_uuid": _("离线记录编号无效。"),
    "uuid_other_worker": _("该离线记录编号已被他人使用。"),
    "code_invalid": _("确认码不正确或已过期，请让住户重新获取。"),
    "no_phone": _(
        "该户没有登记手机号，确认码无法发送。走访照常记录，记为未经住户确认；请在走访时核实并补登手机号。"
    ),
    "code_used": _("该确认码已确认过一次走访，不能重复使用。"),
    "not_covering": _("该工作人员不是本社区的网格员或社区工作者。"),
    "other_community": _("该户不属于本社区。"),
    "bad_size": _("每人包户数须在5到1000之间。"),
    "no_workers": _("本社区还没有网格员或社区工作者，无法分配。"),
    "bad_month": _("月份无效。"),
    "bad_minimum": _("每月走访户数须在1到200之间。"),
    "title_required": _("请填写事项内容。"),
    "bad_deadline": _("办理期限不能早于今天。"),
    "bad_category": _("请选择事项类别。"),
    "answer_required": _("请填写答复内容。"),
    "wrong_state": _("该事项当前状态为“%(state)s”，不能%(action)s。"),
    "no_deliberation": _("议事协商模块尚未启用，暂不能转为议题。"),
    "no_council": _("本社区还没有议事会，暂不能转为议题。"),
    "bad_photo": _("照片格式不支持（仅限JPG、PNG、WEBP，单张不超过5MB）。"),
    "too_many_photos": _("最多上传%(n)d张照片。"),
    "bad_field": _("只能更正电话、工作单位或户籍地址。"),
    "not_member": _("该居民不是这一户的成员。"),
    "has_property_management": _("该小区有物业管理，不在老旧院落巡查范围内。"),
    "bad_item": _("请选择巡查项目。"),
    "description_required": _("请描述发现的问题（不超过300字）。"),
    "already_resolved": _("该问题已整改完成。"),
    "bad_date": _("“%(field)s”不是有效的日期，请写成 2026-05-17。"),
    "no_courtyards": _("请至少选择一个院落。"),
    "no_items": _("请至少选择一个巡查项目。"),
    "due_required": _("请填写应巡查日期（如 2026-05-17）。"),
    "due_past": _("应巡查日期不能早于今天。"),
    "due_too_far": _("应巡查日期不能晚于一年以后。"),
    "already_scheduled": _("“%(estate)s”在%(due)s已安排了巡查，请换一个日期。"),
    "provider_required": _("请选择服务组织，或填写服务提供方名称（如居民自管小组），两者只填一项。"),
    "provider_too_long": _("服务提供方名称不能超过60个字。"),
    "org_out_of_area": _("该组织不在本院落所在社区、街道或区的服务范围内。"),
    "no_services": _("请至少选择一项服务内容。"),
    "bad_fee": _("每户每月收费须在0到1000元之间，最多两位小数；不收费请留空。"),
    "start_required": _("请填写开始日期（如 2026-05-17）。"),
    "ends_before_start": _("结束日期不能早于开始日期。"),
    "overlapping_arrangement": _(
        "“%(estate)s”在这段时间已有准物业安排（%(provider)s，%(period)s），同一院落同一时间只能有一项安排。"
    ),
}
error = ErrorCatalogue(
    MESSAGES,
    VisitError,
    statuses={
        "overlapping_arrangement": 409,
        "already_scheduled": 409,
        "code_used": 409,
        "wrong_state": 409,
        "uuid_other_worker": 409,
    },
)
