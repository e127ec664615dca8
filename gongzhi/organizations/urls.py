from django.urls import path

from . import views

app_name = "organizations"
urlpatterns = [
    path("", views.register, name="register"),
    path("<int:pk>/", views.organization_detail, name="organization_detail"),
    path("<int:pk>/estates/add/", views.company_estates_add, name="company_estates_add"),
    path(
        "<int:pk>/estates/<int:estate_pk>/remove/", views.company_estate_remove, name="company_estate_remove"
    ),
    path("import/", views.register_import, name="import"),
    path("import/template/<str:register>/", views.import_template, name="import_template"),
]

from . import views_spaces  # noqa: E402

urlpatterns += [
    path("spaces/", views_spaces.space_list, name="space_list"),
    path("spaces/<int:pk>/", views_spaces.space_detail, name="space_detail"),
    path("bookings/", views_spaces.booking_list, name="booking_list"),
    path("bookings/<int:pk>/<str:action>/", views_spaces.booking_act, name="booking_act"),
    path("series/<int:pk>/cancel/", views_spaces.series_cancel, name="series_cancel"),
]

from . import views_lists  # noqa: E402

urlpatterns += [
    path("lists/", views_lists.four_lists, name="lists"),
    path("needs/new/", views_lists.need_new, name="need_new"),
    path("needs/submit/", views_lists.need_submit, name="need_submit"),
    path("needs/harvest/", views_lists.needs_harvest, name="needs_harvest"),
    path("needs/<int:pk>/", views_lists.need_detail, name="need_detail"),
    path("needs/<int:pk>/match/", views_lists.need_match, name="need_match"),
    path("needs/<int:pk>/project/", views_lists.need_to_project, name="need_to_project"),
]

from . import views_figures  # noqa: E402

urlpatterns += [path("figures/", views_figures.figure_list, name="figures")]

from . import views_forms  # noqa: E402

urlpatterns += [
    path("new/", views_forms.organization_new, name="organization_new"),
    path("<int:pk>/edit/", views_forms.organization_edit, name="organization_edit"),
    path("<int:pk>/agreements/new/", views_forms.agreement_new, name="agreement_new"),
    path("committees/new/", views_forms.committee_new, name="committee_new"),
    path("committees/<int:pk>/", views_forms.committee_detail, name="committee_detail"),
    path("committees/<int:pk>/edit/", views_forms.committee_edit, name="committee_edit"),
    path(
        "committees/members/<int:pk>/remove/",
        views_forms.committee_member_remove,
        name="committee_member_remove",
    ),
    path("spaces/new/", views_forms.space_new, name="space_new"),
    path("spaces/<int:pk>/edit/", views_forms.space_edit, name="space_edit"),
    path("needs/<int:pk>/activity/", views_forms.need_activity, name="need_activity"),
]

from . import views_unit  # noqa: E402

urlpatterns += [
    path("unit/", views_unit.unit_home, name="unit"),
    path("unit/agreements/<int:pk>/resources/", views_unit.unit_resource_new, name="unit_resource_new"),
    path("unit/resources/<int:pk>/", views_unit.unit_resource_edit, name="unit_resource_edit"),
    path("unit/needs/<int:pk>/offer/", views_unit.unit_offer, name="unit_offer"),
    path("offers/<int:pk>/decline/", views_unit.offer_decline, name="offer_decline"),
]
