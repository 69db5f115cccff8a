from django.contrib.auth import views as auth_views
from django.urls import path

from filiera.core import views

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
]
