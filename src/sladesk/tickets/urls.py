from django.urls import path

from sladesk.tickets import views

app_name = "tickets"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("t/<slug:code>/", views.detail, name="detail"),
    path("t/<slug:code>/files/<int:pk>/", views.attachment, name="attachment"),
    path("t/<slug:code>/<slug:action>/", views.act, name="act"),
    path("phone/", views.phone, name="phone"),
]
