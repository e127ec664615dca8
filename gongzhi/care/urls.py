from django.urls import path

from . import views

app_name = "care"
urlpatterns = [
    path("", views.index, name="index"),
    path("calls/", views.calls, name="calls"),
    path("calls/<int:pk>/answer/", views.call_answer, name="call_answer"),
    path("meals/", views.meals, name="meals"),
    path("meals/<int:pk>/served/", views.meal_log, name="meal_log"),
    path("orders/", views.orders, name="orders"),
    path("orders/new/", views.order_create, name="order_create"),
    path("eligibility/", views.eligibility, name="eligibility"),
    path("profiles/new/", views.profile_create, name="profile_create"),
    path("records/<int:pk>/confirm/", views.record_confirm, name="record_confirm"),
]
