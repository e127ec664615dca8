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

from . import views_calls  # noqa: E402

# Before "applications/<pk>/<action>/" (the workflow steps) would catch it.
urlpatterns.insert(
    0, path("applications/<int:pk>/edit/", views_calls.application_edit, name="application_edit")
)
urlpatterns += [
    path("calls/new/", views_calls.call_new, name="call_new"),
    path("calls/<int:pk>/", views_calls.call_detail, name="call_detail"),
    path("calls/<int:pk>/edit/", views_calls.call_edit, name="call_edit"),
    path("calls/<int:pk>/phase/", views_calls.call_phase, name="call_phase"),
    path("calls/<int:pk>/items/", views_calls.call_item_add, name="call_item_add"),
    path("calls/<int:pk>/reviewers/", views_calls.call_reviewers, name="call_reviewers"),
    path("calls/<int:pk>/apply/", views_calls.application_new, name="application_new"),
]

from . import views_bars  # noqa: E402

urlpatterns += views_bars.urlpatterns

from . import views_details  # noqa: E402

# Before "evaluations/<pk>/<action>/" would catch "evaluations/<pk>/sample/".
urlpatterns[0:0] = views_details.urlpatterns
