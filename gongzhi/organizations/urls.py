from django.urls import path

from . import views

app_name = "organizations"
urlpatterns = [
    path("", views.register, name="register"),
    path("<int:pk>/", views.organization_detail, name="organization_detail"),
    path("import/", views.register_import, name="import"),
    path("import/template/<str:register>/", views.import_template, name="import_template"),
]
