"""The JSON API (OpenAPI 3 at /api/docs). Each app's router comes from its manifest.

Every refusal has the same body, {code, message[, field]} (ErrorOut), whatever refused it:
a service (ApplicationError), malformed input (400), missing credentials (401), a body over
the upload limit (413). `_document_errors` writes the answers every operation can give into
the OpenAPI description; a router adds the ones particular to an operation (409 and the like).
"""

from ninja import NinjaAPI

from gongzhi.core.api_auth import api_auth
from gongzhi.core.api_errors import install as install_error_handlers
from gongzhi.core.jsonparser import StrictJSONParser
from gongzhi.core.schemas import ErrorOut

api = NinjaAPI(
    title="Gongzhi 共治 API",
    version="1",
    auth=api_auth,
    urls_namespace="api",
    parser=StrictJSONParser(),
)


install_error_handlers(api)


def _add_routers() -> None:
    """Each app's router, as its manifest declares it."""
    from django.utils.module_loading import import_string

    from gongzhi.core.manifests import api_routers

    for prefix, router in api_routers():
        api.add_router(prefix, import_string(router.replace(":", ".")))


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
