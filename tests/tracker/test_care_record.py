"""The record follows the treatment: what the nurse changes on the care page after enrolment
(treatment, baselines, infusions, details, language, carers, monitoring) reaches the next check-in,
the reminders and the missed-check-in list, and every change is kept with who made it."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse

from tests.factories import CareTeamFactory, car_t_patient, nurse_of
from tracker.checkins import record_report
from tracker.models import Level, Patient, Preferences

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def team():
    return CareTeamFactory(time_zone="Europe/Madrid", reminder_time=time(10, 0))


@pytest.fixture
def patient(team):
    return car_t_patient(team=team, day=10)


def therapy_data(**overrides):
    data = {
        "crs_treated": "",
        "neutropenia_expected": "",
        "prior_allogeneic_transplant": "",
        "baseline_systolic_bp": "",
        "baseline_heart_rate": "",
        "baseline_spo2": "",
        "baseline_loose_stools_per_day": "",
        "baseline_ice_score": "",
        "baseline_breathlessness": "",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v}


# Day 10 after CD19 CAR-T, no fever, systolic 85 mmHg: low blood pressure alone is GEN-19 (urgent
# now); after tocilizumab or steroids fever is no longer required for CRS, so CRS-02 makes it an
# emergency (rules reference, CRS-02).
LOW_BP_NO_FEVER = {"temperature_c": 36.9, "systolic_bp": 85}


def test_tocilizumab_recorded_after_enrolment_is_used_by_the_next_check_in(
    nurse_client, nurse, patient
):
    before = record_report(patient=patient, answers=LOW_BP_NO_FEVER, reported_by=patient.user)
    assert before.context["crs_treated"] is False
    assert before.level == Level.URGENT_NOW
    assert "CRS-02" not in {f["rule"] for f in before.findings}

    response = nurse_client.post(
        reverse("patient_therapy", args=[patient.pk]), therapy_data(crs_treated="on")
    )
    assert response.status_code == 302

    patient.refresh_from_db()
    after = record_report(patient=patient, answers=LOW_BP_NO_FEVER, reported_by=patient.user)
    assert after.context["crs_treated"] is True
    assert after.level == Level.EMERGENCY
    assert "CRS-02" in {f["rule"] for f in after.findings}
    change = patient.history.order_by("-history_id").first()
    assert change.history_user == nurse
    assert change.crs_treated is True


def test_neutropenia_expected_and_baselines_are_edited_and_shown_again(nurse_client, patient):
    url = reverse("patient_therapy", args=[patient.pk])
    nurse_client.post(
        url, therapy_data(neutropenia_expected="on", baseline_systolic_bp="100", baseline_spo2="95")
    )
    patient.refresh_from_db()
    context = patient.therapy_context()
    assert context["neutropenia_expected"] is True
    assert context["crs_treated"] is False
    assert context["baseline"] == {"systolic_bp": 100, "spo2": 95}
    page = nurse_client.get(reverse("patient_care", args=[patient.pk])).content.decode()
    assert 'name="baseline_systolic_bp" value="100"' in page
    assert 'name="neutropenia_expected" aria-describedby' in page or "checked" in page


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("baseline_spo2", "101"),
        ("baseline_systolic_bp", "1e9"),
        ("baseline_breathlessness", "<script>alert(1)</script>"),
        ("baseline_heart_rate", "-5"),
    ],
)
def test_a_wrong_baseline_is_refused_and_nothing_changes(nurse_client, patient, field, value):
    response = nurse_client.post(
        reverse("patient_therapy", args=[patient.pk]),
        therapy_data(crs_treated="on", **{field: value}),
        headers={"HX-Request": "true"},
    )
    page = response.content.decode()
    assert page.lstrip().startswith('<form id="therapy-form"')
    assert "<script>alert" not in page
    assert 'aria-invalid="true"' in page
    patient.refresh_from_db()
    assert patient.crs_treated is False
    assert patient.baseline == {}


def test_a_weekly_nk_course_counts_days_from_the_latest_infusion(nurse_client, team):
    patient = car_t_patient(team=team, day=21)
    patient.infusions.update(product="NK", car_target="", cell_source="allogeneic")
    for week_ago in (14, 7, 0):
        day = (NOW - timedelta(days=week_ago)).date()
        response = nurse_client.post(
            reverse("patient_add_infusion", args=[patient.pk]),
            {
                "product": "NK",
                "cell_source": "allogeneic",
                "infusion_date": day.isoformat(),
                "infusion_time": "09:00",
            },
        )
        assert response.status_code == 302
    assert patient.infusions.count() == 4
    report = record_report(
        patient=patient, answers={"temperature_c": 36.8}, reported_by=patient.user
    )
    assert report.context["product"] == "NK"
    assert report.context["days_since_infusion"] == 0
    # The earlier donor-cell infusions count as an allogeneic exposure (GVHD stays possible).
    assert report.context["prior_allogeneic_transplant"] is True


# -- Patient details, language and the bedside invitation ---------------------------------------


def test_the_nurse_records_phone_hospital_number_and_date_of_birth(nurse_client, nurse, patient):
    response = nurse_client.post(
        reverse("patient_details", args=[patient.pk]),
        {"phone": "+34 600 123 456", "hospital_number": " H-0042 ", "date_of_birth": "1961-04-02"},
    )
    assert response.status_code == 302
    patient.refresh_from_db()
    assert patient.phone.as_e164 == "+34600123456"
    assert patient.hospital_number == "H-0042"
    assert patient.date_of_birth == date(1961, 4, 2)
    assert patient.history.order_by("-history_id").first().history_user == nurse
    page = nurse_client.get(reverse("patient_care", args=[patient.pk])).content.decode()
    assert 'href="tel:+34600123456"' in page
    assert "H-0042" in page


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("phone", "call the ward"),
        ("phone", "12345"),
        ("phone", "+1 555 0100"),
        ("date_of_birth", "2026-03-11"),
        ("date_of_birth", "1850-01-01"),
        ("hospital_number", "x" * 41),
    ],
)
def test_wrong_details_are_refused(nurse_client, patient, field, value):
    data = {"phone": "", "hospital_number": "H-1", "date_of_birth": "", field: value}
    response = nurse_client.post(reverse("patient_details", args=[patient.pk]), data)
    assert response.status_code == 200
    assert "Some answers need a look" in response.content.decode()
    patient.refresh_from_db()
    assert patient.hospital_number == ""


def test_the_nurse_sets_the_patients_language(nurse_client, patient):
    nurse_client.post(reverse("patient_language", args=[patient.pk]), {"language": "es"})
    assert Preferences.language_of(patient.user) == "es"
    nurse_client.post(reverse("patient_language", args=[patient.pk]), {"language": "xx"})
    assert Preferences.language_of(patient.user) == "es"


def enrolment_without_email(team):
    return {
        "first_name": "Noa",
        "last_name": "Vidal",
        "email": "",
        "phone": "+34 600 123 456",
        "hospital_number": "H-7",
        "date_of_birth": "1970-01-31",
        "care_team": str(team.pk),
        "language": "es",
        "product": "CIK",
        "cell_source": "autologous",
        "infusion_date": "2026-03-09",
        "infusion_time": "10:00",
    }


def test_a_patient_without_e_mail_scans_the_invitation_at_the_bedside(
    nurse_client, team, client, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = nurse_client.post(reverse("enrol"), enrolment_without_email(team))
    assert response.status_code == 302
    assert mailoutbox == []
    patient = Patient.objects.get(hospital_number="H-7")
    assert patient.user.email == ""
    assert patient.phone.as_e164 == "+34600123456"

    page = nurse_client.get(reverse("patient_bedside_invitation", args=[patient.pk]))
    assert page["Cache-Control"] == "no-store"
    html = page.content.decode()
    assert "<svg" in html and "<script" not in html.split("<main", 1)[-1].split("</main>")[0]
    link = html.split('class="invitation-link">', 1)[1].split("<", 1)[0]
    path = link.removeprefix("http://testserver").removeprefix("http://127.0.0.1:8000")

    nurse_client.logout()
    welcome = client.get(path, follow=True)
    assert welcome.status_code == 200
    assert patient.user.username in welcome.content.decode()


def test_the_bedside_invitation_is_for_the_patients_nurses_only(client, patient):
    client.force_login(car_t_patient(team=patient.care_team).user)
    assert client.get(reverse("patient_bedside_invitation", args=[patient.pk])).status_code == 404
    client.force_login(nurse_of(CareTeamFactory()))
    assert client.get(reverse("patient_bedside_invitation", args=[patient.pk])).status_code == 404


# -- Carers ---------------------------------------------------------------------------------------


def test_a_carer_is_invited_from_the_care_page_with_their_own_invitation(
    nurse_client, patient, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = nurse_client.post(
            reverse("patient_carers", args=[patient.pk]),
            {
                "first_name": "Robin",
                "last_name": "Vidal",
                "email": "Robin@Example.org",
                "language": "es",
            },
        )
    assert response.status_code == 302
    carer = get_user_model().objects.get(email="robin@example.org")
    assert list(patient.carers.all()) == [carer]
    assert not carer.has_usable_password()
    assert Preferences.language_of(carer) == "es"
    [message] = mailoutbox
    assert message.to == ["robin@example.org"]
    assert "/welcome/" in message.body

    nurse_client.post(reverse("patient_carer_remove", args=[patient.pk, carer.pk]))
    assert not patient.carers.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [("email", "not-an-address"), ("email", ""), ("first_name", ""), ("language", "xx")],
)
def test_a_wrong_carer_is_refused(nurse_client, patient, field, value):
    data = {"first_name": "Robin", "last_name": "V", "email": "r@example.org", "language": "en"}
    response = nurse_client.post(
        reverse("patient_carers", args=[patient.pk]), {**data, field: value}
    )
    assert response.status_code == 200
    assert not patient.carers.exists()


def test_an_existing_account_cannot_be_made_a_carer(nurse_client, nurse, patient):
    response = nurse_client.post(
        reverse("patient_carers", args=[patient.pk]),
        {"first_name": "A", "last_name": "B", "email": nurse.email, "language": "en"},
    )
    assert "already has an account" in response.content.decode()
    assert not patient.carers.exists()


def test_a_carer_of_another_patient_cannot_be_removed_here(nurse_client, patient, team):
    other = car_t_patient(team=team)
    carer = get_user_model().objects.create_user(username="c@example.org", email="c@example.org")
    other.carers.add(carer)
    url = reverse("patient_carer_remove", args=[patient.pk, carer.pk])
    assert nurse_client.post(url).status_code == 404
    assert other.carers.filter(pk=carer.pk).exists()


# -- Ending and pausing monitoring ---------------------------------------------------------------


def test_ending_monitoring_asks_first_and_can_be_undone(nurse_client, nurse, patient):
    url = reverse("patient_monitoring", args=[patient.pk])
    response = nurse_client.post(url, {"monitoring": "ended"})
    assert response.status_code == 200
    assert "Yes, end monitoring" in response.content.decode()
    patient.refresh_from_db()
    assert patient.monitoring == Patient.Monitoring.ACTIVE

    nurse_client.post(url, {"monitoring": "ended", "confirm": "on"})
    patient.refresh_from_db()
    assert patient.monitoring == Patient.Monitoring.ENDED
    page = nurse_client.get(reverse("patient_care", args=[patient.pk])).content.decode()
    assert "Undo: start monitoring again" in page

    nurse_client.post(url, {"monitoring": "active"})
    patient.refresh_from_db()
    assert patient.monitoring == Patient.Monitoring.ACTIVE
    assert patient in Patient.objects.monitored()
    assert patient.history.order_by("-history_id").first().history_user == nurse


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"reason": "", "resume_on": ""}, "Please say why"),
        ({"reason": "   ", "resume_on": ""}, "Please say why"),
        ({"reason": "ward", "resume_on": "2026-03-10"}, "after today"),
        ({"reason": "ward", "resume_on": "2027-03-10"}, "within 90 days"),
        ({"reason": "ward", "resume_on": "not a date"}, "Enter a valid date"),
        ({"reason": "x" * 201, "resume_on": ""}, "at most 200"),
    ],
)
def test_a_pause_needs_a_reason_and_a_sensible_end(nurse_client, patient, data, error):
    response = nurse_client.post(reverse("patient_pause", args=[patient.pk]), data)
    assert error in response.content.decode()
    patient.refresh_from_db()
    assert patient.monitoring == Patient.Monitoring.ACTIVE


def test_a_pause_ends_by_itself_on_its_planned_day(
    nurse_client, nurse, patient, team, time_machine, mailoutbox, django_capture_on_commit_callbacks
):
    nurse_client.post(
        reverse("patient_pause", args=[patient.pk]),
        {"reason": "Admitted for CRS", "resume_on": "2026-03-13"},
    )
    patient.refresh_from_db()
    # Midnight in Madrid (UTC+1 in March) is 23:00 UTC the evening before.
    assert patient.resumes_at == datetime(2026, 3, 12, 23, 0, tzinfo=UTC)
    page = nurse_client.get(reverse("patient_care", args=[patient.pk])).content.decode()
    assert "Admitted for CRS" in page

    def reminders_and_missed(at):
        time_machine.move_to(at, tick=False)
        before = len(mailoutbox)
        with django_capture_on_commit_callbacks(execute=True):
            call_command("send_reminders")
        nurse_client.force_login(nurse)  # days later: the idle nurse's session has ended
        dashboard = nurse_client.get(reverse("dashboard")).content.decode()
        assert 'id="missed-title"' in dashboard
        missed = reverse("timeline", args=[patient.pk]) in dashboard.split("missed-title", 1)[1]
        return len(mailoutbox) - before, missed, patient.monitoring_at(at)

    # The day before the planned end, at 11:00 in Madrid: still paused, no reminder, not missed.
    assert reminders_and_missed(datetime(2026, 3, 12, 10, 0, tzinfo=UTC)) == (0, False, "paused")
    # On the planned day at 11:00 in Madrid: monitored again, with nobody pressing a button.
    assert reminders_and_missed(datetime(2026, 3, 13, 10, 0, tzinfo=UTC)) == (1, True, "active")
    patient.refresh_from_db()
    assert patient in Patient.objects.monitored()
    page = nurse_client.get(reverse("patient_care", args=[patient.pk])).content.decode()
    assert "Admitted for CRS" not in page
    assert 'id="pause-form"' in page
    roster = nurse_client.get(reverse("patients")).content.decode()
    assert "monitoring-active" in roster and "monitoring-paused" not in roster
