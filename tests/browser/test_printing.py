"""Printing: the nurse's summary of a course fits two A4 pages; a patient takes their own copy."""

import io
import json
import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import SCREENSHOTS
from tests.browser.pages import log_in
from tests.factories import (
    PASSWORD,
    USUAL_ANSWERS,
    InfusionFactory,
    PatientFactory,
    PreferencesFactory,
    nurse_of,
    resolve_flag,
)
from tracker.checkins import record_report
from tracker.models import Flag, Patient

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def pdf_pages(pdf: bytes) -> int:
    """The pages of a PDF: its page objects (``/Type /Page``, not the ``/Pages`` tree)."""
    return len(re.findall(rb"/Type\s*/Page(?![a-z])", pdf))


def thirty_days_after_donor_cells() -> tuple[Patient, object]:
    """A check-in every day for 30 days, two flags a nurse closed with notes, one still open."""
    patient = PatientFactory(user__first_name="Sam", user__last_name="Okafor")
    nurse = nurse_of(patient.care_team, first_name="Jordan", last_name="Lee")
    now = timezone.now()
    start = patient.care_team.days_back(now, 30, timedelta(hours=2))
    InfusionFactory(
        patient=patient, product="DLI", car_target="", cell_source="allogeneic", given_at=start
    )
    for day in range(30):
        answers = {
            **USUAL_ANSWERS,
            "temperature_c": 36.6 + (day % 5) / 10,
            "systolic_bp": 118 + day % 7,
            "diastolic_bp": 72 + day % 4,
            "heart_rate": 76 + day % 9,
            "spo2": 97 - day % 2,
        }
        if day in (6, 18, 29):
            answers.update({"temperature_c": 38.4, "chills": "shivering", "heart_rate": 108})
        record_report(
            patient=patient,
            reported_by=patient.user,
            answers=answers,
            at=start + timedelta(days=day, hours=3),
        )
        if day in (6, 18):
            resolve_flag(
                Flag.objects.get(patient=patient, status="open"),
                by=nurse,
                outcome=Flag.Outcome.CLINIC,
                note="Seen in the day unit; cultures taken",
                at=start + timedelta(days=day, hours=5),
            )
    return patient, nurse


def test_the_nurses_summary_of_a_30_day_course_prints_on_two_pages(
    live_server, new_page, screenshot, axe
):
    patient, nurse = thirty_days_after_donor_cells()
    page = new_page(viewport={"width": 1280, "height": 900})
    log_in(page, live_server.url, nurse.username)
    page.goto(f"{live_server.url}/patients/{patient.pk}/")
    page.get_by_role("link", name="Summary to print for the chart").click()
    expect(page.get_by_role("heading", name="Sam Okafor", level=1)).to_be_visible()
    expect(page.get_by_text("Day 30 after donor lymphocyte infusion")).to_be_visible()
    flags = page.locator(".summary-flags tbody tr")
    expect(flags).to_have_count(3)
    expect(flags.nth(0)).to_contain_text("same-day clinic review: resolved by Jordan Lee")
    expect(flags.nth(2)).to_contain_text("Open: no nurse has acknowledged it yet")
    for name in ["Temperature", "Blood pressure", "Pulse", "Oxygen level"]:
        expect(page.get_by_role("img", name=name)).to_be_visible()
    assert axe(page) == []
    screenshot(page, "summary")
    page.emulate_media(media="print")
    screenshot(page, "summary-print")
    pdf = page.pdf(format="A4", print_background=True)
    assert 1 <= pdf_pages(pdf) <= 2


def test_the_demo_patients_summaries_print_on_two_pages_at_most(
    live_server, new_page, settings, screenshot
):
    settings.DEBUG = True
    call_command("seed_demo", stdout=io.StringIO())
    nurse = get_user_model().objects.get(username="nurse.demo")
    nurse.set_password(PASSWORD)
    nurse.save()
    page = new_page(viewport={"width": 1280, "height": 900})
    log_in(page, live_server.url, "nurse.demo")
    for username in ("patient.demo", "patient2.demo"):
        patient = Patient.objects.get(user__username=username)
        page.goto(f"{live_server.url}/patients/{patient.pk}/summary/")
        expect(page.get_by_role("heading", name=patient.name, level=1)).to_be_visible()
        page.emulate_media(media="print")
        screenshot(page, f"summary-print-{username}")
        assert 1 <= pdf_pages(page.pdf(format="A4")) <= 2
        page.emulate_media(media="screen")


