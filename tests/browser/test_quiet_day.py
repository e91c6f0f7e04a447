"""A quiet day on a phone: the temperature, then 3 taps. The height the quiet path covers is
measured and printed (run with -s) so the note on issue 9 can quote it; the screenshot is saved."""

import pytest
from playwright.sync_api import Page, expect

from symptoms.catalogue import INPUTS
from tests.browser.pages import log_in
from tests.factories import car_t_patient
from tracker.models import Level, Report

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
BEFORE_PX = 3934  # the whole form, which a quiet day had to get through (issue 9)


def bottom(page: Page, locator) -> float:
    """How far down the page (in CSS pixels) an element ends: what a person scrolls through."""
    return locator.evaluate("e => e.getBoundingClientRect().bottom + window.scrollY")


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_a_quiet_day_is_three_taps_after_the_temperature(
    live_server, new_context, screenshot, javascript
):
    patient = car_t_patient(day=3)
    page = new_context(java_script_enabled=javascript, viewport=PHONE).new_page()
    log_in(page, live_server.url, patient.user.username)
    page.get_by_label(str(INPUTS["temperature_c"].question)).fill("36.8")

    fever_medicine = page.get_by_role("group", name=str(INPUTS["antipyretic_last_6h"].question))
    worry = page.get_by_role("group", name=str(INPUTS["concern"].question))
    send = page.get_by_role("button", name="Nothing new since last time: send")
    height = bottom(page, send)
    taps = [
        fever_medicine.get_by_label("No", exact=True),
        worry.get_by_label(str(INPUTS["concern"].label_for("none")), exact=True),
    ]
    for tap in taps:
        tap.click()
    if javascript:
        screenshot(page, "quiet-day-after")
    send.click()
    taps.append(send)
    print(f"\nquiet day: {len(taps)} taps after the temperature, {height:.0f} px (was {BEFORE_PX})")

    expect(page.get_by_role("heading", name="Thank you, nothing to do now")).to_be_visible()
    assert len(taps) <= 3
    assert height <= BEFORE_PX / 2
    report = Report.objects.get()
    assert report.level == Level.NONE
    assert report.answers == {
        "temperature_c": 36.8,
        "antipyretic_last_6h": False,
        "concern": "none",
    }


def test_the_twice_daily_temperature_check_is_two_taps_after_the_reading(
    live_server, new_context, screenshot, axe
):
    patient = car_t_patient(day=3)
    page = new_context(viewport=PHONE).new_page()
    log_in(page, live_server.url, patient.user.username)
    page.get_by_role("link", name="Only your twice-daily temperature check?").click()
    page.get_by_label(str(INPUTS["temperature_c"].question)).fill("38.4")
    fever_medicine = page.get_by_role("group", name=str(INPUTS["antipyretic_last_6h"].question))
    fever_medicine.get_by_label("No", exact=True).click()
    send = page.get_by_role("button", name="Send my temperature")
    print(f"\ntemperature-only check: 2 taps after the reading, {bottom(page, send):.0f} px")
    assert axe(page) == []
    screenshot(page, "temperature-only")
    send.click()
    expect(page.get_by_role("heading", name="Phone your care team now")).to_be_visible()
    assert Report.objects.get().answers == {"temperature_c": 38.4, "antipyretic_last_6h": False}
