from django.urls import path

from portal.accounts import views

app_name = "accounts"
urlpatterns = [
    path("", views.account_list, name="list"),
    path("export.csv", views.account_export, name="export"),
    path("add/", views.account_add_view, name="add"),
    path("<int:account_id>/", views.account_detail, name="detail"),
]

# Move, edit, suspend, reactivate, delete and bulk job progress
# (portal/accounts/lifecycle_views.py).
from portal.accounts import lifecycle_views  # noqa: E402

urlpatterns += lifecycle_views.urls
