from datetime import UTC, datetime

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.urls import reverse

from symptoms.catalogue import BASELINE, LABS
from tests.factories import CareTeamFactory, car_t_patient
from tracker.enrolment import enrol_patient
from tracker.models import Infusion, Patient

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("frozen"),
    pytest.mark.team(time_zone="America/New_York"),
    pytest.mark.patient(day=2, labs={"anc": 0.4, "platelets": 60.0}),
]

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def enrolment_data(team, **overrides):
    data = {
        "first_name": "Robin",
        "last_name": "Okafor",
        "email": "Robin.Okafor@example.org",
        "care_team": str(team.pk),
        "product": "CAR-T",
        "car_target": "CD19",
        "cell_source": "autologous",
        "infusion_date": "2026-03-08",
        "infusion_time": "14:30",
        "prior_allogeneic_transplant": "on",
        "baseline_systolic_bp": "118",
        "baseline_heart_rate": "72",
        "baseline_breathlessness": "",
        "labs_anc": "0.45",
        "labs_platelets": "85",
        "labs_hemoglobin": "",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_a_nurse_enrols_a_patient_and_the_engine_sees_what_the_nurse_entered(
    nurse_client, team, nurse, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = nurse_client.post(reverse("enrol"), enrolment_data(team))
    patient = Patient.objects.get(user__email="robin.okafor@example.org")
    assert response.status_code == 302
    assert response["Location"] == reverse("patient_care", args=[patient.pk])
    assert patient.user.username == "robin.okafor@example.org"
    assert not patient.user.has_usable_password()
    assert patient.care_team == team
    context = patient.therapy_context()
    assert context["product"] == "CAR-T"
    assert context["target"] == "CD19"
    assert context["cell_source"] == "autologous"
    assert context["prior_allogeneic_transplant"] is True
    assert context["baseline"] == {"systolic_bp": 118, "heart_rate": 72}
    assert context["labs"] == {"anc": 0.45, "platelets": 85.0}
    assert context["days_since_infusion"] == 2


def test_the_infusion_time_is_read_in_the_care_teams_time_zone(nurse_client, team):
    nurse_client.post(reverse("enrol"), enrolment_data(team))
    infusion = Infusion.objects.get()
    # 14:30 in New York on 8 March 2026 (Eastern Daylight Time from that morning) is 18:30 UTC.
    assert infusion.given_at == datetime(2026, 3, 8, 18, 30, tzinfo=UTC)


def test_a_donor_lymphocyte_infusion_is_always_donor_cells(nurse_client, team):
    nurse_client.post(
        reverse("enrol"),
        enrolment_data(team, product="DLI", car_target="", cell_source="autologous"),
    )
    infusion = Infusion.objects.get()
    assert infusion.product == "DLI"
    assert infusion.cell_source == "allogeneic"


def test_the_invitation_is_queued_only_when_the_enrolment_commits(
    nurse_client, team, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        nurse_client.post(reverse("enrol"), enrolment_data(team))
        assert mailoutbox == []
    assert len(callbacks) == 1
    callbacks[0]()
    assert [m.to for m in mailoutbox] == [["robin.okafor@example.org"]]


def test_a_nurse_can_only_enrol_into_their_own_care_teams(nurse_client, nurse, team):
    other = CareTeamFactory()
    page = nurse_client.get(reverse("enrol")).content.decode()
    assert team.name in page
    assert other.name not in page
    response = nurse_client.post(reverse("enrol"), enrolment_data(other))
    assert response.status_code == 200
    assert not Patient.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("labs_platelets", str(LABS["platelets"].maximum + 1)),
        ("labs_anc", "-1"),
        ("baseline_spo2", str(BASELINE["spo2"].maximum + 1)),
        ("baseline_heart_rate", str(BASELINE["heart_rate"].minimum - 1)),
        ("infusion_date", "2026-03-11"),
        ("email", "not-an-address"),
        ("product", "MAGIC"),
    ],
)
def test_a_wrong_value_is_named_and_everything_typed_is_kept(nurse_client, team, field, value):
    response = nurse_client.post(reverse("enrol"), enrolment_data(team, **{field: value}))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Some answers need a look" in page
    assert 'value="Robin"' in page
    assert 'value="Okafor"' in page
    assert 'value="118"' in page
    assert 'value="0.45"' in page or field == "labs_anc"
    assert 'aria-invalid="true"' in page
    assert not Patient.objects.exists()


def test_an_infusion_in_the_future_is_refused(nurse_client, team):
    # 10:00 in New York on 10 March is 14:00 UTC, two hours after "now".
    response = nurse_client.post(
        reverse("enrol"), enrolment_data(team, infusion_date="2026-03-10", infusion_time="10:00")
    )
    assert "in the future" in response.content.decode()
    assert not Patient.objects.exists()


def test_an_e_mail_address_already_in_use_is_refused(nurse_client, team):
    get_user_model().objects.create_user(username="someone", email="robin.okafor@example.org")
    response = nurse_client.post(reverse("enrol"), enrolment_data(team))
    assert "already has an account" in response.content.decode()
    assert not Patient.objects.exists()


def test_an_htmx_error_returns_only_the_form(nurse_client, team):
    response = nurse_client.post(
        reverse("enrol"), enrolment_data(team, labs_anc="999"), headers={"HX-Request": "true"}
    )
    page = response.content.decode()
    assert page.lstrip().startswith('<form id="enrol-form"')
    assert 'value="Robin"' in page


def test_patients_and_strangers_cannot_enrol(client, team):
    patient = car_t_patient(team=team)
    client.force_login(patient.user)
    assert client.get(reverse("enrol")).status_code == 404
    client.logout()
    assert client.get(reverse("enrol")).status_code == 302


def test_enrol_patient_writes_everything_or_nothing(team, nurse):
    with pytest.raises(ValidationError):
        enrol_patient(
            first_name="Kim",
            last_name="Lee",
            email="kim@example.org",
            care_team=team,
            product="NOT-A-PRODUCT",
            car_target="",
            cell_source="autologous",
            given_at=NOW,
            by=nurse,
        )
    assert not Patient.objects.exists()
    assert not get_user_model().objects.filter(email="kim@example.org").exists()


# -- The patient's care page --------------------------------------------------------------------


def test_the_care_page_shows_the_patient_to_their_nurses_only(nurse_client, patient):
    response = nurse_client.get(reverse("patient_care", args=[patient.pk]))
    assert response.status_code == 200
    assert patient.name in response.content.decode()
    stranger = car_t_patient(team=CareTeamFactory())
    assert nurse_client.get(reverse("patient_care", args=[stranger.pk])).status_code == 404
    for name in ["patient_add_infusion", "patient_labs", "patient_monitoring", "patient_invite"]:
        assert nurse_client.post(reverse(name, args=[stranger.pk])).status_code == 404


def test_a_patient_cannot_open_their_care_page(client, patient):
    client.force_login(patient.user)
    assert client.get(reverse("patient_care", args=[patient.pk])).status_code == 404


def test_a_nurse_adds_the_next_infusion_of_a_weekly_course(nurse_client, team):
    patient = car_t_patient(team=team, day=7)
    patient.infusions.update(product="NK", car_target="", cell_source="allogeneic")
    response = nurse_client.post(
        reverse("patient_add_infusion", args=[patient.pk]),
        {
            "product": "NK",
            "car_target": "",
            "cell_source": "allogeneic",
            "infusion_date": "2026-03-10",
            "infusion_time": "07:15",
        },
    )
    assert response.status_code == 302
    assert patient.infusions.count() == 2
    context = patient.therapy_context()
    assert context["product"] == "NK"
    assert context["days_since_infusion"] == 0


def test_a_wrong_infusion_keeps_what_was_typed(nurse_client, patient):
    response = nurse_client.post(
        reverse("patient_add_infusion", args=[patient.pk]),
        {"product": "CIK", "cell_source": "", "infusion_date": "2026-03-09", "infusion_time": ""},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert 'value="2026-03-09"' in page
    assert '<option value="CIK" selected>' in page
    assert patient.infusions.count() == 1


def test_new_lab_values_replace_the_old_ones(nurse_client, patient):
    page = nurse_client.get(reverse("patient_care", args=[patient.pk])).content.decode()
    assert 'value="0.4"' in page
    nurse_client.post(
        reverse("patient_labs", args=[patient.pk]),
        {"labs_anc": "1.2", "labs_platelets": "", "labs_hemoglobin": "9.5"},
    )
    patient.refresh_from_db()
    assert patient.labs == {"anc": 1.2, "hemoglobin": 9.5}
    assert patient.therapy_context()["labs"] == {"anc": 1.2, "hemoglobin": 9.5}


def test_a_lab_value_out_of_range_is_refused_and_kept(nurse_client, patient):
    response = nurse_client.post(
        reverse("patient_labs", args=[patient.pk]),
        {"labs_anc": "1.2", "labs_platelets": "99999", "labs_hemoglobin": ""},
    )
    page = response.content.decode()
    assert 'value="99999"' in page
    assert 'value="1.2"' in page
    patient.refresh_from_db()
    assert patient.labs == {"anc": 0.4, "platelets": 60.0}


def test_monitoring_pauses_for_a_stay_in_hospital_resumes_and_ends(nurse_client, patient):
    url = reverse("patient_monitoring", args=[patient.pk])
    nurse_client.post(reverse("patient_pause", args=[patient.pk]), {"reason": "admitted"})
    patient.refresh_from_db()
    assert patient.monitoring == Patient.Monitoring.PAUSED
    assert patient.pause_reason == "admitted"
    assert patient not in Patient.objects.monitored()
    nurse_client.post(url, {"monitoring": "active"})
    patient.refresh_from_db()
    assert patient in Patient.objects.monitored()
    assert patient.pause_reason == ""
    nurse_client.post(url, {"monitoring": "ended", "confirm": "on"})
    patient.refresh_from_db()
    assert patient.monitoring == Patient.Monitoring.ENDED
    # An ended course cannot be paused (say, from a second open tab); only undone.
    response = nurse_client.post(
        reverse("patient_pause", args=[patient.pk]), {"reason": "admitted"}, follow=True
    )
    patient.refresh_from_db()
    assert patient.monitoring == Patient.Monitoring.ENDED
    assert "already changed" in response.content.decode()


def test_the_care_page_offers_only_the_monitoring_steps_that_make_sense(nurse_client, patient):
    page = nurse_client.get(reverse("patient_care", args=[patient.pk])).content.decode()
    assert 'id="pause-form"' in page
    assert 'value="active"' not in page
    patient.monitoring = Patient.Monitoring.PAUSED
    patient.save()
    page = nurse_client.get(reverse("patient_care", args=[patient.pk])).content.decode()
    assert 'value="active"' in page
    assert 'id="pause-form"' not in page


def test_enrol_patient_alone_needs_no_request(team, nurse):
    patient = enrol_patient(
        first_name="Kim",
        last_name="Lee",
        email="kim@example.org",
        care_team=team,
        product="TIL",
        car_target="",
        cell_source="autologous",
        given_at=NOW,
        labs={"anc": 2.0},
        by=nurse,
    )
    assert patient.therapy_context()["product"] == "TIL"
    assert patient.infusions.count() == 1
    assert patient.history.get().history_user == nurse


def test_infusion_times_show_in_the_patients_care_team_time_zone(nurse_client, nurse, team):
    nurse.care_teams.add(CareTeamFactory(name="AAA first team", time_zone="Asia/Tokyo"))
    patient = car_t_patient(team=team)
    patient.infusions.update(given_at=datetime(2026, 3, 8, 18, 30, tzinfo=UTC))
    page = nurse_client.get(reverse("patient_care", args=[patient.pk])).content.decode()
    assert "2026-03-08 14:30" in page
    assert "America/New_York" in page


def test_the_care_page_says_whether_the_patient_has_chosen_a_password(nurse_client, patient):
    page = nurse_client.get(reverse("patient_care", args=[patient.pk])).content.decode()
    assert "not chosen yet" not in page
    patient.user.set_unusable_password()
    patient.user.save()
    page = nurse_client.get(reverse("patient_care", args=[patient.pk])).content.decode()
    assert "not chosen yet" in page
