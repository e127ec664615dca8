from django.contrib.auth import views as auth_views
from django.urls import include, path

from config.api import api
from gongzhi.core.auth import LockoutAuthenticationForm
from gongzhi.core.health import healthz, readyz
from gongzhi.core.manifests import url_includes

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(authentication_form=LockoutAuthenticationForm),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("api/", api.urls),
]
# Each app's pages, as its manifest declares them ("" prefixes last, so they never shadow another app).
urlpatterns += [
    path(prefix, include(module)) for prefix, module in sorted(url_includes(), key=lambda p: p[0] == "")
]
# MEDIA_ROOT is never served as such: demand photos go through demands:photo (a permission
# check), import files are never served at all.

handler404 = "gongzhi.web.views.page_not_found"
handler500 = "gongzhi.web.views.server_error"
