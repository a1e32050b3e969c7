from django.contrib.auth import views as auth_views
from django.urls import include, path

from portal.access.views import SetPasswordView
from portal.api import api

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    # The link of the email a new admin without a password gets (portal.access.services).
    path("password/set/<uidb64>/<token>/", SetPasswordView.as_view(), name="set_password"),
    path("api/v1/", api.urls),
    path("scim/v2/", include("portal.scim.urls")),
    path("scim-tokens/", include("portal.scim.page_urls")),
    path("accounts/", include("portal.accounts.urls")),
    path("numbers/", include("portal.numbers.urls")),
    path("organizations/", include("portal.organizations.urls")),
    path("permission-groups/", include("portal.permissions.urls")),
    path("access/", include("portal.access.urls")),
    path("invitations/", include("portal.invitations.urls")),
    path("activate/", include("portal.invitations.activation_urls")),
    path("batches/", include("portal.batches.urls")),
    path("activity/", include("portal.audit.urls")),
    path("alerts/", include("portal.alerts.urls")),
    path("dashboard/", include("portal.dashboard.urls")),
    path("", include("portal.front.urls")),
]

# Error pages in the portal's layout; under /api/ the documented JSON shape (portal.front.views).
handler400 = "portal.front.views.bad_request"
handler403 = "portal.front.views.forbidden"
handler404 = "portal.front.views.not_found"
handler500 = "portal.front.views.server_error"
