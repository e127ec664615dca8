"""The one input guard: refuse, before any view runs, input no one can store.

One middleware looks at what a request carries as text — the path, query parameters, form
fields (urlencoded or multipart, not the files) and JSON bodies (every string, keys
included) — and refuses the request when one holds a control character, NUL, a lone
surrogate or a non-character (core.text.bad_character), with the one code
`control_character`. A form body over the upload limit answers 413 `body_too_large`.
Nothing reaches a form, a ninja schema or a service, so nothing is stored. The API answers
in the `{code, message, field}` shape, Open311 in GeoReport v2's error list, pages with the
message on the error page.

Spreadsheet imports read files, not fields: their readers check cells with the same
`core.text.bad_character` and reject the row.
"""

from __future__ import annotations

import json
from typing import Any
from xml.sax.saxutils import escape

from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from .text import bad_character, bad_character_message

API_PREFIXES = ("/api/", "/open311/")
# A JSON body larger than this is left to the parser's own limits (and answered there).
_MAX_JSON_SCAN = 10 * 1024 * 1024


def _walk(value: Any, path: str) -> tuple[str, str] | None:
    """The first (field path, bad character) in a parsed JSON value."""
    if isinstance(value, str):
        char = bad_character(value)
        return (path, char) if char else None
    if isinstance(value, dict):
        for key, item in value.items():
            key = str(key)
            char = bad_character(key)
            if char:
                return (path or key, char)
            found = _walk(item, f"{path}.{key}" if path else key)
            if found:
                return found
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found = _walk(item, f"{path}[{i}]" if path else f"[{i}]")
            if found:
                return found
    return None


def _in_querydict(data) -> tuple[str, str] | None:
    for key, values in data.lists():
        char = bad_character(key)
        if char:
            return (key, char)
        for value in values:
            if isinstance(value, str):
                char = bad_character(value)
                if char:
                    return (key, char)
    return None


def find_bad_input(request) -> tuple[str, str] | None:
    """(field, character) of the first text input holding a character we refuse, or None.
    Raises RequestDataTooBig for a form body over the upload limit."""
    char = bad_character(request.path)
    if char:
        return ("", char)
    found = _in_querydict(request.GET)
    if found or request.method in ("GET", "HEAD", "OPTIONS"):
        return found
    content_type = (request.content_type or "").lower()
    try:
        if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            return _in_querydict(request.POST)
        if "json" in content_type or request.path.startswith(API_PREFIXES):
            length = int(request.META.get("CONTENT_LENGTH") or 0)
            if not length or length > _MAX_JSON_SCAN:
                return None
            body = request.body
            if not body:
                return None
            return _walk(json.loads(body), "")
    except RequestDataTooBig:
        raise
    except Exception:  # an unreadable or oversized body is answered by the parser that reads it
        return None
    return None


class InputGuardMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            found = find_bad_input(request)
        except RequestDataTooBig:
            return _refuse(request, 413, "body_too_large", _("提交的内容过大。"), "")
        if found is None:
            return self.get_response(request)
        field, char = found
        return _refuse(request, 400, "control_character", bad_character_message(char, field), field)


def _refuse(request, status: int, code: str, message, field: str):
    if request.path.startswith("/open311/"):
        return _open311_error(request.path, status, str(message))
    if request.path.startswith(API_PREFIXES):
        return JsonResponse({"code": code, "message": str(message), "field": field or None}, status=status)
    return render(request, "web/error.html", {"message": message}, status=status)


def _open311_error(path: str, status: int, description: str) -> HttpResponse:
    """The GeoReport v2 error list, in the format the path asks for."""
    if path.endswith(".xml"):
        body = (
            f'<?xml version="1.0" encoding="utf-8"?>\n<errors><error><code>{status}</code>'
            f"<description>{escape(description)}</description></error></errors>"
        )
        return HttpResponse(body, content_type="text/xml; charset=utf-8", status=status)
    return JsonResponse(
        [{"code": status, "description": description}],
        safe=False,
        status=status,
        json_dumps_params={"ensure_ascii": False},
    )
