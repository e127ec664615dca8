"""Demand photos: never public. A photo is served to whoever may see its demand (the reporting
resident, staff in scope, the handling unit), or through a time-limited signed link given to an
Open311 caller who may read the demand in full. Anyone else gets 404 (no existence oracle).

In production the web server sends the file: with GONGZHI_PROTECTED_MEDIA = "x-accel-redirect"
(nginx; an `internal` location at GONGZHI_PROTECTED_MEDIA_PREFIX aliased to MEDIA_ROOT) or
"x-sendfile" (Apache mod_xsendfile, lighttpd); by default Django streams it (development)."""

from __future__ import annotations

import mimetypes
from urllib.parse import quote

from django.conf import settings
from django.core import signing
from django.http import FileResponse, Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.urls import path
from django.views.decorators.http import require_GET

from .models import PHOTO_LINK_SALT, DemandPhoto
from .rules import VIEW

SIGNED_LINK_MAX_AGE = 7 * 24 * 3600


def _photo(pk: int, name: str) -> DemandPhoto:
    photo = DemandPhoto.objects.select_related("demand").filter(pk=pk).first()
    if photo is None or photo.basename != name:
        raise Http404()
    return photo


def _serve(photo: DemandPhoto) -> HttpResponseBase:
    mode = (getattr(settings, "GONGZHI_PROTECTED_MEDIA", "") or "").lower()
    response: HttpResponseBase
    content_type = mimetypes.guess_type(photo.basename)[0] or "application/octet-stream"
    if mode == "x-accel-redirect":
        response = HttpResponse(content_type=content_type)
        prefix = settings.GONGZHI_PROTECTED_MEDIA_PREFIX.rstrip("/")
        response["X-Accel-Redirect"] = f"{prefix}/{quote(photo.file.name or '')}"
    elif mode == "x-sendfile":
        response = HttpResponse(content_type=content_type)
        response["X-Sendfile"] = photo.file.path
    else:
        try:
            response = FileResponse(photo.file.open("rb"), content_type=content_type)
        except FileNotFoundError as exc:
            raise Http404() from exc
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'"
    return response


@require_GET
def photo(request, pk: int, name: str):
    photo = _photo(pk, name)
    if not (request.user.is_authenticated and request.user.has_perm(VIEW, photo.demand)):
        raise Http404()
    return _serve(photo)


@require_GET
def photo_signed(request, pk: int, token: str, name: str):
    photo = _photo(pk, name)
    try:
        signed_pk = signing.loads(token, salt=PHOTO_LINK_SALT, max_age=SIGNED_LINK_MAX_AGE)
    except signing.BadSignature as exc:
        raise Http404() from exc
    if signed_pk != photo.pk:
        raise Http404()
    return _serve(photo)


urlpatterns = [
    path("photos/<int:pk>/<str:name>", photo, name="photo"),
    path("photos/<int:pk>/<str:token>/<str:name>", photo_signed, name="photo_signed"),
]
