from django.urls import path

from sladesk.tickets import macro_views, phone_views, queue_views, search_views, views

app_name = "tickets"

urlpatterns = [
    path("", queue_views.queue, name="queue"),
    path("bulk/", queue_views.bulk_action, name="bulk"),
    path("filters/", queue_views.filter_save, name="filter_save"),
    path("filters/<int:pk>/remove/", queue_views.filter_remove, name="filter_remove"),
    path("t/<slug:code>/", views.detail, name="detail"),
    path("t/<slug:code>/files/<int:pk>/", views.attachment, name="attachment"),
    path("t/<slug:code>/priority/", views.priority_preview, name="priority_preview"),
    path("t/<slug:code>/poll/", views.poll, name="poll"),
    path("t/<slug:code>/draft/", views.draft, name="draft"),
    path("t/<slug:code>/macro/", macro_views.macro_fill, name="macro"),
    path("t/<slug:code>/<slug:action>/", views.act, name="act"),
    path("phone/", phone_views.phone, name="phone"),
    path("macros/", macro_views.macro_list, name="macros"),
    path("macros/<int:pk>/", macro_views.macro_edit, name="macro_edit"),
    path("search/", search_views.search, name="search"),
]
