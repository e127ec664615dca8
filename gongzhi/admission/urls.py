from django.urls import path

from . import views

app_name = "admission"
urlpatterns = [
    path("lists/", views.lists, name="lists"),
    path("lists/<int:pk>/export/", views.list_export, name="list_export"),
    path("lists/draft/", views.list_draft, name="list_draft"),
    path("applications/", views.applications, name="applications"),
    path("applications/new/", views.application_new, name="application_new"),
    path("applications/<int:pk>/", views.application_detail, name="application_detail"),
    path("applications/<int:pk>/edit/", views.application_edit, name="application_edit"),
    path("applications/<int:pk>/reports/", views.application_reports, name="application_reports"),
    path("applications/<int:pk>/<slug:step>/", views.application_act, name="application_act"),
    path("catalogue/", views.catalogue, name="catalogue"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/<int:pk>/report/", views.task_report, name="task_report"),
    path("inbox/<int:pk>/<slug:action>/", views.task_act, name="task_act"),
    path("tasks/", views.tasks_sent, name="tasks"),
    path("tasks/new/", views.task_new, name="task_new"),
    path("reconciliation/", views.reconciliation, name="reconciliation"),
    path("certificates/", views.certificates, name="certificates"),
    path("certificates/people/", views.certificate_people, name="certificate_people"),
    path("certificates/<int:pk>/", views.certificate_detail, name="certificate_detail"),
    path("verify/", views.verify, name="verify"),
]
