from django.urls import path

from portal.organizations import views

app_name = "organizations"
urlpatterns = [
    path("", views.organization_list, name="list"),
    path("new/", views.organization_create, name="create"),
    path("<slug:slug>/", views.organization_edit, name="edit"),
]
