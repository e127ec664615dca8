from django.utils.translation import gettext_lazy as _

from gongzhi.core.errors import ApplicationError, ErrorCatalogue


class EvaluationError(ApplicationError):
    pass


MESSAGES = {
    "not_open": _("该问卷当前为“%(state)s”，不能执行此操作。"),
    "not_draft": _("问卷已开始，不能再修改题目或抽样。"),
    "code_invalid": _("验证码不正确，或已经使用过。"),
    "already_answered": _("该户已经作答，每户只能回答一次。"),
    "answer_missing": _("第 %(n)s 题还没有回答。"),
    "answer_range": _("第 %(n)s 题的分值应在 1 到 %(max)s 之间。"),
    "sample_size": _("每个社区的样本户数应在 1 到 1000 之间。"),
    "no_households": _("所选社区在居民信息库中没有住户，无法抽样。"),
    "already_rated": _("本社区已经评议过该部门。"),
    "wrong_target": _("这份问卷不是用于此项评议的。"),
    "not_district": _("请选择一个区。"),
    "text": _("请填写题目。"),
    "item_question": _("只能在居民评社区问卷中，以量表题评议本区已准入的事项。"),
}
STATUSES = {"not_open": 409, "not_draft": 409, "already_answered": 409, "already_rated": 409}
error = ErrorCatalogue(MESSAGES, EvaluationError, statuses=STATUSES)
