from django.urls import path

from sladesk.notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.mine, name="mine"),
    path("read/", views.read, name="read"),
    path("webhooks/", views.webhooks, name="webhooks"),
    path("webhooks/<int:pk>/remove/", views.remove_webhook, name="remove_webhook"),
]
