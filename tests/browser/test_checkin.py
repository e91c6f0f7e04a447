"""The patient's check-in on a phone: with a mouse, without JavaScript, with the keyboard only,
and checked with axe-core for WCAG 2.1 A/AA problems on every patient page."""

import pytest
from playwright.sync_api import Page, expect

from symptoms.catalogue import GROUPS, INPUTS
from tests.browser.pages import log_in
from tests.factories import PASSWORD, car_t_patient, carer_of
from tracker.checkins import record_report
from tracker.models import Level, Report

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}

# One report per triage level for an own-cell CD19 CAR-T patient on day 3.
ANSWERS_FOR_LEVEL = {
    Level.NONE: {"temperature_c": 36.8, "spo2": 98},
    Level.ROUTINE: {"temperature_c": 36.8, "headache": "mild"},
    Level.URGENT_TODAY: {"temperature_c": 36.8, "concern": "worried"},
    Level.URGENT_NOW: {"temperature_c": 38.6, "rash_bsa_percent": 30.0, "itching": True},
    Level.EMERGENCY: {"temperature_c": 38.9, "spo2": 89, "breathlessness": "at_rest"},
}


@pytest.fixture
def page(new_context):
    """A phone-sized page of its own context (pytest-playwright's ``page`` warns on this pytest)."""
    context = new_context(viewport=PHONE)
    yield context.new_page()


def question(page: Page, code: str):
    return page.get_by_role("group", name=str(INPUTS[code].question))


def choose(page: Page, code: str, value: str) -> None:
    question(page, code).get_by_label(str(INPUTS[code].label_for(value)), exact=True).check()


def fill_vital_signs(page: Page, temperature: str) -> None:
    page.get_by_label(str(INPUTS["temperature_c"].question)).fill(temperature)
    page.get_by_label(str(INPUTS["systolic_bp"].question)).fill("118")
    page.get_by_label(str(INPUTS["diastolic_bp"].question)).fill("76")
    page.get_by_label(str(INPUTS["heart_rate"].question)).fill("92")
    page.get_by_label(str(INPUTS["spo2"].question)).fill("97")
    question(page, "antipyretic_last_6h").get_by_label("No", exact=True).check()


def test_a_check_in_with_fever_and_rash_ends_on_phoning_the_care_team(
    live_server, page: Page, screenshot
):
    patient = car_t_patient(day=3, user__first_name="Alex", user__last_name="Rivera")
    team = patient.care_team
    log_in(page, live_server.url, patient.user.username)
    expect(page.get_by_role("heading", name="How are you today?")).to_be_visible()
    fill_vital_signs(page, "38.6")

    rash = page.get_by_role("group", name=str(INPUTS["rash_bsa_percent"].question))
    expect(rash).to_have_count(0)
    page.get_by_label(str(GROUPS["skin"])).check()
    expect(rash).to_be_visible()
    rash.get_by_label("10 to 30 palms").check()
    page.get_by_label(str(INPUTS["itching"].question)).check()
    choose(page, "concern", "none")
    screenshot(page, "checkin")
    page.get_by_role("button", name="Send my check-in").click()

    expect(page.get_by_role("heading", name="Phone your care team now")).to_be_visible()
    call = page.get_by_role("link", name=f"Call {team.phone_24h.as_international}")
    expect(call).to_have_attribute("href", f"tel:{team.phone_24h}")
    told = page.locator(".told-us")
    expect(told).to_contain_text("38.6 °C")
    expect(told).to_contain_text("30%")
    report = Report.objects.get()
    assert report.answers["rash_bsa_percent"] == 30.0
    assert report.level == Level.URGENT_NOW


def test_a_check_in_works_without_javascript(live_server, screenshot, new_context):
    patient = car_t_patient(day=3)
    context = new_context(java_script_enabled=False, viewport=PHONE)
    page = context.new_page()
    log_in(page, live_server.url, patient.user.username)
    # Every follow-up question is on the page, ticked or not.
    expect(page.get_by_label(str(INPUTS["seizure"].question))).to_be_visible()
    page.get_by_label(str(INPUTS["temperature_c"].question)).fill("98.6")
    page.get_by_label("°F").check()
    page.get_by_label("I could not measure my blood pressure").check()
    page.get_by_label("I could not measure my pulse").check()
    page.get_by_label(str(INPUTS["spo2"].question)).fill("89")
    question(page, "antipyretic_last_6h").get_by_label("No", exact=True).check()
    choose(page, "concern", "none")
    page.get_by_role("button", name="Send my check-in").click()

    # A low oxygen level with no matching symptom: measure again, then confirm.
    expect(page.get_by_text("89% is a low oxygen level")).to_be_visible()
    expect(page.get_by_label(str(INPUTS["spo2"].question))).to_have_value("89")
    expect(page.get_by_label(str(INPUTS["temperature_c"].question))).to_have_value("98.6")
    screenshot(page, "checkin-confirm-no-js")
    page.get_by_label("I measured again and this number is right").check()
    page.get_by_role("button", name="Send my check-in").click()

    expect(page.get_by_role("heading", name="Call for emergency help now")).to_be_visible()
    report = Report.objects.get()
    assert report.answers["spo2"] == 89
    assert report.answers["temperature_c"] == 37.0
    assert "systolic_bp" not in report.answers


def _tab_to(page: Page, element_id: str, limit: int = 200) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement && document.activeElement.id") == element_id:
            return
    raise AssertionError(f"Tab never reached #{element_id}")