def test_a_patient_takes_their_own_copy_in_their_language(live_server, new_page, axe):
    patient, _nurse = thirty_days_after_donor_cells()
    PreferencesFactory(user=patient.user, language="es")
    page = new_page(viewport={"width": 390, "height": 844})
    log_in(page, live_server.url, patient.user.username)
    page.goto(f"{live_server.url}/history/")
    expect(page.get_by_role("heading", name="Guarda una copia")).to_be_visible()
    # The page is a month long: these screenshots show the parts that matter.
    SCREENSHOTS.mkdir(exist_ok=True)
    page.locator(".own-copy").screenshot(path=SCREENSHOTS / "history-keep-a-copy.png")
    with page.expect_download() as download:
        page.get_by_role(
            "link", name="Un archivo para los sistemas informáticos del hospital (FHIR)"
        ).click()
    bundle = json.loads(download.value.path().read_text())
    assert bundle["resourceType"] == "Bundle"
    [questionnaire] = [
        e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Questionnaire"
    ]
    assert questionnaire["language"] == "es"
    assert "cultures taken" not in json.dumps(bundle)

    page.get_by_role("link", name="Una página para imprimir o guardar como PDF").click()
    expect(page.get_by_role("heading", name="Tus controles: tu propia copia")).to_be_visible()
    entries = page.locator(".copy-entry")
    expect(entries).to_have_count(30)
    expect(entries.nth(6)).to_contain_text("Una enfermera lo cerró")
    expect(page.get_by_text("cultures taken")).to_have_count(0)
    assert axe(page) == []
    page.screenshot(path=SCREENSHOTS / "own-copy-top.png")
    entries.nth(6).screenshot(path=SCREENSHOTS / "own-copy-flagged-check-in.png")


def test_a_30_day_timeline_prints_on_three_pages_at_most(live_server, new_page, screenshot):
    patient, nurse = thirty_days_after_donor_cells()
    start = timezone.now() - timedelta(days=30, hours=2)
    for day in range(1, 30, 3):  # some days twice: an evening check-in too
        answers = {
            **USUAL_ANSWERS,
            "temperature_c": 37.1,
            "heart_rate": 84,
            "fatigue": "relieved_by_rest",
        }
        record_report(
            patient=patient,
            reported_by=patient.user,
            answers=answers,
            at=start + timedelta(days=day, hours=12),
        )
    page = new_page(viewport={"width": 1280, "height": 900})
    log_in(page, live_server.url, nurse.username)
    page.goto(f"{live_server.url}/patients/{patient.pk}/?days=all")
    expect(page.locator(".report-entry")).to_have_count(40)
    expect(page.locator(".flag-history")).to_have_count(3)
    open_flag = page.locator(".flag-history").first
    open_flag.get_by_role("button", name="Acknowledge").click()  # htmx: the card is redrawn
    expect(open_flag.locator("h3")).to_contain_text("acknowledged")
    expect(open_flag.get_by_role("button", name="Acknowledge")).to_have_count(0)
    assert Flag.objects.get(patient=patient, status="acknowledged").acknowledged_by == nurse
    page.get_by_label("Note for the care team").fill("Handover: daughter stays until Friday.")
    page.get_by_role("button", name="Add the note").click()
    expect(page.locator(".nurse-note-entry")).to_contain_text("daughter stays until Friday")
    screenshot(page, "timeline-30-days")
    page.locator(".timeline .lead").screenshot(path=SCREENSHOTS / "timeline-header.png")
    for part in ("notes", "flags"):
        section = page.locator(f"section[aria-labelledby={part}-title]")
        section.screenshot(path=SCREENSHOTS / f"timeline-{part}.png")
    page.emulate_media(media="print")
    page.set_viewport_size({"width": 703, "height": 900})  # A4 less 12 mm margins, at 96 dpi
    screenshot(page, "timeline-30-days-print")
    pdf = page.pdf(format="A4", print_background=True)
    SCREENSHOTS.mkdir(exist_ok=True)
    (SCREENSHOTS / "timeline-30-days.pdf").write_bytes(pdf)
    assert 1 <= pdf_pages(pdf) <= 3
    # What the nurse reads on paper: no forms or buttons, the whole course kept.
    expect(page.locator(".flag-actions").first).to_be_hidden()
    expect(page.locator(".note-form")).to_be_hidden()
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.locator(".report-entry").last).to_be_visible()
