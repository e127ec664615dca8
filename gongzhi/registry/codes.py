"""National code tables the registry uses."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop


class Sex(models.TextChoices):
    """GB/T 2261.1: 1 男, 2 女 (stored as M/F)."""

    MALE = "M", _("男")
    FEMALE = "F", _("女")


class Relationship(models.TextChoices):
    """GB/T 4761-2008 家庭关系代码 (the codes residents' registers use)."""

    HEAD = "02", _("户主")
    SPOUSE = "10", _("配偶")
    HUSBAND = "11", _("夫")
    WIFE = "12", _("妻")
    SON = "20", _("子")
    DAUGHTER = "30", _("女")
    GRANDCHILD = "40", _("孙子女或外孙子女")
    PARENT = "50", _("父母")
    FATHER = "51", _("父亲")
    MOTHER = "52", _("母亲")
    FATHER_IN_LAW = "53", _("公公")
    MOTHER_IN_LAW = "54", _("婆婆")
    GRANDPARENT = "60", _("祖父母或外祖父母")
    SIBLING = "70", _("兄弟姐妹")
    DAUGHTER_IN_LAW = "28", _("儿媳")
    SON_IN_LAW = "38", _("女婿")
    OTHER_RELATIVE = "80", _("其他亲属")
    NON_RELATIVE = "99", _("非亲属")


# GB/T 3304-1991 民族代码: the 56 nationalities, 97 other, 98 foreign-born Chinese citizens.
# The names are marked for the catalogue here and translated when shown.
ETHNICITY_NAMES: dict[str, str] = {
    "01": gettext_noop("汉族"),
    "02": gettext_noop("蒙古族"),
    "03": gettext_noop("回族"),
    "04": gettext_noop("藏族"),
    "05": gettext_noop("维吾尔族"),
    "06": gettext_noop("苗族"),
    "07": gettext_noop("彝族"),
    "08": gettext_noop("壮族"),
    "09": gettext_noop("布依族"),
    "10": gettext_noop("朝鲜族"),
    "11": gettext_noop("满族"),
    "12": gettext_noop("侗族"),
    "13": gettext_noop("瑶族"),
    "14": gettext_noop("白族"),
    "15": gettext_noop("土家族"),
    "16": gettext_noop("哈尼族"),
    "17": gettext_noop("哈萨克族"),
    "18": gettext_noop("傣族"),
    "19": gettext_noop("黎族"),
    "20": gettext_noop("傈僳族"),
    "21": gettext_noop("佤族"),
    "22": gettext_noop("畲族"),
    "23": gettext_noop("高山族"),
    "24": gettext_noop("拉祜族"),
    "25": gettext_noop("水族"),
    "26": gettext_noop("东乡族"),
    "27": gettext_noop("纳西族"),
    "28": gettext_noop("景颇族"),
    "29": gettext_noop("柯尔克孜族"),
    "30": gettext_noop("土族"),
    "31": gettext_noop("达斡尔族"),
    "32": gettext_noop("仫佬族"),
    "33": gettext_noop("羌族"),
    "34": gettext_noop("布朗族"),
    "35": gettext_noop("撒拉族"),
    "36": gettext_noop("毛南族"),
    "37": gettext_noop("仡佬族"),
    "38": gettext_noop("锡伯族"),
    "39": gettext_noop("阿昌族"),
    "40": gettext_noop("普米族"),
    "41": gettext_noop("塔吉克族"),
    "42": gettext_noop("怒族"),
    "43": gettext_noop("乌孜别克族"),
    "44": gettext_noop("俄罗斯族"),
    "45": gettext_noop("鄂温克族"),
    "46": gettext_noop("德昂族"),
    "47": gettext_noop("保安族"),
    "48": gettext_noop("裕固族"),
    "49": gettext_noop("京族"),
    "50": gettext_noop("塔塔尔族"),
    "51": gettext_noop("独龙族"),
    "52": gettext_noop("鄂伦春族"),
    "53": gettext_noop("赫哲族"),
    "54": gettext_noop("门巴族"),
    "55": gettext_noop("珞巴族"),
    "56": gettext_noop("基诺族"),
    "97": gettext_noop("其他"),
    "98": gettext_noop("外国血统中国籍人士"),
}
ETHNICITIES = [(code, _(name)) for code, name in ETHNICITY_NAMES.items()]


class ResidenceType(models.TextChoices):
    REGISTERED = "registered", _("户籍人口（人户一致）")
    AWAY = "away", _("户籍人口（人户分离）")
    MIGRANT = "migrant", _("流动人口")
    OVERSEAS = "overseas", _("境外人员")


class PersonStatus(models.TextChoices):
    ACTIVE = "active", _("在册")
    MOVED_OUT = "moved_out", _("已迁出")
    DECEASED = "deceased", _("已故")


class TagKind(models.TextChoices):
    ELDERLY_ALONE = "elderly_alone", _("独居老人")
    ELDERLY_80 = "elderly_80", _("高龄老人（80岁以上）")
    DISABLED = "disabled", _("残疾人")
    MINIMUM_ALLOWANCE = "minimum_allowance", _("低保对象")
    EXTREME_HARDSHIP = "extreme_hardship", _("特困人员")
    VETERAN = "veteran", _("退役军人")
    UNEMPLOYED = "unemployed", _("失业人员")
    PARTY_MEMBER = "party_member", _("党员")
    MIGRANT = "migrant", _("流动人口")
    LEFT_BEHIND_CHILD = "left_behind_child", _("留守儿童")


class DisabilityCategory(models.TextChoices):
    VISUAL = "visual", _("视力残疾")
    HEARING = "hearing", _("听力残疾")
    SPEECH = "speech", _("言语残疾")
    PHYSICAL = "physical", _("肢体残疾")
    INTELLECTUAL = "intellectual", _("智力残疾")
    MENTAL = "mental", _("精神残疾")
    MULTIPLE = "multiple", _("多重残疾")


class EstateKind(models.TextChoices):
    ESTATE = "estate", _("商品房小区")
    COURTYARD = "courtyard", _("院落")
    OLD_COURTYARD = "old_courtyard", _("老旧院落")
    RESETTLEMENT = "resettlement", _("安置小区")
    VILLAGE = "village", _("自然村/散居")
