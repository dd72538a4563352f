"""helpdesk's own URLs: its notification emails link to the ticket pages."""

from django.urls import include, path

urlpatterns = [path("helpdesk/", include("helpdesk.urls"))]
