"""Error codes of the demands module, each with its Chinese message."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from gongzhi.core.errors import ApplicationError, ErrorCatalogue


class DemandError(ApplicationError):
    pass


MESSAGES = {
    "title_required": _("请填写诉求标题。"),
    "title_too_long": _("标题不能超过100个字。"),
    "body_required": _("请描述您的诉求。"),
    "body_too_long": _("诉求内容不能超过4000个字。"),
    "community_required": _("请选择诉求所在的社区。"),
    "not_community": _("诉求所在地必须是社区（村）一级。"),
    "building_not_found": _("所选楼栋不存在。"),
    "place_other_community": _("所选小区或楼栋不属于该社区。"),
    "bad_location": _("位置坐标无效。"),
    "bad_phone": _("联系电话格式不正确，请填写11位手机号或带区号的固定电话。"),
    "phone_required": _("请留下联系电话，以便回访。"),
    "bad_channel": _("不支持的诉求来源渠道。"),
    "open311_channel": _("居民请通过“app”渠道提交诉求；Open311 渠道只用于 Open311 接口（/open311/）。"),
    "too_many_photos": _("最多上传%(n)d张照片。"),
    "bad_photo": _("照片格式不支持（仅限JPG、PNG、WEBP，单张不超过5MB）。"),
    "wrong_state": _("诉求当前状态为“%(state)s”，不能%(action)s。"),
    "category_required": _("请先为诉求选择分类。"),
    "category_not_leaf": _("请选择具体的二级分类。"),
    "unit_inactive": _("该承办单位已停用。"),
    "unit_out_of_area": _("该承办单位不负责诉求所在地区。"),
    "not_unit_member": _("只有承办单位的工作人员才能办理该诉求。"),
    "already_signed": _("该诉求已被签收，无需重复签收。"),
    "return_window_passed": _("已超过退单时限（派单后%(limit)s内），不能退单，请申请延期或按时办理。"),
    "return_reason_required": _("请填写退单理由。"),
    "return_already_refused": _("本次派单的退单申请已被驳回，不能再次退单。"),
    "no_pending_return": _("没有待审核的退单申请。"),
    "extension_after_deadline": _("办理时限已过，不能再申请延期。"),
    "extension_pending": _("已有待审核的延期申请。"),
    "extension_reason_required": _("请填写延期理由。"),
    "extension_days_range": _("延期天数应为1–30个工作日。"),
    "extension_limit": _("每件诉求最多延期%(n)d次。"),
    "no_pending_extension": _("没有待审核的延期申请。"),
    "remind_after_deadline": _("办理时限已过，请使用“督办”。"),
    "supervise_before_deadline": _("尚未超过办理时限，请使用“催办”。"),
    "reply_required": _("请填写答复内容。"),
    "resolution_kind_required": _("请选择解决方式。"),
    "satisfaction_required": _("请选择满意度。"),
    "resolved_required": _("请选择问题是否已解决。"),
    "no_contact_phone": _("提交人没有留下联系电话。"),
    "contact_not_allowed": _("只有回访人员或承办单位的工作人员才能查看联系电话。"),
    "not_owner": _("只有提交诉求的居民本人才能评价。"),
    "phone_mismatch": _("联系电话与提交诉求时留下的不一致。"),
    "reopen_not_needed": _("居民满意且问题已解决，无需重新办理。"),
    "reopen_limit": _("该诉求已重新办理%(n)d次，请转上级协调。"),
    "close_unsatisfied": _("居民不满意或问题未解决，请先重新办理，或由上级确认后办结。"),
    "note_too_long": _("说明不能超过1000个字。"),
    "bad_period": _(
        "统计期格式不正确：请选择月份（如2026-03）、季度（2026-Q1）、年份（2026）或起止月份（2025-01~2026-12）。"
    ),
    "period_too_long": _("统计期最长%(n)d个月，请缩短起止月份。"),
    "bad_idempotency_key": _("Idempotency-Key 应为1–100个可见的ASCII字符。"),
    "idempotency_key_reused": _("该 Idempotency-Key 已用于另一件内容不同的诉求，请换一个新的键。"),
}


error = ErrorCatalogue(
    MESSAGES,
    DemandError,
    statuses={"wrong_state": 409, "already_signed": 409, "idempotency_key_reused": 409},
)
