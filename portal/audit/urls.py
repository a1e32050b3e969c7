from django.urls import path

from portal.audit import views

app_name = "audit"
urlpatterns = [path("", views.placeholder, name="list")]
