from django.urls import path

from . import views

app_name = "volunteers"
urlpatterns = [
    path("", views.home, name="home"),
    path("register/", views.register_self, name="register_self"),
    path("activities/", views.activity_list, name="activity_list"),
    path("activities/new/", views.activity_new, name="activity_new"),
    path("activities/<int:pk>/", views.activity_detail, name="activity_detail"),
    path("activities/<int:pk>/shifts/", views.shift_add, name="shift_add"),
    path("activities/<int:pk>/code/", views.checkin_screen, name="checkin_screen"),
    path("activities/<int:pk>/checkin/", views.checkin, name="checkin"),
    path("activities/<int:pk>/hours/", views.hours_enter, name="hours_enter"),
    path("hours/<int:pk>/correct/", views.hours_correct, name="hours_correct"),
    path("shifts/<int:pk>/signup/", views.signup, name="signup"),
    path("signups/<int:pk>/cancel/", views.signup_cancel, name="signup_cancel"),
    path("roster/", views.roster, name="roster"),
    path("roster/register/", views.register_walk_in, name="register_walk_in"),
    path("teams/", views.teams, name="teams"),
    path("no-shows/", views.no_shows, name="no_shows"),
    path("rewards/", views.rewards, name="rewards"),
    path("rewards/<int:pk>/redeem/", views.redeem, name="redeem"),
]

from . import views_wishes  # noqa: E402

urlpatterns += views_wishes.urlpatterns

from . import views_timebank  # noqa: E402

urlpatterns += views_timebank.urlpatterns

from . import views_figures  # noqa: E402

urlpatterns += views_figures.urlpatterns

from . import views_certificates  # noqa: E402

urlpatterns += views_certificates.urlpatterns

from . import views_points  # noqa: E402

urlpatterns += views_points.urlpatterns
