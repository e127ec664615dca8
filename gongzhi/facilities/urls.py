from django.urls import path

from . import views, views_funding, views_register

app_name = "facilities"
urlpatterns = [
    path("", views.compliance, name="compliance"),
    path("community/<str:code>/", views.community, name="community"),
    path("standards/", views.standards, name="standards"),
    path("standards/new/", views_register.standard_new, name="standard_new"),
    path("community/<str:code>/premises/new/", views_register.premises_new, name="premises_new"),
    path("premises/<int:pk>/", views_register.premises_edit, name="premises_edit"),
    path("premises/<int:pk>/retire/", views_register.premises_retire, name="premises_retire"),
    path("community/<str:code>/facilities/new/", views_register.facility_new, name="facility_new"),
    path("facility/<int:pk>/", views_register.facility_edit, name="facility_edit"),
    path("facility/<int:pk>/retire/", views_register.facility_retire, name="facility_retire"),
    path("circle/", views.circle, name="circle"),
    path("layer.json", views.layer, name="layer"),
    path("funding/", views_funding.funding, name="funding"),
    path("funding/<str:code>/", views_funding.funding_community, name="funding_community"),
]
