"""The demo district's four lists, adapted from published ones: the Organic Law of Urban Residents'
Committees (duties by law), 北京西城 and 郑州二七区 (assisting duties and the negative list), 宁波 and
自贡 (certificates a community may issue; seals cut from 62 to 21). Text is ours, shortened."""

DUTY = "duty"
ASSIST = "assist"
NEGATIVE = "negative"
CERTIFICATE = "certificate"

ORGANIC = "《城市居民委员会组织法》第三条"

ITEMS = [
    (DUTY, "YF01", "宣传宪法、法律、法规和国家的政策，教育居民履行依法应尽的义务", ORGANIC),
    (DUTY, "YF02", "召集居民会议、居民代表会议，执行其决定", "《城市居民委员会组织法》第九、十条"),
    (DUTY, "YF03", "办理本居住地区居民的公共事务和公益事业", ORGANIC),
    (DUTY, "YF04", "调解民间纠纷", "《人民调解法》第七条"),
    (DUTY, "YF05", "协助维护社会治安", ORGANIC),
    (DUTY, "YF06", "向人民政府或者它的派出机关反映居民的意见、要求和提出建议", ORGANIC),
    (DUTY, "YF07", "居务公开和居民监督委员会工作", "《城市居民委员会组织法》第十五条"),
    (DUTY, "YF08", "开展便民利民的社区服务活动", "《城市居民委员会组织法》第四条"),
    (ASSIST, "XZ01", "最低生活保障、特困供养申请的受理协助与入户调查协助", "《社会救助暂行办法》第十一条"),
    (ASSIST, "XZ02", "高龄津贴、居家养老服务对象的信息采集与核实", "《老年人权益保障法》"),
    (ASSIST, "XZ03", "残疾人基本信息动态更新与服务协助", "《残疾人保障法》"),
    (ASSIST, "XZ04", "退役军人信息采集、走访慰问与优待证办理协助", "《退役军人保障法》"),
    (ASSIST, "XZ05", "就业失业登记、就业援助与创业服务信息协助", "《就业促进法》"),
    (ASSIST, "XZ06", "城乡居民医疗保险、养老保险参保宣传与登记协助", "《社会保险法》"),
    (ASSIST, "XZ07", "计划生育服务、母婴健康与家庭发展服务协助", "《人口与计划生育法》"),
    (ASSIST, "XZ08", "经批准的全国性统计调查、人口普查入户登记协助", "《统计法》第七条"),
    (ASSIST, "XZ09", "征兵宣传与适龄青年兵役登记协助", "《兵役法》"),
    (ASSIST, "XZ10", "消防安全、防汛防台、应急避险宣传与转移协助", "《消防法》《防洪法》"),
    (ASSIST, "XZ11", "禁毒、反诈宣传与社区戒毒社区康复协助", "《禁毒法》第三十四条"),
    (ASSIST, "XZ12", "爱国卫生运动、垃圾分类宣传动员", "《福州市生活垃圾分类管理办法》"),
    (NEGATIVE, "FM01", "招商引资、协税护税", "二七区负面清单"),
    (NEGATIVE, "FM02", "城市管理、市场监管、安全生产等行政执法", "二七区负面清单"),
    (NEGATIVE, "FM03", "房屋征收拆迁、违法建设拆除", "二七区负面清单"),
    (NEGATIVE, "FM04", "未经准入的创建达标、评比考核", "宁波社区工作准入办法"),
    (NEGATIVE, "FM05", "未经准入的挂牌、设立机构", "龙岩、自贡社区工作准入规定"),
    (NEGATIVE, "FM06", "未经准入的台账资料、报表报送", "自贡社区工作准入规定"),
    (NEGATIVE, "FM07", "对已准入事项另行组织的检查考核", "二七区：不得另行检查已准入事项"),
    (NEGATIVE, "FM08", "出具无法核实或超出社区职责的证明", "民政部关于社区证明事项的规定"),
    (CERTIFICATE, "residence", "居住情况证明（本社区登记居住的居民）", "居民户籍或居住登记"),
    (CERTIFICATE, "household", "同户成员情况证明", "居民户籍登记"),
    (CERTIFICATE, "alive", "健在证明（本人到场）", "本人到场核验"),
]

# The certificates' texts (证明模板), with the placeholders the register fills (cert_templates.py).
TEMPLATES = {
    "residence": "兹证明 {姓名}（公民身份号码 {公民身份号码}）登记居住于{社区}{住址}。",
    "household": "兹证明 {姓名}（公民身份号码 {公民身份号码}）所在户（户编号 {户编号}）登记的同户成员为：{同户成员}。",
    "alive": "兹证明 {姓名}（公民身份号码 {公民身份号码}）于 {日期} 本人到{社区}，经核验健在。",
}


# The platform's own work each duty covers (the apps' community_work keys). Left out on purpose:
# communities rating departments, which the district asks for but no list names — it reaches the
# inbox as not admitted, and a community may refuse it.
PLATFORM_WORK = {
    "YF03": "visits.courtyard_inspection",
    "YF06": "visits.monthly_visits",
    "YF07": "evaluation.household_survey",
}


def list_items() -> list[dict]:
    """The items as list_items_set takes them."""
    return [
        {
            "kind": k,
            "code": c,
            "title": t,
            "basis": b,
            "note": "",
            "template": TEMPLATES.get(c, ""),
            "platform_work": PLATFORM_WORK.get(c, ""),
        }
        for k, c, t, b in ITEMS
    ]
