from django.urls import path

from portal.access import views

app_name = "access"
urlpatterns = [
    path("", views.admin_list, name="admins"),
    path("admins/new/", views.admin_create, name="admin_create"),
    path("admins/<int:pk>/", views.admin_edit, name="admin_edit"),
    path("roles/new/", views.role_create, name="role_create"),
    path("roles/<int:pk>/", views.role_edit, name="role_edit"),
    path("preferences/", views.preferences, name="preferences"),
    path("tokens/", views.token_list, name="tokens"),
    path("tokens/issue/", views.token_issue, name="token_issue"),
    path("tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
]
