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
    path("check-in/for/<int:patient_pk>/", views.checkin, name="checkin_for"),
    path("check-in/questions/", views.checkin_questions, name="checkin_questions"),
    path("check-in/choose/", views.choose_patient, name="choose_patient"),
    path("reports/<int:pk>/", views.report, name="report"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("flags/<int:pk>/acknowledge/", views.acknowledge, name="acknowledge"),
    path("admin/", admin.site.urls),
]
