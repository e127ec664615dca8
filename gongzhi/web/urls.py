from django.urls import path

from . import users, views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("access-log/", views.access_log, name="access_log"),
    path("users/", users.user_list, name="user_list"),
    path("users/new/", users.user_create, name="user_create"),
    path("users/<int:pk>/", users.user_detail, name="user_detail"),
    path("users/<int:pk>/assign/", users.user_assign, name="user_assign"),
    path("users/<int:pk>/revoke/<int:assignment_id>/", users.user_revoke, name="user_revoke"),
    path("users/<int:pk>/active/", users.user_active, name="user_active"),
]
