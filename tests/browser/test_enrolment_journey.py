"""A nurse enrols a patient, who follows the e-mailed link, sets a password and checks in."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import Page, expect

from symptoms.catalogue import CONTEXT, LABS
from tests.browser.pages import log_in, type_code
from tests.factories import PASSWORD, CareTeamFactory, authenticator_app, nurse_of
from tracker.models import Patient

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def csp_violations(page: Page) -> list[str]:
    found: list[str] = []
    page.on(
        "console",
        lambda m: found.append(m.text) if "Content Security Policy" in m.text else None,
    )
    return found


@pytest.mark.parametrize("javascript", [True, False], ids=["htmx", "no-js"])
def test_a_nurse_enrols_a_patient_who_then_sets_a_password(
    live_server, screenshot, settings, javascript, new_context
):
    settings.SITE_URL = live_server.url
    team = CareTeamFactory(time_zone="Europe/Paris")
    nurse = nurse_of(team)
    yesterday = (timezone.now().astimezone(team.zone) - timedelta(days=1)).date()

    context = new_context(java_script_enabled=javascript, viewport={"width": 1000, "height": 900})
    page = context.new_page()
    violations = csp_violations(page)
    log_in(page, live_server.url, nurse.username)
    page.goto(f"{live_server.url}/patients/new/")
    expect(page.get_by_role("heading", name="Enrol a patient")).to_be_visible()
    page.get_by_label("First name").fill("Noor")
    page.get_by_label("Last name").fill("Haddad")
    page.get_by_label("E-mail address").fill("noor@example.org")
    page.get_by_label("Cell product").select_option("CAR-T")
    page.get_by_label(str(CONTEXT["target"].question)).select_option("BCMA")
    page.get_by_label(str(CONTEXT["cell_source"].choices[0][1])).check()
    page.get_by_label("Date of the infusion").fill((yesterday + timedelta(days=2)).isoformat())
    page.get_by_label("Time of the infusion").fill("09:30")
    page.get_by_label(re.compile(str(LABS["platelets"].question))).fill("120")
    page.get_by_role("button", name="Enrol and send the invitation").click()

    expect(page.get_by_role("alert")).to_contain_text("Everything you typed is kept")
    expect(page.get_by_text("This is in the future")).to_be_visible()
    expect(page.get_by_label("First name")).to_have_value("Noor")
    expect(page.get_by_label("Time of the infusion")).to_have_value("09:30")
    expect(page.get_by_label(re.compile(str(LABS["platelets"].question)))).to_have_value("120")
    screenshot(page, f"enrol-error-{'htmx' if javascript else 'nojs'}")
    page.get_by_label("Date of the infusion").fill(yesterday.isoformat())
    page.get_by_role("button", name="Enrol and send the invitation").click()

    expect(page.get_by_role("heading", name="Noor Haddad")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("Noor Haddad is enrolled")
    screenshot(page, f"patient-care-{'htmx' if javascript else 'nojs'}")
    patient = Patient.objects.get(user__email="noor@example.org")
    assert patient.labs == {"platelets": 120.0}
    assert violations == []

    [invitation] = mail.outbox
    [link] = re.findall(r"https?://\S+", invitation.body)
    patient_page = new_context(
        java_script_enabled=javascript, viewport={"width": 390, "height": 844}
    ).new_page()
    patient_page.goto(link)
    expect(patient_page.get_by_role("heading", name="Choose a password")).to_be_visible()
    expect(patient_page.get_by_text("noor@example.org")).to_be_visible()
    patient_page.get_by_label("New password", exact=True).fill("sunny-garden-walk-42")
    patient_page.get_by_label("New password confirmation").fill("sunny-garden-walk-42")
    screenshot(patient_page, f"set-password-{'htmx' if javascript else 'nojs'}")
    patient_page.get_by_role("button", name="Save my password").click()
    expect(patient_page.get_by_role("heading", name="How are you today?")).to_be_visible()

    patient_page.goto(link)
    expect(
        patient_page.get_by_role("heading", name="This link does not work any more")
    ).to_be_visible()


def test_an_admin_reads_the_audit_trail_without_csp_errors(live_server, screenshot, new_page):
    from django.contrib.auth import get_user_model

    from tests.factories import car_t_patient
    from tracker.audit import record_timeline_opened

    auditor = get_user_model().objects.create_superuser("auditor", "auditor@example.org", PASSWORD)
    authenticator_app(auditor)
    patient = car_t_patient(user__first_name="Alex", user__last_name="Rivera")
    nurse = nurse_of(patient.care_team, username="nurse.kit")
    record_timeline_opened(nurse=nurse, patient=patient)

    page = new_page(viewport={"width": 1100, "height": 800})
    violations = csp_violations(page)
    page.goto(f"{live_server.url}/admin/login/")
    page.get_by_label("Username").fill("auditor")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/account/two-factor/**")  # the admin's login asks for the code too
    type_code(page, auditor)
    page.wait_for_url("**/admin/")
    page.goto(f"{live_server.url}/admin/tracker/patient/{patient.pk}/change/")
    page.get_by_role("link", name="Every change and every opening").click()
    expect(page.locator("#audit-trail")).to_contain_text("timeline opened")
    expect(page.locator("#audit-trail")).to_contain_text("nurse.kit")
    screenshot(page, "admin-audit-trail")
    page.goto(f"{live_server.url}/admin/tracker/patient/{patient.pk}/history/")
    expect(page.get_by_text("Alex Rivera").first).to_be_visible()
    assert violations == []
