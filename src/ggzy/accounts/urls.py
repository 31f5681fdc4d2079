from django.urls import path

from ggzy.accounts import views

app_name = "accounts"

urlpatterns = [
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/totp/", views.totp_view, name="totp"),
    path("accounts/logout/", views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", views.PasswordChangeView.as_view(), name="password-change"),
    path("accounts/acting-for/", views.acting_for, name="acting-for"),
    path("workspace/entrusted/", views.entrusted, name="entrusted"),
    path("workspace/account-changes/", views.account_changes, name="changes"),
    path("workspace/account-changes/new/", views.account_change_request, name="change-request"),
    path(
        "workspace/account-changes/<uuid:change_uid>/<slug:action>/",
        views.account_change_decide,
        name="change-decide",
    ),
    path("workspace/accounts/", views.account_security, name="security"),
    path("workspace/accounts/<str:username>/<slug:action>/", views.account_security_act, name="security-act"),
]
