"""The walking skeleton end to end: a patient reports a fever, a nurse sees and acknowledges it."""

import pytest
from playwright.sync_api import Page, expect

from symptoms.catalogue import INPUTS
from tests.browser.pages import log_in
from tests.factories import FlagFactory, car_t_patient, nurse_of
from tracker.models import Flag, Level

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def answer_the_rest_as_well(page: Page) -> None:
    """No other measurement to hand, no fever medicine, nothing else new, not worried."""
    for what in ("blood pressure", "pulse", "oxygen level"):
        page.get_by_label(f"I could not measure my {what}").check()
    for code, value in [
        ("antipyretic_last_6h", "No"),
        ("concern", INPUTS["concern"].choices[0][1]),
    ]:
        group = page.get_by_role("group", name=str(INPUTS[code].question))
        group.get_by_label(str(value), exact=True).check()


def test_patient_reports_a_fever_and_the_nurse_acknowledges_it(live_server, screenshot, new_page):
    patient = car_t_patient(day=3, user__first_name="Alex", user__last_name="Rivera")
    team = patient.care_team
    waiting = FlagFactory(patient__care_team=team, level=Level.URGENT_TODAY)
    nurse = nurse_of(team, first_name="Jordan", last_name="Lee")

    patient_page = new_page(viewport={"width": 390, "height": 844})
    log_in(patient_page, live_server.url, patient.user.username)
    expect(patient_page.get_by_role("heading", name="How are you today?")).to_be_visible()
    patient_page.get_by_label("What is your temperature?").fill("38.6")
    answer_the_rest_as_well(patient_page)
    screenshot(patient_page, "checkin-fever")
    patient_page.get_by_role("button", name="Send my check-in").click()

    expect(patient_page.get_by_role("heading", name="Phone your care team now")).to_be_visible()
    call = patient_page.get_by_role("link", name=f"Call {team.phone_24h.as_international}")
    expect(call).to_have_attribute("href", f"tel:{team.phone_24h}")
    # At phone width the number stays on one line (one box, not two): easier to read and dial.
    assert call.locator(".phone-number").evaluate("n => n.getClientRects().length") == 1
    screenshot(patient_page, "result-urgent-now")

    nurse_page = new_page(viewport={"width": 1280, "height": 800})
    log_in(nurse_page, live_server.url, nurse.username)
    expect(nurse_page.get_by_role("heading", name="Flagged check-ins")).to_be_visible()
    rows = nurse_page.locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("Alex Rivera")
    expect(rows.first).to_contain_text("Urgent now")
    expect(rows.first).to_contain_text("day 3")
    expect(rows.first).to_contain_text("38.6 °C")
    expect(rows.nth(1)).to_contain_text(waiting.patient.name)
    screenshot(nurse_page, "dashboard")

    rows.first.get_by_role("button", name="Acknowledge").click()
    expect(rows.first).to_contain_text("Acknowledged by Jordan Lee")
    flag = Flag.objects.get(patient=patient)
    assert flag.status == Flag.Status.ACKNOWLEDGED
    assert flag.acknowledged_by == nurse


def test_check_in_and_acknowledge_work_without_javascript(live_server, new_context):
    patient = car_t_patient(day=3)
    nurse = nurse_of(patient.care_team)
    context = new_context(java_script_enabled=False)
    page = context.new_page()
    log_in(page, live_server.url, patient.user.username)
    page.get_by_label("What is your temperature?").fill("101.5")
    page.get_by_label("°F").check()
    answer_the_rest_as_well(page)
    page.get_by_role("button", name="Send my check-in").click()
    expect(page.get_by_role("heading", name="Phone your care team now")).to_be_visible()

    page.get_by_role("button", name="Log out").click()
    log_in(page, live_server.url, nurse.username)
    page.get_by_role("button", name="Acknowledge").click()
    expect(page.locator("tbody tr").first).to_contain_text("Acknowledged by")
    assert Flag.objects.get(patient=patient).acknowledged_by == nurse
