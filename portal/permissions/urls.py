from django.urls import path

from portal.permissions import views

app_name = "permissions"
urlpatterns = [path("", views.placeholder, name="list")]
