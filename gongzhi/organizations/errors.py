from django.utils.translation import gettext_lazy as _

from gongzhi.core.errors import ApplicationError, ErrorCatalogue


class OrganizationsError(ApplicationError):
    pass


MESSAGES = {
    "name_required": _("请填写名称。"),
    "name_too_long": _("名称不能超过120个字。"),
    "kind_invalid": _("组织类别不正确。"),
    "duplicate": _("该区域已登记同名的同类组织。"),
    "credit_code_invalid": _("统一社会信用代码应为18位数字或大写字母。"),
    "choice_invalid": _("“%(value)s”不是有效的%(label)s。"),
    "number_invalid": _("%(label)s应为不小于0的整数。"),
    "social_workers_exceed_staff": _("持证社工人数不能多于专职人员人数。"),
    "region_not_found": _("找不到区域“%(code)s”。"),
    "not_community": _("“%(name)s”不是社区，服务社区必须是社区一级。"),
    "region_out_of_scope": _("“%(name)s”不在您的管辖范围内。"),
    "not_unit": _("只有驻区单位才能签订共驻共建协议。"),
    "dates_invalid": _("到期日期必须晚于签订日期。"),
    "date_invalid": _("日期“%(value)s”格式不正确，应为 YYYY-MM-DD。"),
    "date_required": _("请填写%(label)s。"),
    "agreement_exists": _("该单位当天已与该社区签订过协议。"),
    "resource_invalid": _("承诺资源的数量必须大于0。"),
    "estate_not_found": _("找不到小区“%(name)s”。"),
    "term_invalid": _("任期届满日期必须晚于任期开始日期。"),
    "members_invalid": _("业委会委员人数应为3至11人。"),
    "term_exists": _("该小区已登记这一届业委会。"),
    "import_empty": _("文件是空的，或只有表头。"),
    "import_no_header": _("找不到表头。第一行应为列名：%(cols)s。请下载模板填写。"),
    "import_too_large": _("一次最多导入%(n)s行，请分批导入。"),
    "register_invalid": _("没有这个名册。"),
}

error = ErrorCatalogue(
    MESSAGES, OrganizationsError, statuses={"duplicate": 409, "agreement_exists": 409, "term_exists": 409}
)

MESSAGES.update(
    {
        "space_inactive": _("该场地已停用，暂不接受预约。"),
        "time_order": _("结束时间必须晚于开始时间。"),
        "not_same_day": _("一次预约须在同一天内。"),
        "closed_day": _("该场地这天不开放。"),
        "outside_hours": _("预约时间须在开放时间 %(opens)s–%(closes)s 之内。"),
        "slot_misaligned": _("预约须按 %(minutes)s 分钟一个时段，从整时段开始。"),
        "too_many_people": _("人数超过场地容纳人数（%(capacity)s 人）。"),
        "in_the_past": _("不能预约已经开始的时段。"),
        "beyond_window": _("最多只能提前 %(days)s 天预约。"),
        "quota_exceeded": _("超出每周限额：本周已预约 %(used)s 小时，限额 %(quota)s 小时。"),
        "residents_not_allowed": _("该场地不接受居民个人预约。"),
        "organizations_not_allowed": _("该场地不接受组织预约。"),
        "slot_taken": _("该时段已被预约，请选择其他时段。"),
        "series_slot_taken": _("%(date)s 的时段已被预约，整个周期预约未提交。"),
        "series_weeks": _("周期预约为2至26周。"),
        "purpose_required": _("请填写用途。"),
        "not_your_booking": _("只能取消自己的预约。"),
        "already_started": _("预约已经开始，不能取消。"),
        "check_in_window": _("只能在预约开始前30分钟至结束前签到。"),
        "no_show_too_early": _("预约开始15分钟后才能登记未到场。"),
        "wrong_status": _("这个预约当前是“%(status)s”，不能执行此操作。"),
        "time_invalid": _("时间格式不正确。"),
    }
)
error.statuses.update({"slot_taken": 409, "series_slot_taken": 409, "wrong_status": 409})

