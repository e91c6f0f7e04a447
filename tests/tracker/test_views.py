import re
from datetime import UTC, datetime

import pytest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from symptoms.catalogue import INPUTS
from tests.factories import (
    PASSWORD,
    CareTeamFactory,
    FlagFactory,
    car_t_patient,
    check_in_form,
    code_from,
    nurse_of,
)
from tracker.models import Flag, Level, Report

pytestmark = pytest.mark.django_db


def test_after_login_a_patient_lands_on_the_check_in_and_a_nurse_on_the_dashboard(client, patient):
    response = client.post(
        reverse("login"), {"username": patient.user.username, "password": PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("checkin")
    client.post(reverse("logout"))
    nurse = nurse_of(patient.care_team)
    response = client.post(
        reverse("login"), {"username": nurse.username, "password": PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("two_factor_setup") + "?next=%2F"
    device = TOTPDevice.objects.get(user=nurse)
    form = {"code": code_from(device), "next": "/"}
    client.post(reverse("two_factor_setup"), form)
    response = client.get(reverse("home"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("dashboard")


@pytest.mark.parametrize("name", ["checkin", "dashboard", "home"])
def test_pages_need_a_login(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_check_in_page_asks_every_report_input_of_the_catalogue(patient_client):
    response = patient_client.get(reverse("checkin"))
    html = response.content.decode()
    asked = {
        "temperature_c": "temperature",
        "ice_score": "ice_1",
    }
    for code in INPUTS:
        assert f'name="{asked.get(code, code)}"' in html, code
    assert 'name="submission_key"' in html


def test_a_fever_check_in_shows_phone_now_with_the_24_hour_number(patient_client, patient):
    response = patient_client.post(
        reverse("checkin"), check_in_form(temperature="38.6"), follow=True
    )
    report = Report.objects.get()
    assert response.redirect_chain[-1][0] == reverse("report", args=[report.pk])
    html = response.content.decode()
    assert "Phone your care team now" in html
    assert f'href="tel:{patient.care_team.phone_24h}"' in html
    assert report.answers["temperature_c"] == 38.6
    assert report.reported_by == patient.user


def test_a_well_check_in_says_nothing_to_do(patient_client):
    response = patient_client.post(reverse("checkin"), check_in_form(), follow=True)
    assert "nothing to do now" in response.content.decode()
    assert Report.objects.get().level == Level.NONE


def test_fahrenheit_is_converted_to_celsius(patient_client):
    patient_client.post(
        reverse("checkin"), check_in_form(temperature="101.5", temperature_unit="F")
    )
    assert Report.objects.get().answers["temperature_c"] == 38.6


def test_could_not_measure_sends_no_temperature(patient_client):
    patient_client.post(
        reverse("checkin"), check_in_form(temperature="", temperature_not_measured="on")
    )
    assert "temperature_c" not in Report.objects.get().answers


@pytest.mark.parametrize(
    ("temperature", "unit", "message"),
    [
        ("45", "C", "cannot be right"),
        ("29.9", "C", "cannot be right"),
        ("120", "F", "cannot be right"),
        ("", "C", "Please write your temperature"),
        ("warm", "C", "Enter a number"),
    ],
)
def test_an_impossible_temperature_is_explained_and_nothing_typed_is_lost(
    patient_client, temperature, unit, message
):
    response = patient_client.post(
        reverse("checkin"),
        check_in_form(temperature=temperature, temperature_unit=unit, fatigue="relieved_by_rest"),
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert message in html
    assert re.search(r'value="relieved_by_rest"[^>]*checked', html)
    if temperature:
        assert f'value="{temperature}"' in html
    assert not Report.objects.exists()


def test_a_missing_worry_answer_is_asked_for(patient_client):
    response = patient_client.post(reverse("checkin"), check_in_form(concern=None))
    assert "This field is required" in response.content.decode()
    assert not Report.objects.exists()


def test_resending_the_same_form_saves_once(patient_client):
    data = check_in_form(temperature="38.6")
    first = patient_client.post(reverse("checkin"), data)
    second = patient_client.post(reverse("checkin"), data)
    assert first["Location"] == second["Location"]
    assert Report.objects.count() == 1


def test_htmx_check_in_redirects_the_browser_and_errors_return_only_the_form(patient_client):
    headers = {"HX-Request": "true"}
    response = patient_client.post(
        reverse("checkin"), check_in_form(temperature="38.6"), headers=headers
    )
    assert response["HX-Redirect"] == reverse("report", args=[Report.objects.get().pk])
    response = patient_client.post(
        reverse("checkin"), check_in_form(temperature="50"), headers=headers
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<form id="checkin-form"')
    assert "<html" not in html


def test_an_emergency_result_gives_the_emergency_number_too(patient_client, patient):
    report = Report.objects.create(
        patient=patient,
        reported_by=patient.user,
        answers={},
        context={"days_since_infusion": 3},
        triage=Level.EMERGENCY,
        ruleset="rules-test",
    )
    html = patient_client.get(reverse("report", args=[report.pk])).content.decode()
    assert "Call for emergency help now" in html
    assert f'href="tel:{patient.care_team.emergency_number}"' in html
    assert f'href="tel:{patient.care_team.phone_24h}"' in html


def test_the_dashboard_lists_unresolved_flags_most_urgent_first_then_oldest(client):
    team = CareTeamFactory()
    nurse = nurse_of(team)
    today_old = FlagFactory(patient__care_team=team, level=Level.URGENT_TODAY)
    now_new = FlagFactory(patient__care_team=team, level=Level.URGENT_NOW)
    now_old = FlagFactory(patient__care_team=team, level=Level.URGENT_NOW)
    emergency = FlagFactory(patient__care_team=team, level=Level.EMERGENCY)
    Flag.objects.filter(pk=now_old.pk).update(opened_at=now_new.opened_at.replace(year=2025))
    resolved = FlagFactory(patient__care_team=team, level=Level.EMERGENCY)
    Flag.objects.filter(pk=resolved.pk).update(
        status="resolved",
        resolved_by=nurse,
        resolved_at=resolved.opened_at,
        outcome="phone",
        acknowledged_by=nurse,
        acknowledged_at=resolved.opened_at,
    )
    client.force_login(nurse)
    response = client.get(reverse("dashboard"))
    html = response.content.decode()
    order = [int(pk) for pk in re.findall(r'id="flag-(\d+)"', html)]
    assert order == [emergency.pk, now_old.pk, now_new.pk, today_old.pk]
    assert "day 4" in html
    assert "temperature 38.5 °C" in html


def test_acknowledge_with_a_plain_form_post(client):
    flag = FlagFactory()
    nurse = nurse_of(flag.patient.care_team)
    client.force_login(nurse)
    response = client.post(reverse("acknowledge", args=[flag.pk]))
    assert response.status_code == 302
    flag.refresh_from_db()
    assert (flag.status, flag.acknowledged_by) == ("acknowledged", nurse)


def test_acknowledge_with_htmx_returns_the_row_and_tells_the_second_nurse(client):
    flag = FlagFactory()
    first, second = nurse_of(flag.patient.care_team), nurse_of(flag.patient.care_team)
    client.force_login(first)
    response = client.post(reverse("acknowledge", args=[flag.pk]), headers={"HX-Request": "true"})
    html = response.content.decode()
    assert html.lstrip().startswith(f'<tr id="flag-{flag.pk}"')
    assert "Acknowledged by" in html
    client.force_login(second)
    response = client.post(reverse("acknowledge", args=[flag.pk]), headers={"HX-Request": "true"})
    assert "had already acknowledged this flag" in response.content.decode()
    flag.refresh_from_db()
    assert flag.acknowledged_by == first


def test_pages_send_a_strict_content_security_policy_and_no_inline_code(patient_client):
    response = patient_client.get(reverse("checkin"))
    policy = response["Content-Security-Policy"]
    assert "'unsafe-inline'" not in policy
    nonce = re.search(r"'nonce-([^']+)'", policy).group(1)
    html = response.content.decode()
    scripts = re.findall(r"<script[^>]*>", html)
    assert scripts
    assert all(f'nonce="{nonce}"' in tag and "src=" in tag for tag in scripts)
    assert "style=" not in html
    assert "<style" not in html
    assert response["X-Frame-Options"] == "DENY"


def test_health_needs_no_login(client):
    assert client.get(reverse("health")).content == b"ok"


def test_times_are_shown_in_the_care_team_time_zone(client):
    team = CareTeamFactory(time_zone="Asia/Tokyo")
    patient = car_t_patient(team=team)
    report = Report.objects.create(
        patient=patient,
        reported_by=patient.user,
        answers={},
        context={"days_since_infusion": 3},
        triage=Level.NONE,
        ruleset="rules-test",
        submitted_at=datetime(2026, 3, 1, 22, 30, tzinfo=UTC),  # 07:30 on 2 March in Tokyo
    )
    client.force_login(patient.user)
    html = client.get(reverse("report", args=[report.pk])).content.decode()
    assert "March 2, 2026, 7:30 a.m." in html
