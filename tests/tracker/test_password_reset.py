"""Forgot your password? A link by e-mail to choose a new one; the lockout still holds."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_tasks_db.models import DBTaskResult

from tests.factories import PASSWORD, PreferencesFactory, car_t_patient
from tracker.checkins import record_report
from tracker.models import Report
from tracker.tokens import invitation_token_generator

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)
NEW_PASSWORD = "a-new-kind-pass-phrase-8"
WRONG = "not-the-password"


@pytest.fixture(autouse=True)
def frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def patient():
    patient = car_t_patient(user__username="alex@example.org", user__email="alex@example.org")
    record_report(patient=patient, reported_by=patient.user, answers={"temperature_c": 38.6})
    return patient


@pytest.fixture
def ask(client, mailoutbox, django_capture_on_commit_callbacks):
    """Asks for a link for ``address`` from the form; returns the page and the e-mails sent."""

    def ask_for(address: str):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("password_reset"), {"email": address}, follow=True)
        return response, list(mailoutbox)

    return ask_for


def link_in(message) -> str:
    [url] = re.findall(r"https?://\S+", message.body)
    assert url.startswith(settings.SITE_URL)
    return url.removeprefix(settings.SITE_URL)


def choose(client, link: str, password: str = NEW_PASSWORD):
    response = client.get(link)
    if response.status_code != 302:
        return response
    return client.post(
        response["Location"], {"new_password1": password, "new_password2": password}, follow=True
    )


def log_in(client, password: str):
    return client.post(reverse("login"), {"username": "alex@example.org", "password": password})


def test_the_login_page_links_to_the_reset_page_which_needs_no_login(client):
    page = client.get(reverse("login")).content.decode()
    assert f'href="{reverse("password_reset")}"' in page
    assert "Forgot your password?" in page
    response = client.get(reverse("password_reset"))
    assert response.status_code == 200
    assert "We will send you a link to choose a new password" in response.content.decode()


def test_a_patient_chooses_a_new_password_from_the_e_mail_and_logs_in_with_it(client, patient, ask):
    response, [message] = ask("Alex@Example.org")
    assert "Please look in your e-mail" in response.content.decode()
    assert message.to == ["alex@example.org"]
    assert message.subject == "Your daily check-in: choose a new password"
    response = choose(client, link_in(message))
    assert "Your new password is saved" in response.content.decode()
    # The link does not log in: the login page (and its lockout) comes next.
    assert client.get(reverse("history")).status_code == 302
    assert log_in(client, PASSWORD).status_code == 200
    assert log_in(client, NEW_PASSWORD).status_code == 302


def test_the_e_mail_carries_no_clinical_detail_and_no_name(patient, ask):
    _, [message] = ask("alex@example.org")
    # The link's random token may contain any digits: only the words around it are read.
    text = re.sub(r"https?://\S+", "", message.subject + message.body)
    for private in (
        patient.name,
        patient.user.first_name,
        patient.user.last_name,
        patient.care_team.name,
        str(patient.care_team.phone_24h),
        patient.care_team.phone_24h.as_national,
        "38",
        "fever",
        "CAR-T",
    ):
        assert private not in text
    assert "If you did not ask for this, you do not need to do anything" in message.body
    assert Report.objects.filter(patient=patient).exists()  # there was something to leak


def test_the_e_mail_is_in_the_persons_language(patient, ask):
    PreferencesFactory(user=patient.user, language="es")
    _, [message] = ask("alex@example.org")
    assert message.subject == "Tu control diario: elige una contraseña nueva"


def test_an_unknown_address_gets_the_same_page_and_no_e_mail(ask):
    response, sent = ask("nobody@example.org")
    assert response.status_code == 200
    assert "Please look in your e-mail" in response.content.decode()
    assert sent == []


def test_someone_who_never_chose_a_password_gets_no_link_but_the_page_says_ask_the_team(
    client, ask
):
    invited = car_t_patient(user__email="new@example.org")
    invited.user.set_unusable_password()
    invited.user.save()
    _, sent = ask("new@example.org")
    assert sent == []
    page = client.get(reverse("password_reset")).content.decode()
    assert "ask your care team to send you a new invitation" in page


def test_the_link_works_once(client, patient, ask):
    _, [message] = ask("alex@example.org")
    choose(client, link_in(message))
    response = choose(client, link_in(message), password="yet-another-phrase-9")
    assert response.status_code == 404
    assert "ask for a new link" in response.content.decode()
    assert log_in(client, NEW_PASSWORD).status_code == 302


def test_the_link_stops_working_after_the_set_days(client, patient, ask, time_machine):
    _, [message] = ask("alex@example.org")
    time_machine.move_to(NOW + timedelta(days=3, minutes=1), tick=False)
    assert choose(client, link_in(message)).status_code == 404
    assert log_in(client, PASSWORD).status_code == 302


def test_an_invitation_token_does_not_open_the_reset_page(client, patient):
    uidb64 = urlsafe_base64_encode(force_bytes(patient.user.pk))
    token = invitation_token_generator.make_token(patient.user)
    assert client.get(reverse("password_reset_confirm", args=[uidb64, token])).status_code == 404


def test_a_new_password_does_not_lift_a_lockout(client, patient, ask):
    for _ in range(5):
        log_in(client, WRONG)
    _, [message] = ask("alex@example.org")
    choose(client, link_in(message))
    response = log_in(client, NEW_PASSWORD)
    assert response.status_code == 429
    assert "Your account is locked for now" in response.content.decode()


def test_the_e_mail_is_sent_by_the_task_worker(
    client, patient, settings, mailoutbox, django_capture_on_commit_callbacks
):
    """With the database queue, nothing is sent until the worker runs the task."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("password_reset"), {"email": "alex@example.org"})
    assert mailoutbox == []
    [queued] = DBTaskResult.objects.all()
    assert queued.task_path == "tracker.tasks.send_password_reset"
    # The queue holds the user's id only, never a token that would open the account.
    assert queued.args_kwargs == {"args": [patient.user.pk], "kwargs": {}}


def test_a_new_password_signs_out_a_phone_that_was_kept_signed_in(client, patient, ask):
    """A lost phone, kept signed in for 30 days, is signed out by choosing a new password."""
    lost_phone = client.__class__()
    lost_phone.post(
        reverse("login"),
        {"username": "alex@example.org", "password": PASSWORD, "keep_signed_in": "on"},
    )
    assert lost_phone.get(reverse("history")).status_code == 200
    _, [message] = ask("alex@example.org")
    choose(client, link_in(message))
    assert lost_phone.get(reverse("history")).status_code == 302
