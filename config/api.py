"""The JSON API (OpenAPI 3 at /api/docs). Each app's router comes from its manifest."""

from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import ValidationError as NinjaValidationError

from gongzhi.core.api_auth import api_auth
from gongzhi.core.errors import ApplicationError

api = NinjaAPI(
    title="Gongzhi 共治 API",
    version="1",
    auth=api_auth,
    urls_namespace="api",
)


@api.exception_handler(ApplicationError)
def application_error(request, exc: ApplicationError):
    return api.create_response(request, exc.as_dict(), status=exc.status)


@api.exception_handler(NinjaValidationError)
def request_validation_error(request, exc: NinjaValidationError):
    """A malformed request body or query gets the same {code, message, field} shape as a refused step."""
    first = exc.errors[0] if exc.errors else {}
    loc = [str(p) for p in first.get("loc", ()) if p not in ("body", "query", "path", "payload")]
    body = {
        "code": "invalid_input",
        "message": _("请求数据格式不正确：%(field)s %(detail)s")
        % {"field": ".".join(loc) or "-", "detail": first.get("msg", "")},
        "field": loc[-1] if loc else None,
        "errors": exc.errors,
    }
    return api.create_response(request, body, status=400)


def _add_routers() -> None:
    """Each app's router, as its manifest declares it."""
    from django.utils.module_loading import import_string

    from gongzhi.core.manifests import api_routers

    for prefix, router in api_routers():
        api.add_router(prefix, import_string(router.replace(":", ".")))


_add_routers()
