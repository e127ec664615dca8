"""Open311 GeoReport v2 under /open311/v2/, the discovery document at /open311/discovery.(json|xml)."""

from django.urls import path, re_path

from . import views

app_name = "open311"
FMT = r"\.(?P<fmt>json|xml)$"

urlpatterns = [
    re_path(r"^discovery" + FMT, views.discovery, name="discovery"),
    path("v2/", views.root, name="root"),
    re_path(r"^v2/services" + FMT, views.services, name="services"),
    re_path(
        r"^v2/services/(?P<service_code>[A-Za-z0-9_\-]+)" + FMT, views.service_definition, name="service"
    ),
    re_path(r"^v2/requests" + FMT, views.requests_, name="requests"),
    re_path(r"^v2/requests/(?P<service_request_id>[^/.]+)" + FMT, views.request_detail, name="request"),
    # The Swagger description of the specification spells the single request `request/{id}`.
    re_path(r"^v2/request/(?P<service_request_id>[^/.]+)" + FMT, views.request_detail),
    re_path(r"^v2/tokens/(?P<token_id>[A-Za-z0-9]+)" + FMT, views.token, name="token"),
    re_path(r"^v2/servicerequestupdates" + FMT, views.request_updates, name="updates"),
]
