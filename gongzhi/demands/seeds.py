"""Reference data loaded by the data migrations: the hotline taxonomy and the national
holiday calendars.

The taxonomy follows the first-level classes that 12345 hotlines publish (城乡建设, 环境保护,
交通运输…) with the sub-classes that make up most community demands. Each leaf says who
handles it by default (community / street / district / a department kind) and its time
limit class (urgent / ordinary / complex / inquiry).
"""

from __future__ import annotations

# (code, name, [(code, name, level, department_kind, time_limit), ...])
C, S, D, P = "community", "street", "district", "department"
CATEGORIES: list[tuple[str, str, list[tuple[str, str, str, str, str]]]] = [
    (
        "urban",
        "城乡建设",
        [
            ("urban-illegal-building", "违章建筑", S, "", "complex"),
            ("urban-road-damage", "道路破损", P, "urban_management", "ordinary"),
            ("urban-water-supply", "供水停水", P, "housing", "urgent"),
            ("urban-drainage", "排水管网堵塞", S, "", "urgent"),
            ("urban-old-renovation", "老旧小区改造", D, "", "complex"),
            ("urban-street-lights", "路灯照明", P, "urban_management", "ordinary"),
            ("urban-elevator", "加装电梯", S, "", "complex"),
        ],
    ),
    (
        "environment",
        "环境保护",
        [
            ("env-noise", "噪声扰民", S, "", "ordinary"),
            ("env-garbage", "垃圾清运", C, "", "ordinary"),
            ("env-sorting", "垃圾分类", C, "", "inquiry"),
            ("env-air", "油烟废气", P, "urban_management", "ordinary"),
            ("env-greening", "绿化养护", S, "", "ordinary"),
        ],
    ),
    (
        "transport",
        "交通运输",
        [
            ("traffic-parking", "停车管理", S, "", "ordinary"),
            ("traffic-bus", "公交线路", D, "", "complex"),
            ("traffic-taxi", "出租车网约车", D, "", "ordinary"),
            ("traffic-ebike", "电动自行车停放充电", C, "", "ordinary"),
        ],
    ),
    (
        "education",
        "教育文体",
        [
            ("edu-enrolment", "入学咨询", D, "", "inquiry"),
            ("edu-training", "校外培训", D, "", "ordinary"),
            ("edu-sports", "文体设施", S, "", "ordinary"),
        ],
    ),
    (
        "labour",
        "劳动和社会保障",
        [
            ("labour-wages", "拖欠工资", P, "hrss", "urgent"),
            ("labour-insurance", "社保医保", P, "hrss", "inquiry"),
            ("labour-employment", "就业创业", C, "", "inquiry"),
            ("labour-subsistence", "低保救助", P, "civil_affairs", "ordinary"),
            ("labour-elderly", "养老服务", C, "", "ordinary"),
            ("labour-disability", "残疾人服务", P, "disabled_federation", "ordinary"),
        ],
    ),
    (
        "commerce",
        "商贸旅游",
        [
            ("commerce-prepaid", "预付卡消费", D, "", "ordinary"),
            ("commerce-stalls", "占道经营", S, "", "ordinary"),
            ("commerce-tourism", "旅游服务", D, "", "ordinary"),
        ],
    ),
    (
        "health",
        "卫生计生",
        [
            ("health-clinic", "社区卫生服务", P, "health", "ordinary"),
            ("health-epidemic", "病媒防治", S, "", "ordinary"),
            ("health-family", "计划生育服务", P, "health", "inquiry"),
        ],
    ),
    (
        "property",
        "物业管理",
        [
            ("property-service", "物业服务质量", C, "", "ordinary"),
            ("property-fees", "物业收费", S, "", "ordinary"),
            ("property-leaks", "房屋漏水", C, "", "ordinary"),
            ("property-public-repair", "公共设施维修", C, "", "ordinary"),
            ("property-committee", "业委会事务", S, "", "complex"),
        ],
    ),
    (
        "community",
        "社区服务",
        [
            ("community-certificates", "证明开具", C, "", "inquiry"),
            ("community-activities", "社区活动", C, "", "ordinary"),
            ("community-neighbours", "邻里纠纷", C, "", "ordinary"),
            ("community-pets", "养犬管理", C, "", "ordinary"),
        ],
    ),
    (
        "security",
        "治安",
        [
            ("security-fire", "消防隐患", S, "", "urgent"),
            ("security-fraud", "电信诈骗", P, "public_security", "urgent"),
            ("security-rental", "出租屋管理", C, "", "ordinary"),
        ],
    ),
    (
        "market",
        "市场监管",
        [
            ("market-food", "食品安全", D, "", "urgent"),
            ("market-prices", "价格投诉", D, "", "ordinary"),
            ("market-quality", "产品质量", D, "", "ordinary"),
        ],
    ),
    (
        "other",
        "其他",
        [
            ("other-suggestion", "意见建议", S, "", "ordinary"),
            ("other-praise", "表扬感谢", C, "", "inquiry"),
        ],
    ),
]

# China's public holidays and make-up working days.
#   2026: 国务院办公厅关于2026年部分节假日安排的通知 (2025-11-04, 新华社 / gmw.cn), checked.
#   2025: 国务院办公厅关于2025年部分节假日安排的通知 (国办发明电〔2024〕12号, 2024-11-12).
#   2027: not yet published when this was written; 2027 counts weekends only until a
#         migration or the admin adds its rows.
# (date, is_workday, note)
HOLIDAYS: list[tuple[str, bool, str]] = []


def _span(start: str, end: str, note: str) -> None:
    import datetime as dt

    d = dt.date.fromisoformat(start)
    last = dt.date.fromisoformat(end)
    while d <= last:
        HOLIDAYS.append((d.isoformat(), False, note))
        d += dt.timedelta(days=1)


def _work(day: str, note: str) -> None:
    HOLIDAYS.append((day, True, note))


# 2025
_span("2025-01-01", "2025-01-01", "元旦")
_span("2025-01-28", "2025-02-04", "春节")
_work("2025-01-26", "春节调休上班")
_work("2025-02-08", "春节调休上班")
_span("2025-04-04", "2025-04-06", "清明节")
_span("2025-05-01", "2025-05-05", "劳动节")
_work("2025-04-27", "劳动节调休上班")
_span("2025-05-31", "2025-06-02", "端午节")
_span("2025-10-01", "2025-10-08", "国庆节、中秋节")
_work("2025-09-28", "国庆节调休上班")
_work("2025-10-11", "国庆节调休上班")
# 2026
_span("2026-01-01", "2026-01-03", "元旦")
_work("2026-01-04", "元旦调休上班")
_span("2026-02-15", "2026-02-23", "春节")
_work("2026-02-14", "春节调休上班")
_work("2026-02-28", "春节调休上班")
_span("2026-04-04", "2026-04-06", "清明节")
_span("2026-05-01", "2026-05-05", "劳动节")
_work("2026-05-09", "劳动节调休上班")
_span("2026-06-19", "2026-06-21", "端午节")
_span("2026-09-25", "2026-09-27", "中秋节")
_span("2026-10-01", "2026-10-07", "国庆节")
_work("2026-09-20", "国庆节调休上班")
_work("2026-10-10", "国庆节调休上班")

CALENDAR_YEARS = {2025: "official", 2026: "official", 2027: "weekends only (not yet published)"}
