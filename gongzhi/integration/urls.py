from django.urls import path

from . import views

app_name = "integration"
urlpatterns = [
    path("", views.source_list, name="source_list"),
    path("sources/new/", views.source_create, name="source_create"),
    path("sources/<int:pk>/", views.source_detail, name="source_detail"),
    path("sources/<int:pk>/upload/", views.batch_upload, name="batch_upload"),
    path("batches/<int:pk>/", views.batch_detail, name="batch_detail"),
    path("batches/<int:pk>/resume/", views.batch_resume, name="batch_resume"),
    path("review/", views.review_list, name="review_list"),
    path("review/<int:pk>/", views.candidate_detail, name="candidate_detail"),
    path("review/records/<int:pk>/", views.review_record, name="review_record"),
    path("conflicts/", views.conflict_list, name="conflict_list"),
    path("conflicts/<int:pk>/resolve/", views.conflict_resolve, name="conflict_resolve"),
    path("merges/", views.merge_list, name="merge_list"),
    path("merges/new/", views.merge_create, name="merge_create"),
    path("merges/<int:pk>/undo/", views.merge_undo, name="merge_undo"),
    path("people/<int:pk>/provenance/", views.person_provenance, name="person_provenance"),
    path("department/", views.department_data, name="department"),
    path("department/export/", views.department_export, name="department_export"),
    path("sharing/", views.sharing_rules, name="sharing"),
]
