"""QR codes for pages: an inline SVG (segno), white quiet zone included so that a phone camera reads
it in dark mode too, labelled for screen readers."""

from __future__ import annotations

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe


def qr_svg(text: str, *, title: str, css_class: str = "qr") -> SafeString:
    import segno

    svg = segno.make(text, error="m").svg_inline(
        scale=4, border=4, dark="#000", light="#fff", omitsize=True, svgclass=css_class
    )
    label = escape(title)
    # segno's markup, with a role and label added; the text it encodes is escaped by segno itself
    return mark_safe(svg.replace("<svg ", f'<svg role="img" aria-label="{label}" ', 1))  # noqa: S308
