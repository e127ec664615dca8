from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from gongzhi.core.errors import ApplicationError, ErrorCatalogue

if TYPE_CHECKING:  # django_stubs_ext is a development dependency
    pass


class IntegrationError(ApplicationError):
    pass


MESSAGES = {
    "source_name_required": _("请填写数据源名称。"),
    "source_name_taken": _("该部门已有同名的数据源。"),
    "unknown_field": _("列“%(column)s”对应的字段“%(field)s”不存在。"),
    "duplicate_field": _("字段“%(field)s”被多个列同时对应，每个字段只能对应一列。"),
    "name_column_required": _("请指定哪一列是姓名。"),
    "community_required": _("表中没有社区列时，请选择默认社区。"),
    "community_outside": _("默认社区不在部门“%(department)s”的辖区内。"),
    "unknown_table": _("代码表“%(table)s”不存在。"),
    "unknown_code": _("代码表“%(table)s”中没有国家标准代码“%(code)s”。"),
    "bad_code_line": _("第%(n)d行代码对照格式不正确，应为“部门代码=国家标准代码”。"),
    "trust_rank": _("可信度排序应为1–99之间的整数。"),
    "unknown_tag": _("未知的人群类别：%(kind)s"),
    "empty_file": _("文件中没有数据行。"),
    "wrong_department": _("只能向本部门的数据源导入数据。"),
    "source_inactive": _("该数据源已停用。"),
    "source_builtin": _("“社区采集”记录的是社区在居民信息页面录入的内容，不能导入文件。"),
    "already_decided": _("这条记录已经核对过了。"),
    "bad_sex": _("性别请选择男或女。"),
    "bad_birth_date": _("出生日期不正确，请按“年-月-日”填写，且不晚于今天。"),
    "register_needs_sex": _("这条记录没有身份号码，也没有性别，请先填写性别再登记为新居民。"),
    "same_person": _("不能把一位居民与自己合并。"),
    "different_id_numbers": _("两人的身份号码不同且都有效，不能合并。"),
    "merge_undone": _("这次合并已经撤销过了。"),
    "kept_missing": _("保留的居民记录已不存在，无法撤销。"),
    "id_taken": _("撤销需要恢复的身份号码已被另一位居民使用，请先处理。"),
    "no_department": _("您的账号没有对应的部门。"),
    "field_not_shared": _("您的部门无权读取以下字段：%(fields)s。"),
    "conflict_choice": _("请选择一个来源的值。"),
    "conflict_resolved": _("这个冲突已经处理过了。"),
    "too_many_rows": _("一次推送最多%(n)d条记录，请分批推送。"),
}


error = ErrorCatalogue(MESSAGES, IntegrationError)
