from django.urls import path

from . import views, views_funding

app_name = "facilities"
urlpatterns = [
    path("", views.compliance, name="compliance"),
    path("community/<str:code>/", views.community, name="community"),
    path("standards/", views.standards, name="standards"),
    path("circle/", views.circle, name="circle"),
    path("layer.json", views.layer, name="layer"),
    path("funding/", views_funding.funding, name="funding"),
    path("funding/<str:code>/", views_funding.funding_community, name="funding_community"),
]
