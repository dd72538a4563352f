from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.i18n import set_language

from sladesk.config import views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(next_page="login"), name="logout"),
    path("i18n/", set_language, name="set_language"),
    path("directory/", include("sladesk.directory.urls")),
    path("mail/", include("sladesk.intake.urls")),
    path("", include("sladesk.oncall.urls")),
    path("notifications/", include("sladesk.notifications.urls")),
    path("", include("sladesk.tickets.urls")),
]
