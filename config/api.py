"""The JSON API (OpenAPI 3 at /api/docs). Each app adds its router here."""

from ninja import NinjaAPI

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


def _add_routers() -> None:
    from gongzhi.demands.api import router as demands_router
    from gongzhi.integration.api import router as integration_router
    from gongzhi.registry.api import router as registry_router

    api.add_router("/registry/", registry_router)
    api.add_router("/demands/", demands_router)
    api.add_router("/integration/", integration_router)


_add_routers()
