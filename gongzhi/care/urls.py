from django.urls import path

from . import views

app_name = "care"
urlpatterns = [
    path("", views.index, name="index"),
    path("profiles/new/", views.profile_create, name="profile_create"),
    path("profiles/<int:pk>/", views.profile, name="profile"),
    path("profiles/<int:pk>/edit/", views.profile_update, name="profile_update"),
    path("profiles/<int:pk>/contacts/", views.contact_add, name="contact_add"),
    path("contacts/<int:pk>/remove/", views.contact_remove, name="contact_remove"),
    path("profiles/<int:pk>/devices/", views.device_install, name="device_install"),
    path("devices/<int:pk>/deactivate/", views.device_deactivate, name="device_deactivate"),
    path("calls/", views.calls, name="calls"),
    path("calls/<int:pk>/answer/", views.call_answer, name="call_answer"),
    path("meals/", views.meals, name="meals"),
    path("meals/<int:pk>/served/", views.meal_log, name="meal_log"),
    path("meals/enrolments/", views.enrolments, name="enrolments"),
    path("meals/enrolments/new/", views.enrolment_create, name="enrolment_create"),
    path("meals/enrolments/<int:pk>/end/", views.enrolment_end, name="enrolment_end"),
    path("meals/points/", views.meal_points, name="meal_points"),
    path("meals/points/new/", views.meal_point_create, name="meal_point_create"),
    path("meals/points/<int:pk>/", views.meal_point_edit, name="meal_point_edit"),
    path("orders/", views.orders, name="orders"),
    path("orders/<int:pk>/rate/", views.order_rate, name="order_rate"),
    path("orders/new/", views.order_create, name="order_create"),
    path("orders/<int:pk>/", views.order, name="order"),
    path("orders/<int:pk>/records/", views.record_add, name="record_add"),
    path("statement/", views.statement, name="statement"),
    path("eligibility/", views.eligibility, name="eligibility"),
    path("records/<int:pk>/confirm/", views.record_confirm, name="record_confirm"),
]
