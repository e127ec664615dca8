from django.utils.translation import gettext_lazy as _

from gongzhi.core.errors import ApplicationError, ErrorCatalogue


class ElectionError(ApplicationError):
    pass


MESSAGES = {
    "exists": _("本社区该届选举已登记。"),
    "bad_term": _("届次须为四位年份。"),
    "bad_seats": _("职数须在3到9之间。"),
    "wrong_state": _("选举当前状态为“%(state)s”，不能进行此操作。"),
    "on_other_roll": _("有居民已在本区同届其他社区的选民名单上，每人只能登记一处。"),
    "not_on_roll": _("该居民不在本次选举的选民名单上。"),
}
error = ErrorCatalogue(MESSAGES, ElectionError, statuses={"wrong_state": 409, "on_other_roll": 409})