MESSAGES.update(
    {
        "title_required": _("请填写需求内容。"),
        "need_exists": _("已有相同的需求，已为您附议。"),
        "already_supported": _("您家已经附议过这条需求。"),
        "match_partner_required": _("请选择对接的组织或资源。"),
        "match_other_community": _("对接的组织或资源不服务该社区。"),
        "already_matched": _("该需求已与这个组织或资源对接。"),
        "field_invalid": _("服务领域不正确。"),
    }
)
error.statuses.update({"already_matched": 409, "already_supported": 409})

MESSAGES.update(
    {
        "members_fewer_than_recorded": _("已登记 %(n)s 名委员，委员人数不能少于已登记的人数。"),
        "not_an_owner": _("登记记录中此人不是“%(estate)s”的业主，业委会委员须为本小区业主。"),
        "committee_full": _("这一届业委会已登记满 %(n)s 名委员。"),
        "director_exists": _("这一届业委会已有主任，请先移除原主任。"),
        "member_exists": _("此人已是这一届业委会的委员。"),
        "region_not_allowed": _("所在区域应为区、街道或社区。"),
        "owner_not_serving": _("提供单位须为服务该社区的驻区单位或社会组织。"),
        "hours_invalid": _("关闭时间必须晚于开放时间。"),
        "slot_invalid": _("时段长度应为15至480分钟，并且开放时长要能按时段整分。"),
        "weekdays_invalid": _("请至少选择一个开放日。"),
        "capacity_invalid": _("容纳人数应为1至10000人。"),
        "area_invalid": _("面积应为大于0的数字（平方米）。"),
        "price_invalid": _("每小时价格应为不小于0的金额。"),
        "quota_invalid": _("每人每周限额应为0至168小时。"),
        "window_invalid": _("可提前预约天数应为1至180天。"),
        "space_name_taken": _("本社区已有同名的场地。"),
        "need_closed": _("这条需求已满足，不能再转为项目或活动。"),
    }
)
error.statuses.update(
    {"space_name_taken": 409, "member_exists": 409, "director_exists": 409, "committee_full": 409}
)

MESSAGES.update(
    {
        "not_property_company": _("只有物业公司才能登记管理的小区。"),
        "estate_out_of_scope": _("小区“%(name)s”不在您的管辖范围内。"),
        "estate_outside_company_region": _("小区“%(name)s”不在“%(company)s”的登记区域（%(region)s）内。"),
        "estate_managed_by_other": _(
            "小区“%(name)s”现由“%(company)s”管理。确认已更换物业后，请勾选“从其他物业公司移交”再提交。"
        ),
        "estates_required": _("请选择要添加的小区。"),
        "estate_not_managed": _("小区“%(name)s”不由“%(company)s”管理。"),
        "estate_name_not_found": _("在“%(region)s”（您的管辖范围内）找不到小区“%(name)s”。"),
        "estate_name_ambiguous": _(
            "“%(region)s”范围内有多个小区叫“%(name)s”（%(communities)s），请写成“社区名/小区名”。"
        ),
        "estate_names_invalid": _("管理小区有误，本行未导入：%(problems)s"),
        "estate_managed_by_other_import": _(
            "小区“%(name)s”现由“%(company)s”管理。确认已更换物业后，请在“移交”列填“是”再导入。"
        ),
        "estate_ids_not_found": _("找不到这些小区，或不在您的管辖范围内：%(ids)s。"),
    }
)
error.statuses.update({"estate_out_of_scope": 403, "estate_managed_by_other": 409})

MESSAGES.update(
    {
        "resource_kind_invalid": _("资源类型不正确，应为场地、设备、技能、资金、志愿时间或物资。"),
        "resource_description_required": _("请填写资源说明。"),
        "resource_unit_required": _("请填写计量单位（如 小时/周、元/年）。"),
        "resource_used_exceeds": _("已使用数量（%(used)s）不能多于承诺数量。"),
        "agreement_expired": _("这份共驻共建协议已到期，不能再登记资源。"),
        "offer_need_closed": _("这条需求已满足，不再接受资源认领。"),
        "offer_exists": _("这项资源已认领过这条需求。"),
        "offer_already_matched": _("这项资源已与这条需求对接。"),
        "offer_not_open": _("这条认领已处理（%(status)s）。"),
    }
)
error.statuses.update({"offer_exists": 409, "offer_already_matched": 409, "offer_not_open": 409})
