from django.contrib.auth import views as auth_views
from django.urls import path

from filiera.core import health, oidc, two_factor_views, views

urlpatterns = [
    path("", views.home, name="home"),
    path("clusters/", views.cluster_list, name="clusters"),
    path("clusters/<slug:slug>/", views.cluster_detail, name="cluster"),
    path("networks/<slug:slug>/", views.network_detail, name="network"),
    path("accounts/login/", views.SignInView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/", views.account, name="account"),
    path("accounts/password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/tokens/<int:token_id>/revoke/", views.revoke_token, name="revoke_token"),
    path("accounts/two-factor/", two_factor_views.overview, name="two_factor"),
    path("accounts/two-factor/enrol/", two_factor_views.enrol, name="two_factor_enrol"),
    path("accounts/two-factor/verify/", two_factor_views.verify, name="two_factor_verify"),
    path("accounts/two-factor/backup-codes/", two_factor_views.backup_codes, name="two_factor_backup_codes"),
    path("accounts/two-factor/disable/", two_factor_views.disable, name="two_factor_disable"),
    path("accounts/sso/start/", oidc.StartView.as_view(), name="oidc_start"),
    path("accounts/sso/callback/", oidc.CallbackView.as_view(), name="oidc_callback"),
    path("health/", health.health, name="health"),
]
