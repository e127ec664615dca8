"""Turn an ApplicationError raised under a page into a message the person can act on, and
refuse, before any view runs, input no database can store."""

from django.contrib import messages
from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from .errors import ApplicationError

MACHINE_PREFIXES = ("/api/", "/open311/")


class UnstorableInputMiddleware:
    """A NUL character in the path, the query string or a posted form field cannot be stored
    (PostgreSQL refuses it in text) and is never meaningful: answer 400 before any view runs,
    as {code, message} for the API and as the error page for people. A form body over the
    upload limit answers 413. (JSON bodies are checked by core.jsonparser.)"""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            bad = self._has_nul(request)
        except RequestDataTooBig:
            return self._refuse(request, 413, "body_too_large", _("提交的内容过大。"))
        if bad:
            return self._refuse(
                request, 400, "invalid_text", _("请求中含有无法保存的字符（空字符 NUL），请删除后重试。")
            )
        return self.get_response(request)

    @staticmethod
    def _has_nul(request) -> bool:
        if "\x00" in request.path:
            return True
        sources = [request.GET]
        if request.method == "POST" and request.content_type in (
            "application/x-www-form-urlencoded",
            "multipart/form-data",
        ):
            sources.append(request.POST)
        return any(
            "\x00" in key or any("\x00" in v for v in values if isinstance(v, str))
            for data in sources
            for key, values in data.lists()
        )

    @staticmethod
    def _refuse(request, status: int, code: str, message: str):
        if request.path.startswith("/open311/"):  # GeoReport v2's own error list
            return JsonResponse([{"code": status, "description": message}], safe=False, status=status)
        if request.path.startswith(MACHINE_PREFIXES):
            return JsonResponse({"code": code, "message": message}, status=status)
        return render(request, "web/error.html", {"message": message}, status=status)


class ApplicationErrorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, ApplicationError) or request.path.startswith(("/api/", "/open311/")):
            return None
        if exception.status in (403, 404):
            return render(request, "web/error.html", {"message": exception.message}, status=exception.status)
        messages.error(request, exception.message)
        back = request.META.get("HTTP_REFERER", "")
        if back and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
            return HttpResponseRedirect(back)
        return render(request, "web/error.html", {"message": exception.message}, status=exception.status)
