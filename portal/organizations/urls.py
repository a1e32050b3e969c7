from django.urls import path

from portal.organizations import views

app_name = "organizations"
urlpatterns = [path("", views.placeholder, name="list")]
