from django.urls import path

from . import views

app_name = "evaluation"
urlpatterns = [
    path("", views.survey_list, name="list"),
    path("new/", views.survey_new, name="new"),
    path("answer/", views.answer, name="answer"),
    path("assessment/", views.assessment, name="assessment"),
    path("<int:pk>/", views.survey_detail, name="detail"),
    path("<int:pk>/results/", views.results, name="results"),
    path("<int:pk>/visit/", views.visit, name="visit"),
    path("<int:pk>/rate/", views.rate, name="rate"),
]
