"""A nurse reads a fever check-in in words on the dashboard and the timeline, in English and in
Spanish, on a desktop and on a phone; the folded findings open; the rule tag leads to the rule."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import SCREENSHOTS
from tests.browser.pages import log_in
from tests.factories import CareTeamFactory, PreferencesFactory, car_t_patient, nurse_of
from tracker.checkins import record_report

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}


@pytest.fixture
def ward():
    team = CareTeamFactory(name="Cell Therapy Unit", time_zone="Europe/Madrid")
    nurse = nurse_of(team, first_name="Jordan", last_name="Lee")
    alex = car_t_patient(day=3, team=team, user__first_name="Alex", user__last_name="Rivera")
    alex.labs = {"anc": 0.4, "platelets": 35}
    alex.save()
    record_report(
        patient=alex,
        reported_by=alex.user,
        answers={"temperature_c": 37.1, "systolic_bp": 121, "diastolic_bp": 76, "spo2": 97},
        at=timezone.now() - timedelta(days=1),
    )
    record_report(
        patient=alex,
        reported_by=alex.user,
        answers={
            "temperature_c": 38.6,
            "systolic_bp": 104,
            "diastolic_bp": 66,
            "heart_rate": 112,
            "spo2": 95,
            "chills": "shivering",
            "fatigue": "limits_usual_activities",
            "headache": "moderate",
            "concern": "worried",
            "note": "Hot and shaky since lunch, took nothing for it.",
        },
        at=timezone.now() - timedelta(minutes=25),
    )
    return {"nurse": nurse, "alex": alex}


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_nurse_reads_the_fever_in_words_on_dashboard_and_timeline(
    live_server, new_page, screenshot, axe, ward, language
):
    if language == "es":
        PreferencesFactory(user=ward["nurse"], language="es")
    fever = {
        "en": "Temperature 38.6 °C (≥ 38.0), Chills: shivering on day 3 after CAR-T",
        "es": "Temperatura 38,6 °C (≥ 38,0), Escalofríos: tiritona el día 3 después de CAR-T",
    }[language]
    for screen, viewport in SCREENS.items():
        page = new_page(viewport=viewport)
        log_in(page, live_server.url, ward["nurse"].username)
        row = page.locator("tr.flag")
        expect(row.get_by_text(fever).first).to_be_visible()
        expect(row.locator(".patient-note")).to_contain_text("Hot and shaky since lunch")
        more = row.locator(".more-reasons summary").first
        more.click()
        expect(row.locator(".more-reasons .reason").first).to_be_visible()
        screenshot(page, f"words-dashboard-{language}-{screen}")
        assert axe(page) == []

        page.get_by_role("link", name="Alex Rivera").first.click()
        expect(page.locator("table.findings").first).to_contain_text(fever)
        screenshot(page, f"words-timeline-{language}-{screen}")
        page.locator("article.report-entry").first.screenshot(
            path=SCREENSHOTS / f"words-timeline-{language}-{screen}-check-in.png"
        )
        assert axe(page) == []

        page.locator("table.findings a.rule-tag", has_text="CRS-01").first.click()
        expect(page.locator("tr#CRS-01")).to_be_visible()
        page.close()
