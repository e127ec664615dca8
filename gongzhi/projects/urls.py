from django.urls import path

from . import views

app_name = "projects"
urlpatterns = [
    path("", views.index, name="index"),
    path("notices/", views.notices, name="notices"),
    path("applications/<int:pk>/<str:action>/", views.application_act, name="application_act"),
    path("reviews/<int:pk>/", views.review, name="review"),
    path("reviews/<int:pk>/declare/", views.review_declare, name="review_declare"),
    path("reviews/<int:pk>/score/", views.review_score, name="review_score"),
    path("projects/<int:pk>/", views.project_detail, name="project_detail"),
    path("evaluations/<int:pk>/<str:action>/", views.evaluation_act, name="evaluation_act"),
    path("instalments/<int:pk>/pay/", views.instalment_pay, name="instalment_pay"),
]
