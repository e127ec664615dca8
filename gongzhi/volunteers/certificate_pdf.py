"""The certificate as a PDF (A4): reportlab with its built-in CID font STSong-Light for Chinese, and
a QR code (segno's matrix drawn as vector squares) that opens the public verification page."""

from __future__ import annotations

import io

from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Certificate

FONT = "STSong-Light"
MONO = "Courier-Bold"


def _register_font() -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))


def qr_drawing(text: str, size: float):
    """A reportlab Drawing of the QR code for `text`, `size` points square (quiet zone included)."""
    import segno
    from reportlab.graphics.shapes import Drawing, Rect
    from reportlab.lib import colors

    qr = segno.make(text, error="m")
    rows = [list(r) for r in qr.matrix]
    border = 2
    n = len(rows) + 2 * border
    cell = size / n
    d = Drawing(size, size)
    for y, row in enumerate(rows):
        for x, dark in enumerate(row):
            if dark:
                d.add(
                    Rect(
                        (x + border) * cell,
                        size - (y + border + 1) * cell,
                        cell,
                        cell,
                        fillColor=colors.black,
                        strokeColor=None,
                    )
                )
    return d


def certificate_pdf(*, certificate: Certificate, verify_url: str) -> bytes:
    """The certificate as issued (and marked 已作废 if it was revoked since)."""
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    _register_font()
    c = certificate
    title = ParagraphStyle("title", fontName=FONT, fontSize=22, leading=30, alignment=TA_CENTER)
    body = ParagraphStyle(
        "body", fontName=FONT, fontSize=12.5, leading=22, wordWrap="CJK", firstLineIndent=25
    )
    small = ParagraphStyle("small", fontName=FONT, fontSize=9.5, leading=15, wordWrap="CJK")
    right = ParagraphStyle("right", parent=body, firstLineIndent=0, alignment=2)
    code_style = ParagraphStyle("code", fontName=MONO, fontSize=13, leading=18)
    stamp = ParagraphStyle("stamp", fontName=FONT, fontSize=18, leading=26, textColor=colors.red)

    def p(text: str, style=body) -> Paragraph:
        from xml.sax.saxutils import escape

        return Paragraph(escape(text), style)

    issued_on = timezone.localdate(c.issued_at)
    id_part = _("（公民身份号码 %(id)s）") % {"id": c.id_number_masked} if c.id_number_masked else ""
    story: list = [p(_("志愿服务记录证明"), title), Spacer(1, 4 * mm)]
    story.append(p(_("证明编号（验证码）%(code)s") % {"code": c.code}, right))
    story.append(Spacer(1, 6 * mm))
    story.append(
        p(
            _(
                "兹证明 %(name)s%(id)s 于 %(start)s 至 %(end)s 期间参加志愿服务，"
                "经本单位记录，累计志愿服务时长 %(hours)s 小时，参加志愿服务活动 %(n)s 项。"
            )
            % {
                "name": c.holder,
                "id": id_part,
                "start": c.period_start.isoformat(),
                "end": c.period_end.isoformat(),
                "hours": c.hours,
                "n": c.activities,
            }
        )
    )
    story.append(Spacer(1, 4 * mm))
    facts = [
        (_("志愿者姓名"), c.holder),
        (_("服务期间"), f"{c.period_start.isoformat()} — {c.period_end.isoformat()}"),
        (_("累计服务时长（小时）"), str(c.hours)),
        (_("其中：扫码签到（信用时长）"), str(c.hours_checkin)),
        (_("其中：工作人员补录及更正"), str(c.hours_staff)),
        (_("服务记录条数"), str(c.records)),
        (_("参加活动数"), str(c.activities)),
    ]
    table = Table([[p(k, small), p(v, small)] for k, v in facts], colWidths=[55 * mm, 105 * mm])
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#f2f2f2")),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    story += [table, Spacer(1, 6 * mm)]
    story.append(
        p(
            _(
                "本证明依据《志愿服务记录与证明出具办法（试行）》（民政部令第67号）出具，"
                "所载服务时长由本单位据实记录，真实、准确、完整。特此证明。"
            )
        )
    )
    story.append(Spacer(1, 10 * mm))
    story.append(p(_("出具单位：%(issuer)s") % {"issuer": c.issuer}, right))
    by = (c.issued_by.display_name or c.issued_by.username) if c.issued_by else ""
    if by:
        story.append(p(_("经办人：%(by)s") % {"by": by}, right))
    story.append(p(_("出具日期：%(d)s") % {"d": issued_on.isoformat()}, right))
    if c.revoked_at is not None:
        story.append(Spacer(1, 4 * mm))
        story.append(
            p(
                _("本证明已于 %(d)s 作废：%(reason)s")
                % {"d": timezone.localdate(c.revoked_at).isoformat(), "reason": c.revoke_reason},
                stamp,
            )
        )
    story.append(Spacer(1, 10 * mm))
    qr = qr_drawing(verify_url, 32 * mm)
    how = [
        p(_("扫描左侧二维码，或访问下面的网址，核验本证明是否真实有效："), small),
        p(verify_url, small),
        Paragraph(c.code, code_style),
    ]
    footer = Table([[qr, how]], colWidths=[36 * mm, 124 * mm])
    footer.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
    story.append(footer)

    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=25 * mm,
        rightMargin=25 * mm,
        topMargin=25 * mm,
        bottomMargin=20 * mm,
        title=_("志愿服务记录证明"),
        subject=c.code,
        author=c.issuer,
        creator="Gongzhi",
    )
    doc.build(story)
    return buf.getvalue()
