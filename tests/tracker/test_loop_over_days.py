"""The safety loop over days, as the patient and the nurse live it, through the real pages.

Day 3 after CAR-T: a fever → a flag → the nurse acknowledges and resolves it → quiet check-ins that
evening and the next morning must not tell the patient to phone or open a flag (D16, D18) → a new
fever the next afternoon opens a new flag. Each step is a real request: the check-in form, the
result page, the nurse's buttons.
"""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from tests.factories import CareTeamFactory, car_t_patient, check_in_form, nurse_of
from tracker.models import Flag, Level, Report

pytestmark = pytest.mark.django_db

# 09:00 in London on the infusion's day 3 (winter: London is on UTC).
MORNING = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
PHONE_NOW = "Phone your care team now"
CALL_TODAY = "Contact your care team today"


@pytest.fixture
def clock():
    with time_machine.travel(MORNING, tick=False) as traveller:
        yield traveller


@pytest.fixture
def people(clock, client):
    team = CareTeamFactory(time_zone="Europe/London")
    patient = car_t_patient(day=3, team=team)
    return {"team": team, "patient": patient, "nurse": nurse_of(team)}


def check_in(client, patient, **answers):
    """Sends the check-in form as the patient and follows it to the result page."""
    client.force_login(patient.user)
    response = client.post(reverse("checkin"), check_in_form(**answers), follow=True)
    assert response.status_code == 200
    report = Report.objects.filter(patient=patient).latest("submitted_at")
    assert response.redirect_chain[-1][0] == reverse("report", args=[report.pk])
    return report, response.content.decode()


def test_fever_flag_resolve_then_quiet_days_stay_quiet_and_a_new_fever_flags_again(
    client, people, clock
):
    patient, nurse = people["patient"], people["nurse"]

    # Day 3, 09:00 — 38.6 °C and worried: phone now, and the nurses have a flag.
    fever, page = check_in(client, patient, temperature="38.6", concern="worried")
    assert fever.level == Level.URGENT_NOW
    assert PHONE_NOW in page
    flag = Flag.objects.get(patient=patient)
    assert (flag.level, flag.status) == (Level.URGENT_NOW, Flag.Status.OPEN)

    # 09:20 — the nurse acknowledges, phones, and resolves: stay home, paracetamol.
    clock.shift(timedelta(minutes=20))
    client.force_login(nurse)
    assert client.post(reverse("acknowledge", args=[flag.pk])).status_code in (200, 302)
    response = client.post(
        reverse("resolve", args=[flag.pk]),
        {"outcome": Flag.Outcome.PHONE, "note": "Phone assessment, stay home", "report": fever.pk},
    )
    assert response.status_code in (200, 302)
    flag.refresh_from_db()
    assert flag.status == Flag.Status.RESOLVED

    # 18:00 the same day — 36.8 °C, nothing new, not worried: no phone advice, no new flag.
    clock.shift(timedelta(hours=8, minutes=40))
    evening, page = check_in(client, patient, temperature="36.8")
    assert evening.level <= Level.ROUTINE, evening.findings
    assert PHONE_NOW not in page and CALL_TODAY not in page
    assert {f["rule"] for f in evening.findings} <= {"AGG-04"}  # "improving" at most
    assert not Flag.objects.filter(patient=patient).unresolved().exists()

    # Day 4, 09:00 — quiet again.
    clock.shift(timedelta(hours=15))
    morning, page = check_in(client, patient, temperature="37.0")
    assert morning.level <= Level.ROUTINE, morning.findings
    assert PHONE_NOW not in page and CALL_TODAY not in page
    assert Flag.objects.filter(patient=patient).count() == 1

    # The resolution hides nothing from the nurse: the fever is still on the timeline.
    client.force_login(nurse)
    timeline = client.get(reverse("timeline", args=[patient.pk])).content.decode()
    assert "CRS-01" in timeline

    # Day 4, 14:00 — a new fever: phone now again, and a new flag opens.
    clock.shift(timedelta(hours=5))
    second, page = check_in(client, patient, temperature="38.7")
    assert second.level == Level.URGENT_NOW
    assert PHONE_NOW in page
    new_flag = Flag.objects.filter(patient=patient).unresolved().get()
    assert new_flag.pk != flag.pk
    assert (new_flag.report, new_flag.status) == (second, Flag.Status.OPEN)


def test_an_amber_after_a_resolved_fever_the_same_day_still_counts_the_fever(client, people, clock):
    """D16 keeps the look-back where the report has an amber of its own: worry today after a
    fever earlier today is two ambers, so the patient is told to phone now (never under-triage)."""
    patient, nurse = people["patient"], people["nurse"]
    check_in(client, patient, temperature="38.6")
    flag = Flag.objects.get(patient=patient)
    client.force_login(nurse)
    client.post(reverse("acknowledge", args=[flag.pk]))
    client.post(reverse("resolve", args=[flag.pk]), {"outcome": Flag.Outcome.PHONE})
    clock.shift(timedelta(hours=6))
    worried, page = check_in(client, patient, temperature="36.9", concern="worried")
    assert worried.level == Level.URGENT_NOW
    assert "AGG-01" in {f["rule"] for f in worried.findings}
    assert PHONE_NOW in page
