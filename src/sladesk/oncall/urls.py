from django.urls import path

from sladesk.oncall import views

app_name = "oncall"

urlpatterns = [
    path("oncall/", views.rota, name="rota"),
    path("oncall/add/", views.add, name="add"),
    path("oncall/<int:pk>/remove/", views.remove, name="remove"),
    path("supervisor/", views.supervisor, name="supervisor"),
]
