from django.contrib.auth import views as auth_views
from django.urls import include, path

from config.api import api
from gongzhi.core.auth import LockoutAuthenticationForm

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(authentication_form=LockoutAuthenticationForm),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("api/", api.urls),
    path("registry/", include("gongzhi.registry.urls")),
    path("demands/", include("gongzhi.demands.urls")),
    path("open311/", include("gongzhi.demands.open311.urls")),
    path("integration/", include("gongzhi.integration.urls")),
    path("", include("gongzhi.web.urls")),
]
# MEDIA_ROOT is never served as such: demand photos go through demands:photo (a permission
# check), import files are never served at all.
