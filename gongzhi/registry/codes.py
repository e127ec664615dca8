"""National code tables the registry uses."""

from django.db import models
from django.utils.translation import gettext_lazy as _


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


# GB/T 3304 民族代码: the most common; the full table lives in integration's code tables.
ETHNICITIES = [
    ("01", _("汉族")),
    ("02", _("蒙古族")),
    ("03", _("回族")),
    ("04", _("藏族")),
    ("05", _("维吾尔族")),
    ("06", _("苗族")),
    ("07", _("彝族")),
    ("08", _("壮族")),
    ("09", _("布依族")),
    ("10", _("朝鲜族")),
    ("11", _("满族")),
    ("12", _("侗族")),
    ("13", _("瑶族")),
    ("14", _("白族")),
    ("15", _("土家族")),
    ("16", _("哈尼族")),
    ("17", _("哈萨克族")),
    ("18", _("傣族")),
    ("19", _("黎族")),
    ("22", _("畲族")),
    ("97", _("其他")),
    ("98", _("外国血统中国籍人士")),
]


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
