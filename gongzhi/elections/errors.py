from django.utils.translation import gettext_lazy as _

from gongzhi.core.errors import ApplicationError, ErrorCatalogue


class ElectionError(ApplicationError):
    pass


MESSAGES = {
    "exists": _("本社区该届选举已登记。"),
    "bad_term": _("届次须为四位年份。"),
    "bad_seats": _("职数须在3到9之间。"),
    "bad_method": _("请选择选举方式。"),
    "bad_date": _("请填写有效的选举日。"),
    "past_date": _("选举日不能早于今天。"),
    "wrong_state": _("选举当前状态为“%(state)s”，不能%(step)s。"),
    "roll_drawn": _("选民名单已生成。"),
    "no_roll": _("请先生成选民名单。"),
    "too_late_for_roll": _("选民名单须在选举日%(n)s日前公布，已来不及，请调整选举日。"),
    "objections_closed": _("选民名单异议期已过。"),
    "objections_still_open": _("选民名单异议期至%(day)s，期满后才能公布候选人。"),
    "objections_pending": _("还有选民名单异议未处理。"),
    "no_person": _("您的账号未关联居民登记信息，请到社区办理。"),
    "too_few_candidates": _("实行差额选举：接受提名的候选人须多于职数%(seats)s人，目前%(n)s人。"),
    "too_late_for_candidates": _("候选人须在选举日%(n)s日前公布，已来不及。"),
    "not_yet_election_day": _("选举日（%(day)s）尚未到。"),
    "no_votes": _("尚未登记投票。"),
    "on_other_roll": _("有居民已在本区同届其他社区的选民名单上，每人只能登记一处。"),
    "not_on_roll": _("该居民不在本次选举的选民名单上。"),
    "bad_voter_numbers": _("选民证编号无效：%(numbers)s。"),
    "bad_kind": _("请选择异议类型。"),
    "reason_required": _("请写明理由（500字以内）。"),
    "subject_required": _("请填写涉及的居民姓名。"),
    "objection_handled": _("该异议已处理（%(state)s）。"),
    "answer_required": _("请填写处理意见（500字以内）。"),
    "person_required": _("请指明补登或移出的居民。"),
    "not_eligible": _("该居民不符合登记条件（须为本社区在册居民且在选举日年满18周岁）。"),
    "already_on_roll": _("该居民已在本次选民名单上。"),
    "is_candidate": _("该选民已被提名为候选人，须先处理提名。"),
    "bad_basis": _("请选择提名方式。"),
    "too_few_supporters": _("选民联名推荐须有%(n)s人以上联名。"),
    "already_nominated": _("该选民已被提名。"),
    "candidate_answered": _("该提名已确认（%(state)s）。"),
    "bad_votes": _("得票数须为不大于参选人数的非负整数。"),
    "too_many_votes": _("得票总数超过了参选人数乘以职数，请核对。"),
}
error = ErrorCatalogue(
    MESSAGES,
    ElectionError,
    statuses={
        "wrong_state": 409,
        "on_other_roll": 409,
        "roll_drawn": 409,
        "objection_handled": 409,
        "candidate_answered": 409,
        "already_nominated": 409,
        "already_on_roll": 409,
    },
)
