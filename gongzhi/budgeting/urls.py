from django.urls import path

from . import views

app_name = "budgeting"
urlpatterns = [
    path("", views.round_list, name="rounds"),
    path("<int:pk>/", views.round_detail, name="round"),
    path("<int:pk>/export.pb", views.round_export, name="export"),
]
