from django.urls import path, re_path

from portal.scim import views

urlpatterns = [
    path("ServiceProviderConfig", views.service_provider_config, name="scim-spc"),
    path("ResourceTypes", views.resource_types, name="scim-resource-types"),
    path("ResourceTypes/<str:name>", views.resource_types, name="scim-resource-type"),
    path("Schemas", views.schemas_view, name="scim-schemas"),
    path("Schemas/<str:name>", views.schemas_view, name="scim-schema"),
    path(".search", views.search_all, name="scim-search"),
    path("Users", views.users, name="scim-users"),
    path("Users/.search", views.users_search, name="scim-users-search"),
    path("Users/<str:pk>", views.user, name="scim-user"),
    path("Groups", views.groups, name="scim-groups"),
    path("Groups/.search", views.groups_search, name="scim-groups-search"),
    path("Groups/<str:pk>", views.group, name="scim-group"),
    re_path(r"^(?P<rest>.*)$", views.not_found, name="scim-not-found"),
]
