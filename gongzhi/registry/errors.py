from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from gongzhi.core.errors import ApplicationError, ErrorCatalogue

if TYPE_CHECKING:  # django_stubs_ext is a development dependency
    pass


class RegistryError(ApplicationError):
    pass


MESSAGES = {
    "name_required": _("请填写姓名。"),
    "name_too_long": _("姓名不能超过50个字。"),
    "sex_mismatch": _("所填性别与身份号码不符（号码第17位表示性别）。"),
    "birth_mismatch": _("所填出生日期与身份号码不符（号码第7–14位为出生日期）。"),
    "duplicate_id_number": _("已有居民登记了这个身份号码，请先查询，避免重复登记。"),
    "id_not_registrable_here": _(
        "这个身份号码不能在这里登记。如果这位居民已搬来本社区居住，请联系街道办事处，"
        "由街道把他的登记转到本社区。"
    ),
    "stale": _("这条记录已被他人修改，请刷新后重新编辑。"),
    "community_required": _("请选择所属社区。"),
    "not_community": _("居民只能登记在社区（村）一级。"),
    "dwelling_other_community": _("所选房屋不属于该社区。"),
    "sex_required": _("没有身份号码时请填写性别。"),
    "notes_too_long": _("备注不能超过1000个字。"),
    "field_too_long": _("“%(field)s”不能超过%(n)d个字。"),
    "grade_range": _("残疾等级应为1–4级。"),
    "validity_order": _("失效日期不能早于生效日期。"),
    "already_member": _("该居民已在其他户中，请先将其移出原户。"),
    "household_other_community": _("户与居民不属于同一社区。"),
    "head_exists": _("该户已有户主。"),
    "birth_future": _("出生日期不能晚于今天，请核对。"),
    "birth_too_early": _("出生日期早于1890年，请核对。"),
    "tag_needs_birth_date": _("“%(tag)s”要按年龄认定，请先登记该居民的出生日期或身份号码。"),
    "tag_age": _("“%(tag)s”要求年满%(min)d周岁，该居民现在%(age)d岁，不能加这个标签。"),
    "tag_not_alone": _("“独居老人”要求独自居住，但该居民所在的户“%(household)s”还有%(n)d位其他成员。"),
    "tag_grade_required": _("“残疾人”标签须填写残疾等级（1–4级）。"),
    "tag_grade_only_disabled": _("只有“残疾人”标签才填写残疾等级和类别。"),
    "place_unknown_estate": _(
        "小区“%(name)s”尚未登记，本行未导入。请核对小区名称；确需新建时，导入时勾选“允许新建小区和楼栋”。"
    ),
    "place_unknown_building": _(
        "楼栋“%(name)s”在小区“%(estate)s”中尚未登记，本行未导入。"
        "请核对楼栋名称；确需新建时，导入时勾选“允许新建小区和楼栋”。"
    ),
    "place_floor_range": _(
        "房号“%(number)s”对应第%(floor)d层，但楼栋“%(building)s”只有%(floors)d层，请核对房号。"
    ),
    "place_new_floor_range": _("房号“%(number)s”对应第%(floor)d层，超过新建楼栋允许的%(n)d层，请核对房号。"),
    "place_entrance_range": _("楼栋“%(building)s”只有%(n)d个单元，没有%(entrance)d单元，请核对。"),
}


error = ErrorCatalogue(MESSAGES, RegistryError)
