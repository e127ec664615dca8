from django.conf import settings
from django.conf.urls.static import static
from django.contrib.auth import views as auth_views
from django.urls import include, path

from config.api import api
from gongzhi.core.health import healthz, readyz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("api/", api.urls),
    path("registry/", include("gongzhi.registry.urls")),
    path("demands/", include("gongzhi.demands.urls")),
    path("open311/", include("gongzhi.demands.open311.urls")),
    path("integration/", include("gongzhi.integration.urls")),
    path("jobs/", include("gongzhi.jobs.urls")),
    path("", include("gongzhi.web.urls")),
]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
