from django.urls import path

from portal.alerts import views

app_name = "alerts"
urlpatterns = [path("setup/", views.setup, name="setup")]
