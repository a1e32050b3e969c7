from django.urls import path

from portal.scim import pages

app_name = "scim-pages"
urlpatterns = [
    path("", pages.token_list, name="tokens"),
    path("issue/", pages.token_issue, name="issue"),
    path("<int:pk>/revoke/", pages.token_revoke, name="revoke"),
]
