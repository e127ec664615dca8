from django.urls import path

from . import views

app_name = "elections"
urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.create, name="create"),
    path("mine/", views.resident, name="resident"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/roll/", views.roll, name="roll"),
    path("<int:pk>/<str:step>/", views.act, name="act"),
    path("objection/<int:pk>/<str:step>/", views.objection_act, name="objection_act"),
    path("candidate/<int:pk>/<str:step>/", views.candidate_act, name="candidate_act"),
]
