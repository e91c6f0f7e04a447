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
    path("check-in/alert/", views.checkin_alert, name="checkin_alert"),
    path("check-in/for/<int:patient_pk>/alert/", views.checkin_alert, name="checkin_alert_for"),
    path("check-in/choose/", views.choose_patient, name="choose_patient"),
    path("reports/<int:pk>/", views.report, name="report"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("flags/<int:pk>/acknowledge/", views.acknowledge, name="acknowledge"),
    path("patients/", views.patients, name="patients"),
    path("patients/new/", views.enrol, name="enrol"),
    path("patients/<int:pk>/care/", views.patient_care, name="patient_care"),
    path(
        "patients/<int:pk>/care/infusions/", views.patient_add_infusion, name="patient_add_infusion"
    ),
    path("patients/<int:pk>/care/labs/", views.patient_labs, name="patient_labs"),
    path("patients/<int:pk>/care/monitoring/", views.patient_monitoring, name="patient_monitoring"),
    path("patients/<int:pk>/care/invite/", views.patient_invite, name="patient_invite"),
    path("welcome/<uidb64>/<token>/", views.SetPasswordView.as_view(), name="set_password"),
    path("admin/", admin.site.urls),
    path("history/", views.history, name="history"),
    path("patients/<int:pk>/", views.timeline, name="timeline"),
]

urlpatterns += [
    path("flags/<int:pk>/resolve/", views.resolve, name="resolve"),
    path("flags/<int:pk>/reopen/", views.reopen, name="reopen"),
]

urlpatterns += [
    path("language/", views.language, name="language"),
]
