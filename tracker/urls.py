from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import path

from tracker import accounts, second_factor_views, views

urlpatterns = [
    path("", views.home, name="home"),
    path("health/", views.health, name="health"),
    path("login/", accounts.LoginView.as_view(), name="login"),
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
    path("flags/<int:pk>/resolve/", views.resolve, name="resolve"),
    path("flags/<int:pk>/reopen/", views.reopen, name="reopen"),
    path("patients/", views.patients, name="patients"),
    path("rules/", views.rule_book, name="rules"),
    path("patients/new/", views.enrol, name="enrol"),
    path("patients/<int:pk>/care/", views.patient_care, name="patient_care"),
    path(
        "patients/<int:pk>/care/infusions/", views.patient_add_infusion, name="patient_add_infusion"
    ),
    path("patients/<int:pk>/care/labs/", views.patient_labs, name="patient_labs"),
    path("patients/<int:pk>/care/monitoring/", views.patient_monitoring, name="patient_monitoring"),
    path("patients/<int:pk>/care/invite/", views.patient_invite, name="patient_invite"),
    path(
        "patients/<int:pk>/care/invitation/",
        views.patient_bedside_invitation,
        name="patient_bedside_invitation",
    ),
    path("patients/<int:pk>/care/therapy/", views.patient_therapy, name="patient_therapy"),
    path("patients/<int:pk>/care/details/", views.patient_details, name="patient_details"),
    path("patients/<int:pk>/care/language/", views.patient_language, name="patient_language"),
    path("patients/<int:pk>/care/pause/", views.patient_pause, name="patient_pause"),
    path("patients/<int:pk>/care/carers/", views.patient_carers, name="patient_carers"),
    path(
        "patients/<int:pk>/care/carers/reminders/",
        views.patient_carer_reminders,
        name="patient_carer_reminders",
    ),
    path(
        "patients/<int:pk>/care/carers/<int:carer_pk>/remove/",
        views.patient_carer_remove,
        name="patient_carer_remove",
    ),
    path("welcome/<uidb64>/<token>/", views.SetPasswordView.as_view(), name="set_password"),
    path("admin/", admin.site.urls),
    path("history/", views.history, name="history"),
    path("history/copy/", views.history_copy, name="history_copy"),
    path("history/fhir/", views.history_fhir, name="history_fhir"),
    path("patients/<int:pk>/", views.timeline, name="timeline"),
    path("patients/<int:pk>/notes/", views.patient_note, name="patient_note"),
    path("patients/<int:pk>/summary/", views.patient_summary, name="patient_summary"),
    path("patients/<int:pk>/fhir/", views.patient_fhir, name="patient_fhir"),
    path("language/", views.language, name="language"),
    # "Forgot your password?": Django's reset views, the e-mail through the task worker.
    path("password-reset/", accounts.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(
            template_name="registration/password_reset_done.html"
        ),
        name="password_reset_done",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        accounts.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/done/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="registration/password_reset_complete.html"
        ),
        name="password_reset_complete",
    ),
    # The staff's second step after the password (tracker.second_factor).
    path("account/two-factor/", second_factor_views.two_factor, name="two_factor"),
    path(
        "account/two-factor/setup/", second_factor_views.two_factor_setup, name="two_factor_setup"
    ),
    path(
        "account/two-factor/recovery/",
        second_factor_views.two_factor_recovery,
        name="two_factor_recovery",
    ),
    # Passkeys (django-otp-webauthn's JSON ceremonies, called by its script on those pages).
    path(
        "account/two-factor/passkey-added/",
        second_factor_views.passkey_added,
        name="two_factor_passkey_added",
    ),
    path(
        "account/passkeys/register/begin/",
        second_factor_views.PasskeyRegisterBegin.as_view(),
        name="passkey_register_begin",
    ),
    path(
        "account/passkeys/register/complete/",
        second_factor_views.PasskeyRegisterComplete.as_view(),
        name="passkey_register_complete",
    ),
    path(
        "account/passkeys/verify/begin/",
        second_factor_views.PasskeyVerifyBegin.as_view(),
        name="passkey_verify_begin",
    ),
    path(
        "account/passkeys/verify/complete/",
        second_factor_views.PasskeyVerifyComplete.as_view(),
        name="passkey_verify_complete",
    ),
    path(
        "account/passkeys/script-words/",
        second_factor_views.passkey_js_catalog,
        name="passkey_js_catalog",
    ),
]
