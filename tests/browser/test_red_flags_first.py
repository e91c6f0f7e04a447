"""Rules reference D17 on a phone: one red-flag answer and "send" reach the advice, JavaScript on
and off, with nothing else answered; the emergency instruction shows as soon as it is chosen."""

import pytest
from playwright.sync_api import Page, expect

from symptoms.catalogue import GROUPS, INPUTS
from tests.browser.pages import log_in
from tests.factories import car_t_patient
from tracker.models import Level, Report

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
EMERGENCY = "Call for emergency help now"


def open_group(page: Page, group: str, javascript: bool) -> None:
    """With JavaScript the questions of a part come when it is ticked; without, all are there."""
    if javascript:
        page.get_by_label(str(GROUPS[group])).check()


def fever(page: Page, javascript: bool) -> None:
    page.get_by_label(str(INPUTS["temperature_c"].question)).fill("38.6")


def low_oxygen(page: Page, javascript: bool) -> None:
    page.get_by_label(str(INPUTS["spo2"].question)).fill("88")
    page.get_by_role("button", name="Send my check-in").click()
    # P4's one confirm stays, and it is the only thing asked.
    expect(page.get_by_text("88% is a low oxygen level")).to_be_visible()
    expect(page.get_by_text("Please write your temperature")).to_have_count(0)
    page.get_by_label("I measured again and this number is right").check()


def cannot_be_woken(page: Page, javascript: bool) -> None:
    open_group(page, "brain", javascript)
    question = page.get_by_role("group", name=str(INPUTS["alertness"].question))
    question.get_by_label("Cannot be woken up", exact=True).check()


def bleeding(page: Page, javascript: bool) -> None:
    open_group(page, "bleeding", javascript)
    page.get_by_label(str(INPUTS["bleeding_uncontrolled"].question)).check()


RED_FLAGS = {
    "fever-38.6-day-3": (fever, "Phone your care team now", Level.URGENT_NOW),
    "oxygen-88": (low_oxygen, EMERGENCY, Level.EMERGENCY),
    "cannot-be-woken": (cannot_be_woken, EMERGENCY, Level.EMERGENCY),
    "bleeding-not-stopping": (bleeding, EMERGENCY, Level.EMERGENCY),
}


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
@pytest.mark.parametrize("flag", sorted(RED_FLAGS))
def test_one_red_flag_and_send_reach_the_advice(
    live_server, new_context, screenshot, flag, javascript
):
    answer, heading, level = RED_FLAGS[flag]
    patient = car_t_patient(day=3)
    page = new_context(java_script_enabled=javascript, viewport=PHONE).new_page()
    log_in(page, live_server.url, patient.user.username)
    answer(page, javascript)
    page.get_by_role("button", name="Send my check-in").click()

    expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name="Not answered yet")).to_be_visible()
    report = Report.objects.get()
    assert report.level == level
    assert "concern" in report.unanswered
    if javascript:
        screenshot(page, f"red-flag-{flag}-result")


def test_cannot_be_woken_shows_the_emergency_instruction_at_once(
    live_server, new_context, screenshot, axe
):
    patient = car_t_patient(day=3)
    page = new_context(viewport=PHONE).new_page()
    log_in(page, live_server.url, patient.user.username)
    page.get_by_label(str(GROUPS["brain"])).check()
    ice = page.locator("#ice-check")
    expect(ice).to_be_visible()
    cannot_be_woken(page, javascript=True)

    box = page.locator("#emergency-now")
    expect(box.get_by_text(EMERGENCY)).to_be_in_viewport()
    call = box.get_by_role("link", name=f"Call {patient.care_team.emergency_number}")
    expect(call).to_have_attribute("href", f"tel:{patient.care_team.emergency_number}")
    expect(ice).to_be_hidden()  # no brain check for someone who cannot be woken
    assert not Report.objects.exists()
    assert axe(page) == []
    screenshot(page, "red-flag-cannot-be-woken-at-once")

    box.get_by_role("button", name="Send what I have now").click()
    expect(page.get_by_role("heading", name=EMERGENCY)).to_be_visible()
    assert Report.objects.get().level == Level.EMERGENCY


def test_a_fit_shows_the_emergency_instruction_at_once(live_server, new_context):
    patient = car_t_patient(day=3)
    page = new_context(viewport=PHONE).new_page()
    log_in(page, live_server.url, patient.user.username)
    page.get_by_label(str(GROUPS["brain"])).check()
    page.get_by_label(str(INPUTS["seizure"].question)).check()
    expect(page.locator("#emergency-now").get_by_text(EMERGENCY)).to_be_in_viewport()
