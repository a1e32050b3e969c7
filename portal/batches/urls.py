from django.urls import path

from portal.batches import views

app_name = "batches"
urlpatterns = [path("", views.placeholder, name="list")]
