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
}
error = ErrorCatalogue(MESSAGES, FacilitiesError, statuses={"standard_changed": 409})
