from django.urls import path

from sladesk.intake import views

app_name = "intake"

urlpatterns = [
    path("", views.mail_list, name="list"),
    path("<int:pk>/", views.mail_detail, name="detail"),
    path("<int:pk>/release/", views.release, name="release"),
    path("<int:pk>/discard/", views.discard, name="discard"),
]
