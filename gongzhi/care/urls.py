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
    path("records/<int:pk>/confirm/", views.record_confirm, name="record_confirm"),
]
