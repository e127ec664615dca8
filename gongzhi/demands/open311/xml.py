"""XML renderings of the GeoReport v2 resources: the same data as the JSON, element by element.

A list resource is a root element holding one element per item (`services/service`,
`service_requests/request`, `errors/error`); nested lists use the plural/singular pairs
of the specification (`attributes/attribute`, `values/value`, `endpoints/endpoint`,
`formats/format`). None becomes an empty element, booleans `true`/`false`.
"""

from __future__ import annotations

from xml.etree import ElementTree as ET

# Nested list fields: field name → element name of each item.
ITEM_NAMES = {
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
}


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _append(parent: ET.Element, name: str, value) -> None:
    element = ET.SubElement(parent, name)
    if isinstance(value, dict):
        for key, item in value.items():
            _append(element, key, item)
    elif isinstance(value, list):
        item_name = ITEM_NAMES.get(name, "item")
        for item in value:
            _append(element, item_name, item)
    else:
        element.text = _text(value)


def render(root: str, value, item: str | None = None) -> bytes:
    """`value` is a dict (rendered as the root's children) or a list of dicts (each an `item`)."""
    element = ET.Element(root)
    if isinstance(value, list):
        for entry in value:
            _append(element, item or "item", entry)
    else:
        for key, entry in value.items():
            _append(element, key, entry)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(
        element, encoding="utf-8", xml_declaration=False
    )
