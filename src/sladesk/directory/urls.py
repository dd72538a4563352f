from django.urls import path

from sladesk.directory import views

app_name = "directory"

urlpatterns = [
    path("", views.customers, name="customers"),
    # path, not str: a code from before codes were checked may hold a "/" (fields.code)
    path("c/<path:code>/", views.customer, name="customer"),
    path("stores/", views.stores, name="stores"),
    path("stores/<int:pk>/", views.store, name="store"),
    path("people/", views.people, name="people"),
    path("people/<int:pk>/", views.person, name="person"),
]
