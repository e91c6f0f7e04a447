from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import path

from tracker import views

urlpatterns = [
    path("", views.home, name="home"),
    path("health/", views.health, name="health"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("check-in/", views.checkin, name="checkin"),
    path("reports/<int:pk>/", views.report, name="report"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("flags/<int:pk>/acknowledge/", views.acknowledge, name="acknowledge"),
    path("admin/", admin.site.urls),
]

urlpatterns += [
    path("flags/<int:pk>/resolve/", views.resolve, name="resolve"),
    path("flags/<int:pk>/reopen/", views.reopen, name="reopen"),
]
