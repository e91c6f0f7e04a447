"""Rules reference D17: a red flag is never held behind paperwork.

One answer that by itself earns a call is sent at once with whatever else was given; the questions
left unanswered are recorded as not answered (never as normal), the advice comes first and says
what is missing, and "tell us more" adds a check-in that carries the earlier answers.
"""

import re

import pytest
from django.urls import reverse

from tests.factories import car_t_patient, carer_of
from tracker.models import Flag, Level, Report

pytestmark = pytest.mark.django_db

EVERYTHING_ELSE = ["systolic_bp", "diastolic_bp", "heart_rate", "spo2", "antipyretic_last_6h"]


def only(**answers) -> dict:
    """The form as sent with nothing but ``answers`` (and its hidden key)."""
    return {"submission_key": "b7c1e0de-4a4b-4c4d-9e9f-0123456789ab", **answers}


def send(client, data, url=None, **headers):
    return client.post(url or reverse("checkin"), data, **headers)


@pytest.mark.parametrize(
    ("answers", "level", "heading"),
    [
        ({"temperature": "38.6"}, Level.URGENT_NOW, "Phone your care team now"),
        ({"alertness": "unrousable"}, Level.EMERGENCY, "Call for emergency help now"),
        ({"seizure": "on"}, Level.EMERGENCY, "Call for emergency help now"),
        ({"bleeding_uncontrolled": "on"}, Level.EMERGENCY, "Call for emergency help now"),
    ],
    ids=["fever-day-3", "cannot-be-woken", "fit", "bleeding-not-stopping"],
)
def test_one_red_flag_alone_reaches_the_advice_with_nothing_else_answered(
    patient_client, answers, level, heading
):
    response = send(patient_client, only(**answers), follow=True)
    html = response.content.decode()
    report = Report.objects.get()
    assert report.level >= level
    assert f'<h1 id="advice-title">{heading}</h1>' in html
    assert html.index("advice-title") < html.index("Not answered yet")
    for code in EVERYTHING_ELSE:
        assert code not in report.answers  # unanswered is never taken as normal
    assert set(EVERYTHING_ELSE) <= set(report.unanswered)
    assert Flag.objects.get().level == report.triage
    for name in ("Your blood pressure", "Your pulse", "Your oxygen level"):
        assert f"<li>{name}</li>" in html
    assert "Tell us more" in html


def test_a_fever_alone_is_not_a_normal_everything_else(patient_client):
    send(patient_client, only(temperature="38.6"))
    report = Report.objects.get()
    assert report.answers == {"temperature_c": 38.6}
    assert "concern" in report.unanswered


def test_the_same_with_htmx_redirects_the_page_to_the_advice(patient_client):
    response = send(patient_client, only(temperature="38.6"), HTTP_HX_REQUEST="true")
    assert response["HX-Redirect"] == reverse("report", args=[Report.objects.get().pk])


def test_a_quiet_partial_check_in_still_asks_for_the_rest(patient_client):
    response = send(patient_client, only(temperature="36.8"))
    assert response.status_code == 200
    assert not Report.objects.exists()
    assert "Please write your blood pressure" in response.content.decode()


def test_send_what_i_have_is_always_possible(patient_client):
    response = send(patient_client, only(temperature="36.8", send="partial"), follow=True)
    report = Report.objects.get()
    assert report.answers == {"temperature_c": 36.8}
    assert report.level <= Level.ROUTINE
    assert {*EVERYTHING_ELSE, "concern"} <= set(report.unanswered)
    assert "You sent this check-in without these answers" in response.content.decode()


def test_send_what_i_have_still_stops_at_an_impossible_value(patient_client):
    response = send(patient_client, only(temperature="55", send="partial"))
    assert not Report.objects.exists()
    assert "55 °C cannot be right" in response.content.decode()


def test_an_impossible_value_does_not_hold_back_a_red_flag_and_is_not_lost(patient_client):
    response = send(patient_client, only(temperature="55", bleeding_uncontrolled="on"), follow=True)
    report = Report.objects.get()
    assert report.level >= Level.URGENT_NOW
    assert "temperature_c" not in report.answers
    assert "temperature_c" in report.unanswered
    assert "<li>Your temperature</li>" in response.content.decode()

    more = re.search(r'href="([^"]*\?after=\d+)"', response.content.decode()).group(1)
    page = patient_client.get(more).content.decode()
    assert 'value="55"' in page  # what was typed comes back, with its message
    assert "55 °C cannot be right" in page
    assert re.search(r'name="bleeding_uncontrolled"[^>]*checked', page)


