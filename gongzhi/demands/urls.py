from django.urls import path

from . import hotissues_views, views, views_photos

app_name = "demands"
urlpatterns = [
    path("submit/", views.submit, name="submit"),
    path("submit/buildings/", views.buildings, name="buildings"),
    path("track/", views.track, name="track_lookup"),
    path("track/<str:code>/", views.track, name="track"),
    path("mine/", views.mine, name="mine"),
    path("intake/", views.intake, name="intake"),
    path("work/", views.work_list, name="work_list"),
    path("reported/", views.reported, name="reported"),
    path("queue/", views.queue, name="queue"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/act/<str:action>/", views.act, name="act"),
    path("<int:pk>/contact/", views.contact_reveal, name="contact_reveal"),
    path("rates/", views.rates_dashboard, name="rates"),
    path("rates/demands/", views.rates_drill, name="rates_drill"),
    path("overdue/", views.overdue, name="overdue"),
    path("notifications/read/", views.notifications_read, name="notifications_read"),
    *views_photos.urlpatterns,  # photos/<pk>/<name> (demands:photo, demands:photo_signed)
    *hotissues_views.urlpatterns,  # hot-issues/ (demands:hot_issues), hot-issues/task/
]
