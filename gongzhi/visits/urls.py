from django.urls import path

from . import views

app_name = "visits"
urlpatterns = [
    path("", views.my_day, name="my_day"),
    path("sw.js", views.service_worker, name="service_worker"),
    path("household/<int:pk>/", views.household, name="household"),
    path("household/<int:pk>/correct/", views.fact_correct, name="fact_correct"),
    path("household/<int:pk>/code/", views.code_issue, name="code_issue"),
    path("household/<int:pk>/visit/", views.visit_create, name="visit_create"),
    path("upload/", views.upload, name="upload"),
    path("coverage/", views.coverage, name="coverage"),
    path("coverage/apply/", views.coverage_apply, name="coverage_apply"),
    path("coverage/move/", views.coverage_move, name="coverage_move"),
    path("plans/", views.plans, name="plans"),
    path("plans/generate/", views.plans_generate, name="plans_generate"),
    path("plans/item/<int:pk>/move/", views.plan_move, name="plan_move"),
    path("ledger/", views.ledger, name="ledger"),
    path("ledger/export/", views.ledger_export, name="ledger_export"),
    path("diary/export/", views.diary_export, name="diary_export"),
    path("ledger/<int:pk>/", views.ledger_item, name="ledger_item"),
    path("ledger/<int:pk>/<str:action>/", views.ledger_action, name="ledger_action"),
    path("figures/", views.figures, name="figures"),
    path("courtyards/", views.courtyards, name="courtyards"),
    path("courtyards/schedule/", views.inspections_plan, name="inspections_plan"),
    path("courtyards/arrangement/", views.arrangement_create, name="arrangement_create"),
    path("courtyards/inspection/<int:pk>/", views.inspection_record, name="inspection_record"),
    path("courtyards/finding/<int:pk>/resolve/", views.finding_resolve, name="finding_resolve"),
]