def test_a_check_in_with_the_keyboard_only(live_server, page: Page):
    patient = car_t_patient(day=3)
    page.goto(f"{live_server.url}/login/")
    _tab_to(page, "id_username")
    page.keyboard.type(patient.user.username)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="How are you today?")).to_be_visible()

    _tab_to(page, "id_temperature")
    page.keyboard.type("38.4")
    _tab_to(page, "id_antipyretic_last_6h_0")  # "Yes": the first choice, reached by Tab
    page.keyboard.press("Space")
    _tab_to(page, "id_concern_0")
    page.keyboard.press("Space")
    for tick in ("id_bp_not_measured", "id_heart_rate_not_measured", "id_spo2_not_measured"):
        _tab_to(page, tick)
        page.keyboard.press("Space")
    _tab_to(page, "id_changes_whole_body")
    page.keyboard.press("Space")
    expect(question(page, "chills")).to_be_visible()
    _tab_to(page, "id_chills_0")
    page.keyboard.press("Space")
    _tab_to(page, "id_note")
    page.keyboard.type("Typed with the keyboard")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", name="Phone your care team now")).to_be_visible()
    report = Report.objects.get()
    assert report.answers["temperature_c"] == 38.4
    assert report.answers["antipyretic_last_6h"] is True
    assert report.answers["chills"] == "none"
    assert report.answers["note"] == "Typed with the keyboard"


def test_an_emergency_fills_the_first_screen(live_server, page: Page):
    patient = car_t_patient(day=3)
    report = record_report(
        patient=patient, reported_by=patient.user, answers=ANSWERS_FOR_LEVEL[Level.EMERGENCY]
    )
    log_in(page, live_server.url, patient.user.username)
    page.goto(f"{live_server.url}/reports/{report.pk}/")
    heading = page.get_by_role("heading", name="Call for emergency help now")
    call = page.get_by_role("link", name=f"Call {patient.care_team.emergency_number}")
    for element in (heading, call):
        box = element.bounding_box()
        assert box["y"] + box["height"] <= PHONE["height"], "must be seen without scrolling"
    advice = page.locator(".advice")
    colour = advice.evaluate("e => getComputedStyle(e).backgroundColor")
    assert colour == "rgb(176, 0, 32)"  # the emergency red, with white text


def test_every_patient_page_passes_axe(live_server, axe, screenshot, new_context):
    patient = car_t_patient(day=3, user__first_name="Alex", user__last_name="Rivera")
    other = car_t_patient(day=10, user__first_name="Robin", user__last_name="Shaw")
    carer = carer_of(patient, other, first_name="Sam", last_name="Rivera")
    violations: list[str] = []
    context = new_context(viewport=PHONE)
    page = context.new_page()

    page.goto(f"{live_server.url}/login/")
    violations += axe(page)
    log_in(page, live_server.url, patient.user.username)
    expect(page.get_by_role("heading", name="How are you today?")).to_be_visible()
    violations += axe(page)

    for group in ("whole_body", "brain", "gut", "skin", "bleeding", "infection"):
        page.get_by_label(str(GROUPS[group])).check()
        expect(page.locator(f"#questions-{group} .group-questions")).to_be_visible()
    page.locator("#id_ice_1_0").check()
    violations += axe(page)
    screenshot(page, "checkin-follow-ups-open")

    page.get_by_label(str(INPUTS["temperature_c"].question)).fill("50")
    page.get_by_label(str(INPUTS["spo2"].question)).fill("88")
    page.get_by_role("button", name="Send my check-in").click()
    expect(page.get_by_role("alert")).to_contain_text("Some answers need a look")
    expect(page.get_by_role("alert")).to_be_in_viewport()
    expect(page.get_by_role("alert")).to_be_focused()
    violations += axe(page)
    screenshot(page, "checkin-errors")

    for level, answers in ANSWERS_FOR_LEVEL.items():
        report = record_report(patient=patient, reported_by=patient.user, answers=answers)
        assert report.level == level, (level, report.findings)
        page.goto(f"{live_server.url}/reports/{report.pk}/")
        violations += axe(page)
        screenshot(page, f"result-{level.name.lower().replace('_', '-')}")

    page.get_by_role("button", name="Log out").click()
    log_in(page, live_server.url, carer.username)
    expect(page.get_by_role("heading", name="Who are you answering for?")).to_be_visible()
    violations += axe(page)
    screenshot(page, "carer-picker")
    page.get_by_role("link", name="Check in for Robin Shaw").click()
    expect(page.get_by_text("You are answering for Robin Shaw.")).to_be_visible()
    violations += axe(page)
    assert violations == []


@pytest.mark.parametrize("javascript", [True, False])
def test_back_and_send_again_saves_one_report(live_server, javascript, new_context):
    patient = car_t_patient(day=3)
    context = new_context(java_script_enabled=javascript, viewport=PHONE)
    page = context.new_page()
    log_in(page, live_server.url, patient.user.username)
    fill_vital_signs(page, "38.6")
    choose(page, "concern", "none")
    send = page.get_by_role("button", name="Send my check-in")
    send.dblclick()
    expect(page.get_by_role("heading", name="Phone your care team now")).to_be_visible()
    page.go_back()
    expect(page.get_by_role("heading", name="How are you today?")).to_be_visible()
    fill_vital_signs(page, "38.6")
    choose(page, "concern", "none")
    page.get_by_role("button", name="Send my check-in").click()
    expect(page.get_by_role("heading", name="Phone your care team now")).to_be_visible()
    assert Report.objects.count() == 1
