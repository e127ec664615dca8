"""The API's answers to refused requests, all in one shape: {code, message[, field]} (ErrorOut),
whatever refused them: a service (ApplicationError), malformed input (400), missing
credentials (401), a body over the upload limit (413)."""

from __future__ import annotations

from django.core.exceptions import RequestDataTooBig
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from .errors import ApplicationError


def install(api) -> None:
    """Register the handlers on a NinjaAPI."""

    def _on(exc_class):
        return lambda fn: api.add_exception_handler(exc_class, fn) or fn

    def _error(request, status: int, code: str, message: str, **extra):
        return api.create_response(request, {"code": code, "message": message, **extra}, status=status)

    @_on(ApplicationError)
    def application_error(request, exc: ApplicationError):
        return api.create_response(request, exc.as_dict(), status=exc.status)

    @_on(NinjaValidationError)
    def request_validation_error(request, exc: NinjaValidationError):
        """A malformed request body or query gets the same {code, message, field} shape as a refused step."""
        first = exc.errors[0] if exc.errors else {}
        loc = [
            str(p) for p in first.get("loc", ()) if p not in ("body", "query", "path", "payload", "header")
        ]
        body = {
            "code": "invalid_input",
            "message": _("请求数据格式不正确：%(field)s %(detail)s")
            % {"field": ".".join(loc) or "-", "detail": first.get("msg", "")},
            "field": loc[-1] if loc else None,
            "errors": _json_safe(exc.errors),
        }
        return api.create_response(request, body, status=400)

    def _json_safe(errors):
        """Pydantic's error list carries the rejected input; keep only what JSON can carry."""
        safe = []
        for e in errors:
            item = {k: v for k, v in e.items() if k in ("type", "loc", "msg")}
            item["loc"] = [p if isinstance(p, int | str) else str(p) for p in item.get("loc", ())]
            safe.append(item)
        return safe

    @_on(AuthenticationError)
    def authentication_error(request, exc: AuthenticationError):
        return _error(
            request, 401, "not_authenticated", _("请先登录，或在 Authorization 头中提供有效的令牌。")
        )

    @_on(HttpError)
    def http_error(request, exc: HttpError):
        """Ninja's own refusals: an unreadable body (400), a body over the limit (413), and the rest."""
        cause = exc.__cause__
        if isinstance(cause, RequestDataTooBig):
            return body_too_large(request)
        if isinstance(cause, ApplicationError):
            return application_error(request, cause)
        if exc.status_code == 400:
            return _error(
                request,
                400,
                "unparseable_body",
                _("请求体无法解析，请发送 UTF-8 编码的 JSON（Content-Type: application/json）。"),
            )
        return _error(request, exc.status_code, "http_error", str(exc))

    @_on(RequestDataTooBig)
    def body_too_large(request, exc=None):
        from django.conf import settings

        return _error(
            request,
            413,
            "body_too_large",
            _("请求体过大（上限 %(mb).1f MB）。")
            % {"mb": settings.DATA_UPLOAD_MAX_MEMORY_SIZE / 1024 / 1024},
        )
