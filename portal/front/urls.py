from django.urls import path

from portal.front import views

urlpatterns = [
    path("", views.home, name="home"),
]
