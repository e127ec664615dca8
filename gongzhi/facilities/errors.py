"""Error codes of the facilities register, each with its Chinese message."""

from django.utils.translation import gettext_lazy as _

from gongzhi.core.errors import ApplicationError, ErrorCatalogue


class FacilitiesError(ApplicationError):
    pass


MESSAGES = {
    "not_community": _("所选地区必须是社区一级。"),
    "bad_area": _("面积必须是大于0的数字。"),
    "bad_choice": _("所选项目无效。"),
    "name_required": _("请填写名称。"),
    "name_taken": _("本社区已有同名记录。"),
    "bad_location": _("位置坐标无效。"),
    "standard_changed": _("该标准刚刚被他人修改，请刷新后重试。"),
    "bad_parameters": _("标准参数不完整：%(missing)s。"),
    "bad_amount": _("金额必须是不为0的数字，最多两位小数。"),
    "bad_date": _("日期无效。"),
    "bad_period": _("年度或月份无效。"),
    "voucher_required": _("请填写凭证号。"),
    "voucher_taken": _("本社区已登记过这个凭证号。"),
    "not_funding": _("所选标准不是经费或报酬标准。"),
    "staff_required": _("干部报酬须指明领取人。"),
    "staff_elsewhere": _("领取人不属于本社区。"),
    "space_elsewhere": _("所选场地不属于该用房所在社区。"),
    "space_taken": _("所选场地已对应另一处社区用房。"),
}
error = ErrorCatalogue(
    MESSAGES, FacilitiesError, statuses={"standard_changed": 409, "voucher_taken": 409, "space_taken": 409}
)
