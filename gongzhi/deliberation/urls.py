from django.urls import path

from . import views

app_name = "deliberation"
urlpatterns = [
    path("", views.council_list, name="councils"),
    path("mine/", views.mine, name="mine"),
    path("622/", views.figure_622, name="figure_622"),
    path("council/<int:pk>/", views.council_detail, name="council"),
    path("council/<int:pk>/propose/", views.topic_new, name="topic_new"),
    path("topic/<int:pk>/", views.topic_detail, name="topic"),
    path("topic/<int:pk>/<slug:step>/", views.topic_act, name="topic_act"),
    path("poll/<int:pk>/", views.poll_detail, name="poll"),
]
