"""The nurse's pages speak the clinic's words, not the engine's codes (symptoms.describe).

After a fever check-in, what a nurse reads on the dashboard and the timeline (the visible text, not
the attributes) has no answer key like ``temperature_c`` and no level or category code like
``URGENT_NOW``; the fever reads as a sentence with its value, and in Spanish it reads in Spanish.
"""

from __future__ import annotations

import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from symptoms import Triage
from symptoms.catalogue import INPUTS
from symptoms.describe import CHOICE_WORDS, NAMES, describe, key_readings
from symptoms.levels import Category
from tests.factories import (
    USUAL_ANSWERS,
    CareTeamFactory,
    PreferencesFactory,
    car_t_patient,
    nurse_of,
)
from tracker.checkins import record_report

pytestmark = pytest.mark.django_db

# CRS and GVHD are also the clinical abbreviations nurses write, so they are not codes here.
SNAKE_KEY = re.compile(r"\b[a-z]+_[a-z_]+\b")
CODES = re.compile(
    r"\b(?:"
    + "|".join(
        [t.name for t in Triage if t.name != "NONE"]
        + [c.name for c in Category if c.name not in ("CRS", "GVHD")]
    )
    + r")\b"
)
FEVER_ANSWERS = {
    **USUAL_ANSWERS,
    "temperature_c": 38.6,
    "chills": "shivering",
    "systolic_bp": 112,
    "diastolic_bp": 70,
    "spo2": 96,
    "concern": "worried",
    "note": "Hot and shaky since lunch",
}


class VisibleText(HTMLParser):
    """The text a person reads: text nodes outside <script>, <style> and <title>."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "title"):
            self.hidden += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style", "title"):
            self.hidden -= 1

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)


def visible(html: str) -> str:
    parser = VisibleText()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


@pytest.fixture
def fever():
    team = CareTeamFactory()
    nurse = nurse_of(team)
    patient = car_t_patient(day=3, team=team)
    record_report(
        patient=patient,
        reported_by=patient.user,
        answers=FEVER_ANSWERS,
        at=team.days_back(timezone.now(), 0, timedelta(minutes=20)),  # still day 3 at 00:05
    )
    return {"nurse": nurse, "patient": patient}


def pages(client, fever) -> dict[str, str]:
    client.force_login(fever["nurse"])
    urls = {
        "dashboard": reverse("dashboard"),
        "timeline": reverse("timeline", args=[fever["patient"].pk]),
    }
    return {name: client.get(url).content.decode() for name, url in urls.items()}


def test_after_a_fever_no_answer_key_or_level_code_is_visible(client, fever):
    for name, html in pages(client, fever).items():
        text = visible(html)
        assert SNAKE_KEY.findall(text) == [], name
        assert CODES.findall(text) == [], name


def test_the_fever_reads_as_a_sentence_with_its_value_threshold_and_day(client, fever):
    for name, html in pages(client, fever).items():
        text = visible(html)
        assert "Temperature 38.6 °C (≥ 38.0), Chills: shivering on day 3 after CAR-T" in text, name
        assert "Cytokine release syndrome (CRS)" in text, name
        assert "Urgent now" in text, name
    assert f'href="{reverse("rules")}#CRS-01"' in pages(client, fever)["dashboard"]


def test_the_dashboard_row_shows_the_key_readings_the_worry_and_the_note(client, fever):
    text = visible(pages(client, fever)["dashboard"])
    for words in (
        "Temperature 38.6 °C",
        "BP 112/70 mmHg",
        "SpO2 96 %",
        "Concern: patient or carer worried",
        "“Hot and shaky since lunch”",
    ):
        assert words in text


def test_in_spanish_the_fever_reason_reads_in_spanish(client, fever):
    PreferencesFactory(user=fever["nurse"], language="es")
    for name, html in pages(client, fever).items():
        text = visible(html)
        assert (
            "Temperatura 38,6 °C (≥ 38,0), Escalofríos: tiritona el día 3 después de CAR-T" in text
        ), name
        assert "Síndrome de liberación de citoquinas (SLC)" in text, name
        assert "Urgente ya" in text, name
        assert "Temperature" not in text, name
        assert SNAKE_KEY.findall(text) == [], name
        assert CODES.findall(text) == [], name


def test_a_flag_opened_seconds_ago_is_open_for_just_now(client):
    team = CareTeamFactory()
    nurse = nurse_of(team)
    patient = car_t_patient(day=3, team=team)
    record_report(patient=patient, reported_by=patient.user, answers=FEVER_ANSWERS)
    PreferencesFactory(user=nurse, language="es")
    client.force_login(nurse)
    text = visible(client.get(reverse("dashboard")).content.decode())
    assert "ahora mismo" in text
    assert "0 minutos" not in text


def test_the_rule_tag_leads_to_the_rule_in_the_staff_rule_book(client, fever):
    client.force_login(fever["nurse"])
    html = client.get(reverse("rules")).content.decode()
    assert '<tr id="CRS-01">' in html
    assert '<tr id="AGG-01">' in html


def test_many_findings_fold_behind_a_details_with_the_most_urgent_first():
    answers = {**FEVER_ANSWERS, "systolic_bp": 84, "spo2": 91, "heart_rate": 130}
    context = {"product": "CAR-T", "days_since_infusion": 3, "cell_source": "autologous"}
    from symptoms import assess

    findings = assess(context, answers).as_dict()["findings"]
    reasons = describe(findings, answers, context)
    assert len(reasons) > 2
    assert reasons[0].level == Triage.EMERGENCY
    assert [r.level for r in reasons] == sorted((r.level for r in reasons), reverse=True)
    assert len({r.sentence for r in reasons}) == len(reasons)  # one sentence, one line


def test_every_answer_and_choice_has_a_nurse_word():
    assert set(INPUTS) <= set(NAMES)
    codes = {code for item in INPUTS.values() for code in item.codes}
    assert codes <= set(CHOICE_WORDS)


def test_key_readings_write_numbers_the_spanish_way():
    with translation.override("es"):
        shown = [str(r) for r in key_readings({"temperature_c": 38.0, "ice_score": 6})]
    assert shown == ["Temperatura 38,0 °C (≥ 38,0)", "Puntuación ICE 6/10 (≤ 6)"]


def test_the_admin_shows_a_report_and_a_flag_in_words(admin_client, fever):
    report = fever["patient"].reports.get()
    flag = fever["patient"].flags.get()
    for url in (
        reverse("admin:tracker_report_change", args=[report.pk]),
        reverse("admin:tracker_flag_change", args=[flag.pk]),
    ):
        html = admin_client.get(url).content.decode()
        assert "Temperature 38.6 °C (≥ 38.0), Chills: shivering on day 3 after CAR-T" in html, url
        assert "Cytokine release syndrome (CRS) · Urgent now" in html, url
