from django.urls import path

from portal.invitations import activation_views

app_name = "activation"
urlpatterns = [
    path("", activation_views.code, name="code"),
    path("<str:token>/", activation_views.link, name="link"),
]
