from django.urls import path

from . import views

app_name = "ledgers"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("screen/", views.screen, name="screen"),
    path("refresh/", views.refresh, name="refresh"),
    path("figure/<str:key>/", views.figure_detail, name="figure"),
    path("export.xlsx", views.export, name="export"),
    path("workbook/", views.workbook, name="workbook"),
    path("ledger.pdf", views.pdf, name="pdf"),
]
