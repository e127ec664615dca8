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
    "bad_location": _("位置坐标无效：纬度在-90到90之间，经度在-180到180之间。"),
    "outside_china": _("这个位置不在中国境内，请检查经纬度是否填反或填错。"),
    "outside_district": _(
        "这个位置离本区最近的已定位小区也有%(km)s公里（超过%(limit)s公里），不是本区居民步行可达的设施。"
        "请检查经纬度是否填反、坐标系是否选对，或在地图上重新点选。"
    ),
    "area_absurd": _("面积%(area)s㎡超出一处社区用房的合理范围（不超过%(limit)s㎡），请检查是否多打了数字。"),
    "kind_required": _("请选择设施类型。"),
    "use_required": _("请选择用房用途。"),
    "operator_not_serving": _("所选组织不服务于该社区，请从名录中另选，或在“其他运营方”中填写名称。"),
    "operator_both": _("运营方只需填一处：已在组织名录中的请选择，不在名录中的才填写名称。"),
    "already_retired": _("该记录已经停用。"),
    "retired": _("该记录已停用，不能再修改。"),
    "reason_required": _("请填写停用原因。"),
    "code_required": _("请填写标准编号（小写字母、数字和连字符）。"),
    "title_required": _("请填写标准名称。"),
    "source_required": _("请填写标准的依据（文件名称或发文机关）。"),
    "bad_scope": _(
        "适用地区无效：请填写行政区划代码的前几位（省2位、市4位、区县6位），且须在您的管辖范围内。"
    ),
    "bad_price": _("补齐单价必须是0或正数（元）。"),
    "kind_changed": _("新版本的规则类型须与原标准相同；规则类型不同请新建一个编号。"),
    "parameter_required": _("请填写参数“%(name)s”。"),
    "bad_parameter": _("参数“%(name)s”无效：请填写合理范围内的数字，或从列表中选择。"),
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
