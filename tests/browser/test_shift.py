"""A nurse's shift: three check-ins come in, the nurse works the most urgent one to the end."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.pages import log_in
from tests.factories import CareTeamFactory, car_t_patient, nurse_of
from tracker.checkins import record_report
from tracker.models import Flag, FlagEvent, Level

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 800}
TABLET = {"width": 820, "height": 1180}


def check_in(patient, answers, *, minutes_ago=0):
    """The report as the check-in page saves it (the engine grades it; nothing is made up)."""
    return record_report(
        patient=patient,
        reported_by=patient.user,
        answers=answers,
        at=timezone.now() - timedelta(minutes=minutes_ago),
    )


@pytest.fixture
def shift():
    team = CareTeamFactory(name="Cell Therapy Unit", time_zone="Europe/London")
    patients = {
        name: car_t_patient(day=3, team=team, user__first_name=first, user__last_name=last)
        for name, first, last in [
            ("seizure", "Alex", "Rivera"),
            ("fever", "Bea", "Chen"),
            ("headache", "Cai", "Osei"),
            ("silent", "Dana", "Novak"),
        ]
    }
    reports = {
        "seizure": check_in(patients["seizure"], {"seizure": True, "temperature_c": 37.0}),
        # Waiting 75 minutes: past the 1-hour target for urgent-now flags.
        "fever": check_in(patients["fever"], {"temperature_c": 38.6}, minutes_ago=75),
        "headache": check_in(patients["headache"], {"temperature_c": 36.9, "headache": "mild"}),
    }
    assert [reports[k].level for k in ["seizure", "fever", "headache"]] == [
        Level.EMERGENCY,
        Level.URGENT_NOW,
        Level.ROUTINE,
    ]
    nurse = nurse_of(team, first_name="Jordan", last_name="Lee")
    return {"team": team, "patients": patients, "reports": reports, "nurse": nurse}


def test_a_shift_from_three_check_ins_to_a_resolved_emergency(
    live_server, screenshot, shift, new_page
):
    patients = shift["patients"]
    page = new_page(viewport=DESKTOP)
    log_in(page, live_server.url, shift["nurse"].username)

    expect(page.get_by_role("heading", name="Flagged check-ins")).to_be_visible()
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("Alex Rivera")
    expect(rows.nth(0)).to_contain_text("Emergency")
    expect(rows.nth(0)).to_contain_text("Seizure")
    expect(rows.nth(1)).to_contain_text("Bea Chen")
    expect(rows.nth(1)).to_contain_text("Urgent now")
    expect(rows.nth(1)).to_contain_text("Overdue")
    expect(page.locator("#worklist")).not_to_contain_text("Cai Osei")  # routine: not flagged
    missed = page.get_by_role("region", name="No check-in yet today")
    expect(missed).to_contain_text("Dana Novak")
    screenshot(page, "dashboard-shift")
    page.set_viewport_size(TABLET)
    screenshot(page, "dashboard-tablet")
    page.set_viewport_size(DESKTOP)

    emergency = rows.nth(0)
    emergency.get_by_role("button", name="Acknowledge").click()
    expect(emergency).to_contain_text("Acknowledged by Jordan Lee")
    emergency.get_by_text("Resolve…").click()
    emergency.get_by_label("Sent to the emergency department").check()
    emergency.get_by_label("Note").fill("Ambulance called; ED told.")
    screenshot(page, "dashboard-resolve-form")
    emergency.get_by_role("button", name="Resolve flag").click()
    expect(emergency).to_contain_text("Resolved by Jordan Lee")
    expect(emergency.get_by_role("button", name="Reopen")).to_be_visible()

    flag = Flag.objects.get(patient=patients["seizure"])
    assert (flag.status, flag.outcome, flag.resolved_by) == ("resolved", "ed", shift["nurse"])
    assert list(flag.events.values_list("action", flat=True)) == [
        FlagEvent.Action.OPENED,
        FlagEvent.Action.ACKNOWLEDGED,
        FlagEvent.Action.RESOLVED,
    ]

    patient_page = new_page(viewport={"width": 390, "height": 844})
    log_in(patient_page, live_server.url, patients["seizure"].user.username)
    response = patient_page.goto(f"{live_server.url}/reports/{shift['reports']['seizure'].pk}/")
    assert response.status == 200
    expect(patient_page.locator("h1")).to_be_visible()
    patient_page.get_by_role("link", name="Past check-ins").click()
    done = patient_page.locator(".team-actions")
    expect(done).to_contain_text("A nurse saw this at")
    expect(done).to_contain_text("What happened: a visit to the emergency department")
    expect(patient_page.locator("main")).not_to_contain_text("Ambulance called")  # nurse's note
    screenshot(patient_page, "history-after-shift")


def test_the_list_refreshes_itself_without_closing_an_open_resolve_form(
    live_server, shift, new_context
):
    context = new_context(viewport=TABLET)
    context.clock.install()
    page = context.new_page()
    log_in(page, live_server.url, shift["nurse"].username)
    page.get_by_label("Level", exact=True).select_option(label="Urgent now")
    expect(page).to_have_url(f"{live_server.url}/dashboard/?level=3&category=&status=")
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(1)
    fever = rows.first
    fever.get_by_text("Resolve…").click()
    note = fever.get_by_label("Note")
    note.fill("Calling back in 5 minutes")

    # A new urgent-now check-in arrives; the next refresh (every 30 s) brings it in.
    newcomer = car_t_patient(team=shift["team"], user__first_name="Eli", user__last_name="Park")
    check_in(newcomer, {"temperature_c": 38.8})
    page.clock.run_for("00:31")
    expect(rows).to_have_count(2)
    expect(page.locator("tbody")).to_contain_text("Eli Park")
    expect(page.locator("tbody")).not_to_contain_text("Alex Rivera")  # the level filter is kept
    expect(note).to_have_value("Calling back in 5 minutes")
    expect(note).to_be_focused()
    expect(fever.locator("details")).to_have_attribute("open", "")


def test_resolving_works_without_javascript(live_server, shift, new_context):
    context = new_context(java_script_enabled=False, viewport=TABLET)
    page = context.new_page()
    log_in(page, live_server.url, shift["nurse"].username)
    page.get_by_label("Status").select_option(label="Open only")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(f"{live_server.url}/dashboard/?level=&category=&status=open")
    fever = page.locator("tbody tr").filter(has_text="Bea Chen")
    fever.get_by_text("Resolve…").click()  # without JavaScript: the form on a page of its own
    expect(page.get_by_role("heading", name="Resolve a flag")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Bea Chen")
    page.get_by_label("Phone assessment").check()
    page.get_by_role("button", name="Resolve flag").click()
    expect(page.get_by_role("status")).to_contain_text("You resolved the flag for Bea Chen")
    expect(page).to_have_url(f"{live_server.url}/dashboard/?level=&category=&status=open")
    expect(page.locator("tbody")).not_to_contain_text("Bea Chen")
    resolved = page.get_by_role("region", name="Resolved in the last 12 hours")
    expect(resolved).to_contain_text("Bea Chen")
    resolved.get_by_role("button", name="Reopen").click()
    expect(page.locator("tbody")).to_contain_text("Bea Chen")
    flag = Flag.objects.get(patient=shift["patients"]["fever"])
    assert flag.status == Flag.Status.OPEN
    assert list(flag.events.values_list("action", flat=True))[-2:] == ["resolved", "reopened"]


def test_a_typed_note_survives_a_new_check_in_joining_the_flag(live_server, shift, new_context):
    context = new_context(viewport=TABLET)
    context.clock.install()
    page = context.new_page()
    log_in(page, live_server.url, shift["nurse"].username)
    fever = page.locator("tbody tr").filter(has_text="Bea Chen")
    fever.get_by_text("Resolve…").click()
    note = fever.get_by_label("Note")
    fever.get_by_label("Phone assessment").check()
    note.fill("Rang Bea, paracetamol, call back at 6")

    # Bea checks in again (still urgent now): the check-in joins her flag; the list refreshes.
    check_in(shift["patients"]["fever"], {"temperature_c": 38.9})
    page.clock.run_for("00:31")
    expect(fever).to_contain_text("38.9")
    expect(note).to_have_value("Rang Bea, paracetamol, call back at 6")

    # Sending it asks the nurse to read the new check-in first, and keeps what they typed.
    fever.get_by_role("button", name="Resolve flag").click()
    expect(fever.get_by_role("alert")).to_contain_text("Please read it before you resolve")
    expect(fever.get_by_label("Note")).to_have_value("Rang Bea, paracetamol, call back at 6")
    fever.get_by_role("button", name="Resolve flag").click()
    expect(fever).to_contain_text("Resolved by")
    flag = Flag.objects.get(patient=shift["patients"]["fever"])
    assert flag.status == Flag.Status.RESOLVED
    assert flag.note == "Rang Bea, paracetamol, call back at 6"
