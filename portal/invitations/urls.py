from django.urls import path

from portal.invitations import views

app_name = "invitations"
urlpatterns = [
    path("", views.templates, name="templates"),
    path(
        "templates/<slug:slug>/<str:language>/<str:channel>/",
        views.template_edit,
        name="template_edit",
    ),
    path(
        "templates/<slug:slug>/<str:language>/<str:channel>/preview/",
        views.template_preview,
        name="template_preview",
    ),
    path(
        "templates/<slug:slug>/<str:language>/<str:channel>/test/",
        views.template_test,
        name="template_test",
    ),
    path(
        "templates/<slug:slug>/<str:language>/<str:channel>/reset/",
        views.template_reset,
        name="template_reset",
    ),
    path("resend/", views.resend, name="resend"),
]
