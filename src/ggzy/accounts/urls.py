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
]
