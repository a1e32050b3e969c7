from django.urls import path

from portal.batches import views

app_name = "batches"
urlpatterns = [
    path("", views.batch_list, name="list"),
    path("upload/", views.upload, name="upload"),
    path("template.csv", views.template, name="template"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/progress.json", views.progress, name="progress"),
    path("<int:pk>/report.csv", views.report, name="report"),
    path("<int:pk>/resume/", views.resume, name="resume"),
]
