from django.utils.translation import gettext_lazy as _

from gongzhi.core.errors import ApplicationError, ErrorCatalogue


class AdmissionError(ApplicationError):
    pass


MESSAGES = {
    "wrong_state": _("该申请当前为“%(state)s”，不能执行此操作。"),
    "reason_required": _("请写明理由。"),
    "no_communities": _("请至少选择一个社区。"),
    "kind": _("请选择类别。"),
    "foreign_community": _("社区 %(c)s 不在本区，或不是社区。"),
    "period": _("结束日期不能早于开始日期。"),
    "lead_time": _("须在开始日期前至少 %(days)s 个工作日提出申请（最早可从 %(earliest)s 开始）。"),
    "negative_list": _("该事项属于负面清单（%(item)s），不得下沉社区。"),
    "no_basis": _("请写明法律政策依据。"),
    "amount": _("工作量和经费不能为负数。"),
    "no_published_list": _("本区尚未发布清单。"),
    "version_published": _("已发布的清单版本不能修改，请新建版本。"),
    "empty_version": _("清单为空，不能发布。"),
    "import_rejected": _("导入的文件有 %(n)s 行错误，未导入任何事项。请按报告修改后重新导入。"),
    "task_admitted": _("该任务已准入，不能以“未准入”为由拒绝。"),
    "task_closed": _("该任务已处理完毕。"),
    "hours": _("工时须为正数，且不超过 1000 小时。"),
    "not_district": _("请选择一个区。"),
    "certificate_kind": _("不属于社区出具证明事项"),
    "certificate_person": _("未找到该居民，或不在本社区。"),
    "certificate_code": _("未找到该证明，请核对验证码。"),
    "certificate_template": _("证明事项 %(code)s：%(problem)s"),
    "certificate_no_template": _("该证明事项在清单中还没有证明模板，请区里在新版本清单中补充后再出具。"),
    "form_field_name": _("报表字段须有名称，最多 50 个字符。"),
    "form_field_twice": _("报表字段“%(name)s”重复。"),
    "form_field_figure": _("报表字段“%(name)s”对应的指标不存在，请从列表中选择，或留空由社区填写。"),
    "form_fields_many": _("报表字段最多 %(n)s 项。"),
    "form_fields_kind": _("只有统计报表、台账和调查才有报表字段。"),
    "form_fields_required": _("统计报表须列出报表字段，以便由系统数据生成（一表通）。"),
    "report_every": _("请选择报送频次。"),
    "report_no_form": _("该任务没有已准入的报表可以填报。"),
    "report_period": _("该报送期不在准入期限之内，或尚未开始。"),
    "report_exists": _("本社区已经报送过这一期，不能重复填报。"),
    "report_missing": _("请填写“%(name)s”。"),
    "report_too_long": _("“%(name)s”最多 200 个字符。"),
}
STATUSES = {
    "wrong_state": 409,
    "version_published": 409,
    "task_admitted": 409,
    "task_closed": 409,
    "report_exists": 409,
}

error = ErrorCatalogue(MESSAGES, AdmissionError, statuses=STATUSES)
