from django.urls import path

from . import views

app_name = "registry"
urlpatterns = [
    path("people/", views.person_list, name="person_list"),
    path("people/<int:pk>/", views.person_detail, name="person_detail"),
    path("people/<int:pk>/reveal/", views.person_reveal, name="person_reveal"),
    path("people/<int:pk>/edit/", views.person_edit, name="person_edit"),
    path("people/<int:pk>/tags/", views.person_tag_add, name="person_tag_add"),
    path("tags/<int:pk>/end/", views.person_tag_end, name="person_tag_end"),
    path("places/", views.place_tree, name="place_tree"),
    path("estates/<int:pk>/", views.estate_detail, name="estate_detail"),
    path("buildings/<int:pk>/", views.building_detail, name="building_detail"),
    path("dwellings/<int:pk>/", views.dwelling_detail, name="dwelling_detail"),
    path("households/<int:pk>/", views.household_detail, name="household_detail"),
    path("import/", views.person_import, name="import"),
    path("import/template.xlsx", views.import_template, name="import_template"),
    path("export/", views.person_export, name="export"),
]
