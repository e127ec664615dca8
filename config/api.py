"""The JSON API (OpenAPI 3 at /api/docs). Each app adds its router here.

Every refusal has the same body, {code, message[, field]} (ErrorOut), whatever refused it:
a service (ApplicationError), malformed input (400), missing credentials (401), a body over
the upload limit (413). `_document_errors` writes the answers every operation can give into
the OpenAPI description; a router adds the ones particular to an operation (409 and the like).
"""

from django.core.exceptions import RequestDataTooBig
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from gongzhi.core.api_auth import api_auth
from gongzhi.core.errors import ApplicationError
from gongzhi.core.jsonparser import StrictJSONParser
from gongzhi.core.schemas import ErrorOut

api = NinjaAPI(
    title="Gongzhi 共治 API",
    version="1",
    auth=api_auth,
    urls_namespace="api",
    parser=StrictJSONParser(),
)


def _error(request, status: int, code: str, message: str, **extra):
    return api.create_response(request, {"code": code, "message": message, **extra}, status=status)


@api.exception_handler(ApplicationError)
def application_error(request, exc: ApplicationError):
    return api.create_response(request, exc.as_dict(), status=exc.status)


@api.exception_handler(NinjaValidationError)
def request_validation_error(request, exc: NinjaValidationError):
    """A malformed request body or query gets the same {code, message, field} shape as a refused step."""
    first = exc.errors[0] if exc.errors else {}
    loc = [str(p) for p in first.get("loc", ()) if p not in ("body", "query", "path", "payload", "header")]
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


@api.exception_handler(AuthenticationError)
def authentication_error(request, exc: AuthenticationError):
    return _error(request, 401, "not_authenticated", _("请先登录，或在 Authorization 头中提供有效的令牌。"))


@api.exception_handler(HttpError)
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


@api.exception_handler(RequestDataTooBig)
def body_too_large(request, exc=None):
    from django.conf import settings

    return _error(
        request,
        413,
        "body_too_large",
        _("请求体过大（上限 %(mb).1f MB）。") % {"mb": settings.DATA_UPLOAD_MAX_MEMORY_SIZE / 1024 / 1024},
    )


def _add_routers() -> None:
    from gongzhi.demands.api import router as demands_router
    from gongzhi.integration.api import router as integration_router
    from gongzhi.registry.api import router as registry_router

    api.add_router("/registry/", registry_router)
    api.add_router("/demands/", demands_router)
    api.add_router("/integration/", integration_router)


def _document_errors() -> None:
    """Add the answers any operation can give to its OpenAPI description (and response map):
    400 malformed input, 401/403/404 for operations behind authentication, 413 for a body."""
    for bound in api._get_bound_routers():
        for path_view in bound.path_operations.values():
            for op in path_view.operations:
                statuses = [400]
                if op.auth_callbacks:
                    statuses += [401, 403, 404]
                if set(op.methods) & {"POST", "PUT", "PATCH"}:
                    statuses.append(413)
                if len(op.response_models) == 1 and 200 not in op.response_models:
                    continue  # a bare return means that one status; more would change it
                for status in statuses:
                    op.response_models.setdefault(status, op._create_response_model(ErrorOut))


_add_routers()
_document_errors()
