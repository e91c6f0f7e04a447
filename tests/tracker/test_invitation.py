import re
from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse

from tests.factories import nurse_of
from tracker.enrolment import enrol_patient

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]

NOW = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)
NEW_PASSWORD = "a-long-kind-pass-phrase-7"


@pytest.fixture
def invitation(team, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        patient = enrol_patient(
            first_name="Ada",
            last_name="Quinn",
            email="ada.quinn@example.org",
            care_team=team,
            product="CAR-T",
            car_target="BCMA",
            cell_source="autologous",
            given_at=NOW - timedelta(days=1),
            labs={"anc": 0.3},
            by=nurse_of(team),
        )
    [message] = mailoutbox
    return patient, message


def link_in(message) -> str:
    [url] = re.findall(r"https?://\S+", message.body)
    assert url.startswith(settings.SITE_URL)
    return url.removeprefix(settings.SITE_URL)


def set_password(client, link):
    """Follows the link as a patient would and chooses a password."""
    response = client.get(link)
    if response.status_code != 302:
        return response
    return client.post(
        response["Location"],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        follow=True,
    )


def test_the_invitation_is_kind_and_says_nothing_clinical(invitation):
    _patient, message = invitation
    text = f"{message.subject}\n{message.body}"
    assert message.to == ["ada.quinn@example.org"]
    assert "choose a password" in text
    assert "ada.quinn@example.org" in message.body  # the user name, to log in with
    for private in ["Ada", "Quinn", "CAR-T", "BCMA", "0.3", "neutrophil", "Cell Therapy"]:
        assert private not in text


def test_the_link_sets_the_password_logs_the_patient_in_and_opens_the_check_in(client, invitation):
    patient, message = invitation
    response = set_password(client, link_in(message))
    assert response.redirect_chain[-1][0] == reverse("checkin")
    patient.user.refresh_from_db()
    assert patient.user.check_password(NEW_PASSWORD)
    assert client.get(reverse("checkin")).status_code == 200


def test_the_link_works_only_once(client, invitation):
    _patient, message = invitation
    link = link_in(message)
    set_password(client, link)
    client.logout()
    response = client.get(link)
    assert response.status_code == 404
    assert "This link does not work any more" in response.content.decode()


def test_the_link_expires(client, invitation, time_machine):
    patient, message = invitation
    time_machine.move_to(NOW + timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 1))
    response = client.get(link_in(message))
    assert response.status_code == 404
    assert "ask your care team to send you a new one" in response.content.decode()
    patient.user.refresh_from_db()
    assert not patient.user.has_usable_password()


def test_the_link_still_works_on_its_last_day(client, invitation, time_machine):
    _patient, message = invitation
    time_machine.move_to(NOW + timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT - 60))
    assert set_password(client, link_in(message)).redirect_chain[-1][0] == reverse("checkin")


def test_the_invitation_lasts_three_days_by_default():
    assert settings.PASSWORD_RESET_TIMEOUT == 3 * 24 * 60 * 60


@pytest.mark.parametrize(
    "mangle",
    [
        lambda uid, token: (uid, token[:-1] + ("0" if token[-1] != "0" else "1")),
        lambda uid, token: ("MTIzNDU2Nzg", token),
        lambda uid, token: ("not-base64!", token),
        lambda uid, token: (uid, "nonsense"),
    ],
)
def test_a_wrong_link_gets_a_clear_page_not_a_form(client, invitation, mangle):
    _patient, message = invitation
    uid, token = link_in(message).strip("/").split("/")[1:]
    uid, token = mangle(uid, token)
    response = client.get(reverse("set_password", args=[uid, token]))
    assert response.status_code == 404
    page = response.content.decode()
    assert "This link does not work any more" in page
    assert "new_password1" not in page


def test_the_set_password_page_needs_no_login(client, invitation):
    _patient, message = invitation
    response = client.get(link_in(message))
    assert response.status_code == 302
    assert not response["Location"].startswith(reverse("login"))


def test_a_weak_password_is_refused_with_the_reason(client, invitation):
    _patient, message = invitation
    form_url = client.get(link_in(message))["Location"]
    response = client.post(form_url, {"new_password1": "123", "new_password2": "123"})
    assert response.status_code == 200
    assert "too short" in response.content.decode()


def test_a_nurse_sends_a_new_link_and_the_old_one_stops_working_once_used(
    client, invitation, team, mailoutbox, django_capture_on_commit_callbacks, time_machine
):
    patient, first = invitation
    time_machine.move_to(NOW + timedelta(days=5))
    nurse = get_user_model().objects.get(care_teams=team)
    client.force_login(nurse)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("patient_invite", args=[patient.pk]))
    client.logout()
    second = mailoutbox[-1]
    assert client.get(link_in(first)).status_code == 404  # expired
    set_password(client, link_in(second))
    patient.user.refresh_from_db()
    assert patient.user.check_password(NEW_PASSWORD)
