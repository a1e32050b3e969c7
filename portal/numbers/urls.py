from django.urls import path

from portal.numbers import views

app_name = "numbers"
urlpatterns = [path("", views.placeholder, name="list")]
