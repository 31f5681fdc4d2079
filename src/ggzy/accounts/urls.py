from django.urls import path

from ggzy.accounts import views
from ggzy.accounts.views import administration, parties

app_name = "accounts"

urlpatterns = [
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/totp/", views.totp_view, name="totp"),
    path("accounts/logout/", views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", views.PasswordChangeView.as_view(), name="password-change"),
    path("accounts/acting-for/", views.acting_for, name="acting-for"),
    path("workspace/entrusted/", views.entrusted, name="entrusted"),
    # organisations register themselves, centre staff verify, initiators entrust agents (issue 22)
    path("accounts/register/", parties.register, name="register"),
    path("workspace/organisations/", parties.organisations_to_verify, name="organisations-to-verify"),
    path(
        "workspace/organisations/<uuid:application_uid>/<slug:action>/",
        parties.organisation_decide,
        name="organisation-decide",
    ),
    path("workspace/entrustments/", parties.entrustments, name="entrustments"),
    path("workspace/entrustments/new/", parties.entrust, name="entrust"),
    path("workspace/account-changes/", views.account_changes, name="changes"),
    path("workspace/account-changes/new/", views.account_change_request, name="change-request"),
    path(
        "workspace/account-changes/<uuid:change_uid>/<slug:action>/",
        views.account_change_decide,
        name="change-decide",
    ),
    path("workspace/accounts/", views.account_security, name="security"),
    path("workspace/accounts/<str:username>/<slug:action>/", views.account_security_act, name="security-act"),
    # the administrators' set-up pages (issue 22): centres and accounts, roles
    path("workspace/centres/", administration.centres, name="centres"),
    path("workspace/centres/new/", administration.centre_new, name="centre-new"),
    path("workspace/accounts/new/", administration.account_new, name="account-new"),
    path("workspace/roles/", administration.roles, name="roles"),
    path("workspace/roles/<str:username>/", administration.user_roles, name="user-roles"),
    path("workspace/roles/<str:username>/grant/", administration.user_role_grant, name="role-grant"),
    path(
        "workspace/role-grants/<uuid:grant_uid>/revoke/", administration.role_grant_revoke, name="role-revoke"
    ),
]
