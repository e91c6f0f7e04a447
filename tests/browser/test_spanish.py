"""A Spanish-speaking patient on a phone: the check-in, a fever typed with a decimal comma, and
the advice in Spanish; and the language switch with JavaScript on."""

import pytest
from django.utils import translation
from playwright.sync_api import Page, expect

from symptoms.catalogue import INPUTS
from tests.browser.pages import log_in
from tests.factories import PASSWORD, CareTeamFactory, PreferencesFactory, car_t_patient
from tracker.models import Level, Preferences, Report

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def page(new_context):
    """A phone-sized page whose browser asks for English: the user's own choice must win."""
    context = new_context(viewport=PHONE, locale="en-GB")
    yield context.new_page()


def es(text) -> str:
    with translation.override("es"):
        return str(text)


def question(page: Page, code: str):
    return page.get_by_role("group", name=es(INPUTS[code].question))


def test_a_spanish_patient_checks_in_with_a_fever_and_reads_what_to_do_in_spanish(
    live_server,
    page: Page,
    screenshot,
    axe,
):
    team = CareTeamFactory(phone_24h="+34 600 123 456", emergency_number="112")
    patient = car_t_patient(day=3, team=team, user__first_name="Lucía", user__last_name="Gómez")
    PreferencesFactory(user=patient.user, language="es")
    log_in(page, live_server.url, patient.user.username)

    expect(page.get_by_role("heading", name="¿Cómo estás hoy?")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "es")
    page.get_by_label(es(INPUTS["temperature_c"].question)).fill("38,5")
    page.get_by_label(es(INPUTS["systolic_bp"].question)).fill("118")
    page.get_by_label(es(INPUTS["diastolic_bp"].question)).fill("76")
    page.get_by_label(es(INPUTS["heart_rate"].question)).fill("92")
    page.get_by_label(es(INPUTS["spo2"].question)).fill("97")
    question(page, "antipyretic_last_6h").get_by_label("No", exact=True).check()
    question(page, "concern").get_by_label("No nos preocupa nada").check()
    screenshot(page, "checkin-es")
    assert axe(page) == []
    page.get_by_role("button", name="Enviar mi control").click()

    expect(page.get_by_role("heading", name="Llama ahora a tu equipo médico")).to_be_visible()
    call = page.get_by_role("link", name="Llamar al +34 600 12 34 56")
    expect(call).to_have_attribute("href", "tel:+34600123456")
    expect(page.locator(".told-us")).to_contain_text("38,5 °C")
    expect(
        page.get_by_text("Una enfermera de tu equipo médico verá tus respuestas.")
    ).to_be_visible()
    screenshot(page, "result-es")
    assert axe(page) == []
    report = Report.objects.get()
    assert report.answers["temperature_c"] == 38.5
    assert report.level == Level.URGENT_NOW


def test_the_language_switch_changes_the_whole_page_and_is_kept(live_server, page: Page):
    patient = car_t_patient(day=3)
    page.goto(f"{live_server.url}/login/")
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    page.get_by_role("button", name="Español").click()

    expect(page.get_by_role("heading", name="Iniciar sesión")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "es")
    page.get_by_label("Nombre de usuario").fill(patient.user.username)
    page.get_by_label("Contraseña").fill(PASSWORD)
    page.get_by_role("button", name="Iniciar sesión").click()
    expect(page.get_by_role("heading", name="¿Cómo estás hoy?")).to_be_visible()

    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", name="How are you today?")).to_be_visible()
    assert page.url == f"{live_server.url}/check-in/"
    assert Preferences.language_of(patient.user) == "en"
