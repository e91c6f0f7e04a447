"""Devices remembered, on a phone: without a machine or a clip, those questions come folded and
answered "could not measure"; opening one shows it, changeable."""

import pytest
from playwright.sync_api import expect

from symptoms.catalogue import INPUTS
from tests.browser.pages import log_in
from tests.factories import car_t_patient
from tracker.models import Report

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_questions_for_devices_the_patient_has_not_are_folded_and_changeable(
    live_server, new_context, screenshot, axe
):
    patient = car_t_patient(day=3, has_bp_cuff=False, has_oximeter=False)
    page = new_context(viewport={"width": 390, "height": 844}).new_page()
    log_in(page, live_server.url, patient.user.username)
    spo2 = page.get_by_label(str(INPUTS["spo2"].question))
    expect(page.get_by_label(str(INPUTS["systolic_bp"].question))).to_be_hidden()
    expect(spo2).to_be_hidden()
    assert axe(page) == []
    screenshot(page, "devices-folded")

    page.get_by_text("Oxygen level: you have no finger clip at home. Change").click()
    expect(spo2).to_be_visible()
    expect(page.get_by_label("I could not measure my oxygen level")).to_be_checked()
    page.get_by_label("I have no finger clip for oxygen at home").uncheck()
    spo2.fill("97")
    page.get_by_label("I could not measure my pulse").uncheck()
    page.get_by_label(str(INPUTS["heart_rate"].question)).fill("80")
    page.get_by_label(str(INPUTS["temperature_c"].question)).fill("36.8")
    page.get_by_role("group", name=str(INPUTS["antipyretic_last_6h"].question)).get_by_label(
        "No", exact=True
    ).check()
    page.get_by_role("group", name=str(INPUTS["concern"].question)).get_by_label(
        str(INPUTS["concern"].label_for("none")), exact=True
    ).check()
    page.get_by_role("button", name="Send my check-in").click()

    expect(page.get_by_role("heading", name="Thank you, nothing to do now")).to_be_visible()
    assert Report.objects.get().answers["spo2"] == 97
    patient.refresh_from_db()
    assert (patient.has_bp_cuff, patient.has_oximeter) == (False, True)
