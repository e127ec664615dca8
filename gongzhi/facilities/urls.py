from django.urls import path

from . import views

app_name = "facilities"
urlpatterns = [
    path("", views.compliance, name="compliance"),
    path("community/<str:code>/", views.community, name="community"),
    path("standards/", views.standards, name="standards"),
    path("circle/", views.circle, name="circle"),
]
