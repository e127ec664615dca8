from django.utils.translation import gettext_lazy as _

from gongzhi.core.errors import ApplicationError, ErrorCatalogue


class ProjectsError(ApplicationError):
    pass


MESSAGES = {
    "title_required": _("请填写名称。"),
    "amount_invalid": _("金额应为大于0、小于100亿的数字（元）。"),
    "rubric_required": _("请至少设置一项评分细则。"),
    "grant_share": _("申请资助不能超过项目总预算的60%%（最多 %(max)s 元）。"),
    "call_closed": _("征集已截止或不在征集阶段。"),
    "not_your_organization": _("只能以您所在组织的名义申报和提交报告。"),
    "wrong_status": _("当前状态是“%(status)s”，不能执行此操作。"),
    "wrong_phase": _("征集当前是“%(phase)s”阶段，不能执行此操作。"),
    "not_expert": _("只能指派评审专家。"),
    "declare_first": _("请先声明是否存在利益冲突，再查看申报材料。"),
    "conflicted": _("您已声明存在利益冲突，不参加这份申报的评审。"),
    "known_tie": _("平台记录显示您与这份申报存在关联（%(tie)s），请如实声明利益冲突。"),
    "already_declared": _("已经声明过了。"),
    "already_submitted": _("评分已提交，不能修改。"),
    "score_invalid": _("每一项评分须为0至5的整数，且每项都要评分。"),
    "reviews_pending": _("还有 %(n)s 位专家未提交评分。"),
    "no_reviews": _("还没有专家完成评审。"),
    "approver_reviewed": _("参加评审的人不能审批或拨付同一项目。"),
    "budget_exceeded": _("立项总额将超过征集预算（剩余 %(left)s 元）。"),
    "gate_not_passed": _("这一期要在%(gate)s拨付，评估尚未通过。"),
    "report_late": _("自评报告逾期提交，下一期拨付暂停，需整改后重新评估。"),
    "previous_unpaid": _("请先拨付前一期。"),
    "already_paid": _("这一期已经拨付。"),
    "report_required": _("请填写自评报告。"),
    "not_published": _("评估结果公示后才能拨付。"),
}

error = ErrorCatalogue(
    MESSAGES,
    ProjectsError,
    statuses={"wrong_status": 409, "wrong_phase": 409, "already_paid": 409, "already_submitted": 409},
)

MESSAGES.update(
    {
        "title_too_long": _("名称不能超过100个字。"),
        "rubric_too_long": _("评分细则最多12项。"),
        "rubric_fixed": _("已有申报提交，评分细则不能再修改。"),
        "closes_required": _("请填写截止时间。"),
        "closes_in_past": _("截止时间必须晚于现在。"),
        "call_region": _("征集须由街道或区发布。"),
        "need_outside_call": _("这条需求所在社区不在本次征集的范围内。"),
        "need_met": _("这条需求已满足，不必再列入征集。"),
        "need_in_call": _("这条需求已列入本次征集。"),
        "item_exists": _("本次征集已有同名的征集项目。"),
        "community_outside_call": _("服务社区须是本次征集范围内的社区。"),
        "item_other_call": _("所选征集项目不属于本次征集。"),
        "matched_invalid": _("配套资金应为不小于0、且不超过项目总预算的金额。"),
        "target_invalid": _("计划服务户数和人数应为0至1000万之间的整数。"),
    }
)
MESSAGES.update(
    {
        "organization_barred": _(
            "该组织因违规被禁止申报至 %(until)s（%(reason)s），期间不能提交或获批申报。"
        ),
        "bar_months": _("禁止申报的期限应为1至%(max)s个月。"),
        "bar_reason": _("请写明违规情况。"),
        "bar_not_active": _("这条禁止申报记录已到期或已解除。"),
        "bar_lift_reason": _("请写明提前解除的原因。"),
    }
)
error.statuses.update({"organization_barred": 409, "bar_not_active": 409})
error.statuses.update({"need_in_call": 409, "item_exists": 409, "rubric_fixed": 409})
MESSAGES.update(
    {
        "budget_too_many": _("预算明细最多%(max)s行，现在有%(n)s行，请合并相近的科目。"),
        "funds_too_many": _("配套资金最多%(max)s行，现在有%(n)s行。"),
        "team_too_many": _("项目团队最多%(max)s人，现在有%(n)s人。"),
        "budget_line_format": _("预算明细第%(n)s行应写成“科目 单价 数量”，例如“活动费 500 12”。"),
        "budget_line_number": _(
            "预算明细第%(n)s行：单价和数量应为大于0的数字，不要写公式、单位或千位分隔符。"
        ),
        "budget_line_too_large": _("预算明细第%(n)s行：金额过大，请核对单价和数量。"),
        "fund_line_format": _("配套资金第%(n)s行应写成“来源 金额”，例如“街道配套 5000”。"),
        "fund_line_amount": _("配套资金第%(n)s行：金额应为大于0的数字，不要写公式、单位或千位分隔符。"),
        "team_line_format": _("项目团队第%(n)s行应写成“姓名 分工 是否持证社工”，例如“王芳 项目主管 是”。"),
        "line_formula": _("%(what)s第%(n)s行不能以 = + - @ 开头（表格软件会把它当作公式）。"),
        "budget_mismatch": _("项目总预算 %(total)s 元与预算明细合计 %(sum)s 元不一致，请改正总预算或明细。"),
        "matched_mismatch": _("配套资金 %(total)s 元与配套资金明细合计 %(sum)s 元不一致。"),
        "budget_required": _("请填写项目总预算，或填写预算明细由系统合计。"),
        "contract_exists": _("这个项目的合同已经登记，登记后不能修改。"),
        "contract_number": _("请填写合同编号（最多40个字）。"),
        "contract_number_taken": _("这个合同编号已被其他项目使用。"),
        "contract_date": _("请填写签订日期，且不能晚于今天、不能早于立项日期。"),
    }
)
error.statuses.update({"contract_exists": 409, "contract_number_taken": 409})
MESSAGES.update(
    {
        "beneficiaries_required": _("请填写受益户的户编号，每行一个。"),
        "beneficiaries_too_many": _("一次最多登记%(max)s户。"),
        "household_unknown": _("本社区的户籍登记中没有这些户编号：%(numbers)s。"),
        "sample_drawn": _("这次评估已经抽过样了。"),
        "no_beneficiaries": _("项目还没有登记受益户，无法抽样。"),
        "sample_size": _("抽样户数应为1至%(max)s之间的整数。"),
        "no_sample": _("请先抽取回访样本。"),
        "satisfaction_score": _("满意度应为1至5的整数。"),
        "already_answered": _("这一户已经回访过了，每户只记录一次。"),
    }
)
error.statuses.update({"sample_drawn": 409, "already_answered": 409})
