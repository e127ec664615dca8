from django.urls import path

from . import views

app_name = "budgeting"
urlpatterns = [
    path("", views.round_list, name="rounds"),
    path("new/", views.round_new, name="new"),
    path("import/", views.round_import, name="import"),
    path("<int:pk>/", views.round_detail, name="round"),
    path("<int:pk>/export.pb", views.round_export, name="export"),
]
