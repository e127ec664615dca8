"""The printed monthly ledger (PDF): the same figures as the dashboard (`selectors.ledger`),
laid out as the paper ledger offices file — title, issuing unit, period, a numbered table of
figures with their units and record counts, what falls short of a standard, and the lines for
the preparer's, the reviewer's and the head's signatures. CJK text uses reportlab's built-in CID
font STSong-Light (no font file to ship; every PDF reader has it)."""

from __future__ import annotations

import io
from collections.abc import Sequence

from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

FONT = "STSong-Light"
MAX_SHORT_RECORDS = 20


def _font() -> str:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


def _styles():
    font = _font()
    return {
        "title": ParagraphStyle("t", fontName=font, fontSize=16, leading=22, alignment=TA_CENTER),
        "meta": ParagraphStyle("m", fontName=font, fontSize=9.5, leading=14),
        "h2": ParagraphStyle("h", fontName=font, fontSize=12, leading=18, spaceBefore=8, spaceAfter=4),
        "cell": ParagraphStyle("c", fontName=font, fontSize=9, leading=12),
        "small": ParagraphStyle("s", fontName=font, fontSize=8, leading=11, textColor=colors.grey),
    }


def _esc(text) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def ledger_pdf(
    *,
    region,
    period: str,
    values: Sequence,
    issuer: str,
    shortfalls: dict[str, list[str]] | None = None,
    computed_at=None,
) -> bytes:
    """The month's ledger of the region as PDF bytes. `values` are the dashboard's cells;
    `shortfalls` maps a figure key to the records behind a figure that falls short."""
    st = _styles()
    font = _font()
    out = io.BytesIO()
    now = timezone.localtime()
    title = f"{region.name}{period[:4]}年{int(period[5:])}月电子台账"

    def page(canvas, doc):
        canvas.saveState()
        canvas.setFont(font, 8)
        canvas.setFillColor(colors.grey)
        canvas.drawString(18 * mm, 10 * mm, f"{region.name} · {period} · 共治电子台账")
        canvas.drawRightString(A4[0] - 18 * mm, 10 * mm, f"第 {doc.page} 页")
        canvas.restoreState()

    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=18 * mm,
        title=title,
        author=issuer,
        subject=f"{region.code} {period}",
    )
    story: list = [Paragraph(_esc(title), st["title"]), Spacer(1, 4 * mm)]
    meta = [
        ["填报单位", region.name, "统计期", period],
        ["地区代码", region.code, "生成时间", now.strftime("%Y-%m-%d %H:%M")],
        [
            "制表人",
            issuer,
            "数据汇总",
            timezone.localtime(computed_at).strftime("%Y-%m-%d %H:%M") if computed_at else "实时计算",
        ],
    ]
    mt = Table(
        [[Paragraph(_esc(c), st["meta"]) for c in row] for row in meta],
        colWidths=[22 * mm, 62 * mm, 22 * mm, 68 * mm],
    )
    mt.setStyle(
        TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.grey), ("VALIGN", (0, 0), (-1, -1), "MIDDLE")])
    )
    story += [mt, Spacer(1, 5 * mm), Paragraph("一、指标", st["h2"])]
    rows = [[Paragraph(h, st["cell"]) for h in ("序号", "指标", "单位", "数值", "计入记录数", "达标")]]
    for i, v in enumerate(values, start=1):
        rows.append(
            [
                str(i),
                Paragraph(_esc(v.figure.label), st["cell"]),
                Paragraph(_esc(v.figure.unit), st["cell"]),
                v.display,
                "" if v.count is None else f"{v.count:,}",
                Paragraph("未达标" if v.below else "", st["cell"]),
            ]
        )
    table = Table(rows, colWidths=[12 * mm, 78 * mm, 14 * mm, 28 * mm, 24 * mm, 18 * mm], repeatRows=1)
    style = [
        ("FONTNAME", (0, 0), (-1, -1), font),
        ("FONTSIZE", (0, 0), (-1, -1), 9),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef7")),
        ("ALIGN", (3, 1), (4, -1), "RIGHT"),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]
    style += [
        ("TEXTCOLOR", (5, i), (5, i), colors.HexColor("#b5121b")) for i, v in enumerate(values, 1) if v.below
    ]
    table.setStyle(TableStyle(style))
    story.append(table)
    short = [(v, (shortfalls or {}).get(v.figure.key, [])) for v in values if v.below]
    story.append(Paragraph("二、未达标事项", st["h2"]))
    if not short:
        story.append(Paragraph("本月各项指标均未标记为未达标。", st["meta"]))
    for v, records in short:
        story.append(Paragraph(_esc(f"{v.figure.label}：{v.display}"), st["meta"]))
        for r in records[:MAX_SHORT_RECORDS]:
            story.append(Paragraph("· " + _esc(r), st["small"]))
        if len(records) > MAX_SHORT_RECORDS:
            story.append(Paragraph(f"……共 {len(records)} 条，其余见电子台账。", st["small"]))
    story += [
        Spacer(1, 10 * mm),
        Table(
            [["填表人：", "", "审核人：", "", "负责人：", ""]],
            colWidths=[16 * mm, 40 * mm, 16 * mm, 40 * mm, 16 * mm, 40 * mm],
            style=TableStyle(
                [
                    ("FONTNAME", (0, 0), (-1, -1), font),
                    ("LINEBELOW", (1, 0), (1, 0), 0.4, colors.black),
                    ("LINEBELOW", (3, 0), (3, 0), 0.4, colors.black),
                    ("LINEBELOW", (5, 0), (5, 0), 0.4, colors.black),
                ]
            ),
        ),
        Spacer(1, 4 * mm),
        Paragraph("（盖章）", st["meta"]),
        Spacer(1, 3 * mm),
        Paragraph(
            "说明：本台账由共治平台根据各业务系统的记录自动生成，每项指标的口径与明细可在电子台账中查阅。",
            st["small"],
        ),
    ]
    doc.build(story, onFirstPage=page, onLaterPages=page)
    return out.getvalue()
