from django.urls import path

from sladesk.tickets import views

app_name = "tickets"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("t/<str:code>/", views.detail, name="detail"),
    path("t/<str:code>/files/<int:pk>/", views.attachment, name="attachment"),
    path("t/<str:code>/<slug:action>/", views.act, name="act"),
    path("phone/", views.phone, name="phone"),
]