def test_a_low_oxygen_level_alone_asks_one_confirm_and_nothing_else(patient_client):
    response = send(patient_client, only(spo2="88"))
    html = response.content.decode()
    assert not Report.objects.exists()
    assert "88% is a low oxygen level" in html
    assert "Please write your temperature" not in html  # nothing else stands before the advice
    assert "This field is required" not in html

    response = send(patient_client, only(spo2="88", spo2_confirmed="on"), follow=True)
    report = Report.objects.get()
    assert report.level == Level.EMERGENCY
    assert "Call for emergency help now" in response.content.decode()


def test_a_confirm_never_delays_a_red_flag_that_does_not_depend_on_it(patient_client):
    send(patient_client, only(temperature="35.5", bleeding_uncontrolled="on"))
    report = Report.objects.get()
    assert report.level >= Level.URGENT_NOW
    assert "temperature_c" not in report.answers  # not confirmed: not sent as a reading
    assert "temperature_c" in report.unanswered


def test_no_brain_check_is_asked_of_someone_who_cannot_be_woken(patient_client):
    send(patient_client, only(alertness="unrousable", ice_1="wrong", ice_2="wrong"))
    report = Report.objects.get()
    assert report.level == Level.EMERGENCY
    assert "ice_score" not in report.answers
    assert "ice_score" not in report.unanswered


def test_the_emergency_instruction_shows_as_soon_as_cannot_be_woken_is_chosen(
    patient_client, patient
):
    url = reverse("checkin_alert")
    html = patient_client.post(url, only(alertness="unrousable")).content.decode()
    assert "Call for emergency help now" in html
    assert f'href="tel:{patient.care_team.emergency_number}"' in html
    assert 'name="send" value="partial"' in html
    assert patient_client.post(url, only(seizure="on")).content.decode().count("tel:") == 1
    assert patient_client.post(url, only(alertness="alert")).content == b""
    assert not Report.objects.exists()


def test_the_emergency_instruction_is_for_the_patient_the_carer_answers_for(client, patient):
    carer = carer_of(patient)
    client.force_login(carer)
    url = reverse("checkin_alert_for", args=[patient.pk])
    assert "tel:" in client.post(url, only(seizure="on")).content.decode()
    stranger = car_t_patient()
    assert client.post(reverse("checkin_alert_for", args=[stranger.pk])).status_code == 404


def test_tell_us_more_adds_a_check_in_that_keeps_the_earlier_answers(patient_client):
    send(patient_client, only(temperature="38.6"))
    first = Report.objects.get()
    page = patient_client.get(f"{reverse('checkin')}?after={first.pk}").content.decode()
    assert "Your earlier answers are kept" in page
    assert f'name="follows" value="{first.pk}"' in page
    key = re.search(r'name="submission_key" value="([^"]+)"', page).group(1)
    send(
        patient_client,
        {
            "submission_key": key,
            "follows": str(first.pk),
            "heart_rate": "96",
            "bp_not_measured": "on",
            "spo2": "97",
            "antipyretic_last_6h": "no",
            "concern": "none",
        },
    )
    second = Report.objects.exclude(pk=first.pk).get()
    assert second.answers["temperature_c"] == 38.6  # never read as "no fever" now
    assert second.answers["heart_rate"] == 96
    assert second.level >= Level.URGENT_NOW
    assert "temperature_c" not in second.unanswered
    assert Flag.objects.count() == 1  # the same flag, joined
    first.refresh_from_db()
    assert first.answers == {"temperature_c": 38.6}  # what the nurse saw stays as it was sent


def test_tell_us_more_is_not_offered_once_a_newer_check_in_exists(patient_client):
    send(patient_client, only(temperature="38.6"))
    first = Report.objects.get()
    send(patient_client, {**only(temperature="38.7"), "submission_key": "0" * 32})
    html = patient_client.get(reverse("report", args=[first.pk])).content.decode()
    assert "Not answered yet" in html
    assert "Tell us more" not in html


def test_follows_cannot_reach_another_patients_report(patient_client, patient):
    other = car_t_patient()
    theirs = Report.objects.create(
        patient=other,
        reported_by=other.user,
        answers={"seizure": True},
        context={"days_since_infusion": 3},
        triage=Level.EMERGENCY,
        ruleset="rules-test",
    )
    send(patient_client, {**only(temperature="36.9", send="partial"), "follows": str(theirs.pk)})
    mine = Report.objects.get(patient=patient)
    assert mine.answers == {"temperature_c": 36.9}
