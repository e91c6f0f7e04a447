"""A nurse keeps the record up to date on the care page: tocilizumab given, a stay in hospital,
ending monitoring by mistake and undoing it, and a patient without e-mail scanning the link."""

import pytest
from playwright.sync_api import expect

from symptoms.catalogue import CONTEXT
from tests.browser.pages import log_in
from tests.factories import CareTeamFactory, PreferencesFactory, car_t_patient, nurse_of
from tracker.models import Patient

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(
    ("viewport", "name"),
    [({"width": 1280, "height": 900}, "desktop"), ({"width": 390, "height": 844}, "phone")],
)
def test_a_nurse_updates_the_record_on_the_care_page(
    live_server, screenshot, new_context, axe, viewport, name
):
    team = CareTeamFactory(time_zone="Europe/Madrid")
    nurse = nurse_of(team)
    patient = car_t_patient(team=team, day=4)
    page = new_context(viewport=viewport).new_page()
    log_in(page, live_server.url, nurse.username)
    page.goto(f"{live_server.url}/patients/{patient.pk}/care/")
    expect(page.get_by_role("heading", name=patient.name)).to_be_visible()

    page.get_by_label(str(CONTEXT["crs_treated"].question)).check()
    page.get_by_role("button", name="Save the treatment").click()
    expect(page.get_by_role("status")).to_contain_text("The next check-in is assessed with it")
    patient.refresh_from_db()
    assert patient.therapy_context()["crs_treated"] is True

    page.get_by_label("Reason").fill("Admitted for CRS grade 2")
    page.get_by_role("button", name="Pause monitoring").click()
    expect(page.locator(".facts")).to_contain_text("Admitted for CRS grade 2")

    page.get_by_role("button", name="End monitoring…").click()
    expect(page.get_by_text(f"End monitoring for {patient.name}?")).to_be_visible()
    screenshot(page, f"care-page-confirm-end-{name}")
    page.get_by_role("button", name="Yes, end monitoring").click()
    expect(page.get_by_role("status")).to_contain_text("You can undo this")
    page.get_by_role("button", name="Undo: start monitoring again").click()
    expect(page.get_by_role("status")).to_contain_text("Monitoring has started again")
    patient.refresh_from_db()
    assert patient.monitoring == Patient.Monitoring.ACTIVE
    screenshot(page, f"care-page-{name}")
    assert axe(page) == []

    page.get_by_role("link", name="Show the invitation at the bedside (QR code)").click()
    expect(page.locator("figure.qr svg")).to_be_visible()
    screenshot(page, f"bedside-invitation-{name}")
    assert axe(page) == []


def test_the_care_page_in_spanish(live_server, screenshot, new_context, axe):
    team = CareTeamFactory(time_zone="Europe/Madrid")
    nurse = nurse_of(team)
    PreferencesFactory(user=nurse, language="es")
    patient = car_t_patient(team=team, day=4)
    page = new_context(viewport={"width": 1280, "height": 900}).new_page()
    log_in(page, live_server.url, nurse.username)
    page.goto(f"{live_server.url}/patients/{patient.pk}/care/")
    expect(page.get_by_role("heading", name="Tratamiento y valores basales")).to_be_visible()
    expect(page.get_by_role("heading", name="Cuidadores")).to_be_visible()
    screenshot(page, "care-page-es")
    assert axe(page) == []
