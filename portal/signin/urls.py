from django.urls import path

from portal.signin import views

app_name = "signin"
urlpatterns = [
    path("password/change/", views.PasswordChange.as_view(), name="password_change"),
    path("password/reset/", views.PasswordReset.as_view(), name="password_reset"),
    path("password/reset/sent/", views.PasswordResetDone.as_view(), name="password_reset_done"),
    path(
        "password/reset/<uidb64>/<token>/",
        views.PasswordResetConfirm.as_view(),
        name="password_reset_confirm",
    ),
    path("signin/verify/", views.verify, name="verify"),
    path("signin/two-factor/", views.two_factor, name="two_factor"),
    path("signin/two-factor/app/", views.enrol_totp, name="enrol_totp"),
    path("signin/two-factor/email/", views.enrol_email, name="enrol_email"),
    path(
        "signin/two-factor/<str:kind>/<int:pk>/remove/", views.remove_device, name="remove_device"
    ),
    path("signin/lockouts/", views.lockout_list, name="lockouts"),
    path("signin/lockouts/<int:pk>/unlock/", views.lockout_unlock, name="unlock"),
]
