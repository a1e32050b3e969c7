from django.urls import path

from portal.permissions import views

app_name = "permissions"
urlpatterns = [
    path("", views.group_list, name="list"),
    path("new/", views.group_create, name="create"),
    path("<int:pk>/rename/", views.group_rename, name="rename"),
    path("<int:pk>/default/", views.group_set_default, name="set_default"),
]
