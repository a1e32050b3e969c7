from django.urls import path

from portal.invitations import views

app_name = "invitations"
urlpatterns = [path("", views.placeholder, name="templates")]
