from django.urls import path

from portal.access import views

app_name = "access"
urlpatterns = [path("", views.placeholder, name="admins"), path("tokens/", views.placeholder, name="tokens")]
