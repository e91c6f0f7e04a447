"""The daily check-in form: ranges from the catalogue, kept answers, °F, not measured, alarming
values, follow-up questions, exactly-once sending, and carers."""

import re
import uuid
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from symptoms.catalogue import INPUTS
from tests.factories import PASSWORD, car_t_patient, carer_of, check_in_form, nurse_of
from tracker.fields import celsius_to_fahrenheit
from tracker.forms import ICE_ITEMS, CheckInForm
from tracker.models import Level, Report

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.patient(user__first_name="Alex", user__last_name="Rivera"),
]

# Form field for each numeric report input (the catalogue code, unless the form converts it).
NUMERIC_FIELDS = {
    "temperature_c": "temperature",
    "systolic_bp": "systolic_bp",
    "diastolic_bp": "diastolic_bp",
    "heart_rate": "heart_rate",
    "spo2": "spo2",
    "respiratory_rate": "respiratory_rate",
    "vomiting_episodes_24h": "vomiting_episodes_24h",
    "loose_stools_24h": "loose_stools_24h",
}


def well(**overrides):
    """A complete, quiet check-in: every vital sign measured and normal, nothing new."""
    return check_in_form(**overrides)


def send(client, data, url=None):
    return client.post(url or reverse("checkin"), data)


# -- Every question comes from the catalogue ----------------------------------------------------


def test_every_question_is_worded_as_the_catalogue_says():
    form = CheckInForm()
    asked = {"temperature_c": "temperature"}
    for code, item in INPUTS.items():
        if code in ("ice_score", "rash_bsa_percent"):
            continue  # asked step by step, and with the palm rule
        field = form.fields[asked.get(code, code)]
        assert field.label == item.question, code
        if item.kind == "choice":
            assert list(field.choices) == list(item.choices), code
        if code != "antipyretic_last_6h":
            assert field.help_text == item.help, code
    assert form.fields["rash_bsa_percent"].label == INPUTS["rash_bsa_percent"].question
    assert len(form.fields["ice"].steps) == INPUTS["ice_score"].maximum


# -- Ranges come from the catalogue ---------------------------------------------------------------


def _edges(code):
    item = INPUTS[code]
    step = Decimal("0.1") if item.kind == "number" else 1
    low, high = Decimal(str(item.minimum)), Decimal(str(item.maximum))
    return low, high, step


@pytest.mark.parametrize("code", NUMERIC_FIELDS)
def test_each_number_is_accepted_at_the_edges_of_its_catalogue_range(code):
    low, high, _step = _edges(code)
    for value in (low, high):
        data = well(
            **{NUMERIC_FIELDS[code]: str(value)},
            temperature_confirmed="on",
            spo2_confirmed="on",
        )
        if code == "diastolic_bp":
            data["systolic_bp"] = "260"
        if code == "systolic_bp":
            del data["diastolic_bp"]
        form = CheckInForm(data)
        assert form.is_valid(), (code, value, form.errors)
        assert form.answers()[code] == float(value)


@pytest.mark.parametrize("code", NUMERIC_FIELDS)
def test_a_number_just_outside_its_catalogue_range_is_explained_next_to_the_field(code):
    low, high, step = _edges(code)
    field = NUMERIC_FIELDS[code]
    for value in (low - step, high + step):
        form = CheckInForm(well(**{"systolic_bp": "260", field: str(value)}))
        assert not form.is_valid()
        message = " ".join(form.errors[field])
        assert "cannot be right" in message
        assert f"between {INPUTS[code].minimum:g} and {INPUTS[code].maximum:g}" in message


def test_an_impossible_value_keeps_every_other_answer_and_points_at_the_field(patient_client):
    # Nothing here earns a call by itself (with one, D17 sends the advice first: see below).
    data = well(
        spo2="130",
        changes=["gut", "skin"],
        nausea="appetite_loss",
        loose_stools_24h="1",
        rash_bsa_percent="3",
        itching="on",
        concern="none",
        note="Tummy ache since lunch",
    )
    response = send(patient_client, data)
    html = response.content.decode()
    assert response.status_code == 200
    assert not Report.objects.exists()
    assert "130 % cannot be right" in html
    spo2 = re.search(r'<input[^>]*name="spo2"[^>]*>', html).group(0)
    assert 'aria-invalid="true"' in spo2
    assert re.search(r'aria-describedby="[^"]*id_spo2_error', spo2)
    assert 'id="id_spo2_error"' in html
    assert 'value="130"' in html
    for name, value in [
        ("nausea", "appetite_loss"),
        ("rash_bsa_percent", "3"),
        ("concern", "none"),
        ("changes", "gut"),
    ]:
        assert re.search(rf'name="{name}" value="{value}"[^>]*checked', html), name
    assert re.search(r'name="itching"[^>]*checked', html)
    assert 'name="loose_stools_24h" value="1"' in html
    assert "Tummy ache since lunch" in html
    assert 'value="124"' in html


# -- Temperature in °F ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fahrenheit", "celsius", "fever"),
    [("100.3", 37.9, False), ("100.4", 38.0, True), ("100.5", 38.1, True)],
)
def test_fahrenheit_is_converted_on_both_sides_of_the_fever_line(
    patient_client, fahrenheit, celsius, fever
):
    send(patient_client, well(temperature=fahrenheit, temperature_unit="F"))
    report = Report.objects.get()
    assert report.answers["temperature_c"] == celsius
    assert ("CRS-01" in {f["rule"] for f in report.findings}) is fever
    assert (report.level == Level.URGENT_NOW) is fever


def test_an_impossible_fahrenheit_reading_gives_the_range_in_fahrenheit():
    form = CheckInForm(well(temperature="115", temperature_unit="F"))
    assert not form.is_valid()
    low = celsius_to_fahrenheit(INPUTS["temperature_c"].minimum)
    high = celsius_to_fahrenheit(INPUTS["temperature_c"].maximum)
    assert f"115 °F cannot be right. It must be between {low} and {high} °F" in str(
        form.errors["temperature"]
    )


@pytest.mark.parametrize(("typed", "celsius"), [("98.6", "37.0"), ("101.3", "38.5")])
def test_a_fahrenheit_reading_typed_as_celsius_is_recognised_not_refused(typed, celsius):
    form = CheckInForm(well(temperature=typed, temperature_unit="C"))
    assert not form.is_valid()
    message = str(form.errors["temperature"])
    assert f"Did you mean {typed} °F ({celsius} °C)?" in message
    assert "cannot be right" not in message


# -- Not measured ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "tick", "codes"),
    [
        (("temperature",), "temperature_not_measured", ("temperature_c",)),
        (("systolic_bp", "diastolic_bp"), "bp_not_measured", ("systolic_bp", "diastolic_bp")),
        (("heart_rate",), "heart_rate_not_measured", ("heart_rate",)),
        (("spo2",), "spo2_not_measured", ("spo2",)),
    ],
)
def test_a_vital_sign_not_measured_is_left_out_never_filled_in(fields, tick, codes):
    empty = dict.fromkeys(fields, "")
    form = CheckInForm(well(**empty))
    assert not form.is_valid()
    assert "Please write your" in str(form.errors[fields[0]])
    assert "I could not measure" in str(form.errors[fields[0]])

    form = CheckInForm(well(**empty, **{tick: "on"}))
    assert form.is_valid(), form.errors
    answers = form.answers()
    for code in codes:
        assert code not in answers


def test_a_reading_typed_in_is_kept_even_when_not_measured_is_ticked_too():
    form = CheckInForm(well(temperature="38.4", temperature_not_measured="on"))
    assert form.is_valid()
    assert form.answers()["temperature_c"] == 38.4


def test_chills_without_a_thermometer_reading_is_not_taken_as_normal(patient_client):
    send(
        patient_client,
        well(
            temperature="", temperature_not_measured="on", changes=["whole_body"], chills="rigors"
        ),
    )
    report = Report.objects.get()
    assert "temperature_c" not in report.answers
    assert report.level >= Level.URGENT_NOW


# -- Alarming values: re-measure and confirm, never blocked, never dropped -----------------------


def test_a_low_oxygen_level_asks_to_measure_again_and_keeps_the_value(patient_client):
    response = send(patient_client, well(spo2="88"))
    html = response.content.decode()
    assert not Report.objects.exists()
    assert "88% is a low oxygen level" in html
    assert 'value="88"' in html
    assert 'name="spo2_confirmed"' in html


def test_a_confirmed_low_oxygen_level_is_sent_as_it_is(patient_client):
    send(patient_client, well(spo2="88", spo2_confirmed="on"))
    report = Report.objects.get()
    assert report.answers["spo2"] == 88
    assert report.level == Level.EMERGENCY


@pytest.mark.parametrize(
    ("group", "symptom", "answer"),
    [
        ("whole_body", "breathlessness", "at_rest"),
        ("whole_body", "breathlessness", "moderate_exertion"),
        ("brain", "confusion", "on"),
        ("skin", "wheeze", "on"),
    ],
)
def test_a_low_oxygen_level_with_a_matching_symptom_is_sent_at_once(
    patient_client, group, symptom, answer
):
    send(patient_client, well(spo2="90", changes=[group], **{symptom: answer}))
    report = Report.objects.get()
    assert report.answers["spo2"] == 90
    assert report.level == Level.EMERGENCY


def test_a_low_oxygen_level_with_a_fever_is_sent_at_once(patient_client):
    send(patient_client, well(spo2="91", temperature="38.4"))
    report = Report.objects.get()
    assert (report.answers["spo2"], report.answers["temperature_c"]) == (91, 38.4)
    assert report.level == Level.EMERGENCY


def test_a_low_temperature_asks_to_measure_again_unless_shivering(patient_client):
    response = send(patient_client, well(temperature="95.0", temperature_unit="F"))
    assert "35.0 °C is a low temperature" in response.content.decode()
    assert not Report.objects.exists()

    send(patient_client, well(temperature="35.0", changes=["whole_body"], chills="shivering"))
    assert Report.objects.get().answers["temperature_c"] == 35.0


def test_a_normal_oxygen_level_shows_no_confirm_box(patient_client):
    html = patient_client.get(reverse("checkin")).content.decode()
    assert 'name="spo2_confirmed"' not in html


# -- Follow-up questions --------------------------------------------------------------------------


def ice(right: int) -> dict[str, str]:
    return {f"ice_{i}": "right" if i <= right else "wrong" for i in range(1, len(ICE_ITEMS) + 1)}


@pytest.mark.parametrize("right", [10, 8, 0])
def test_the_brain_check_counts_one_point_per_right_answer(right):
    form = CheckInForm(well(changes=["brain"], alertness="alert", **ice(right)))
    assert form.is_valid(), form.errors
    assert form.answers()["ice_score"] == right


def test_a_brain_check_half_done_is_asked_to_finish():
    answers = ice(10)
    del answers["ice_7"]
    form = CheckInForm(well(changes=["brain"], **answers))
    assert not form.is_valid()
    assert "every step of the brain check" in str(form.errors["ice"])


def test_no_brain_check_sends_no_score():
    form = CheckInForm(well(changes=["brain"], alertness="sleepier_wakes_self"))
    assert form.is_valid()
    assert "ice_score" not in form.answers()


def test_the_palm_rule_choice_is_sent_as_a_share_of_the_skin():
    form = CheckInForm(well(changes=["skin"], rash_bsa_percent="30"))
    assert form.is_valid()
    assert form.answers()["rash_bsa_percent"] == 30.0


def test_unticked_boxes_are_no_only_in_the_parts_the_patient_opened():
    form = CheckInForm(well(changes=["bleeding"], bleeding_gums="on"))
    assert form.is_valid()
    answers = form.answers()
    assert answers["bleeding_gums"] is True
    assert answers["petechiae"] is False
    assert "confusion" not in answers
    assert "chills" not in answers


def test_a_ticked_part_with_no_answer_is_asked_about_and_nothing_else_is_lost(patient_client):
    response = send(patient_client, well(changes=["gut", "skin"], itching="on"))
    html = response.content.decode()
    assert not Report.objects.exists()
    assert "You ticked “Tummy and bowel”. Please answer at least one question" in html
    assert "Skin, allergy" not in html.split('id="id_changes_error"')[1].split("</p>")[0]
    assert re.search(r'name="itching"[^>]*checked', html)


def test_an_answer_given_with_its_part_unticked_still_counts():
    form = CheckInForm(well(seizure="on"))
    assert form.is_valid()
    assert form.answers()["seizure"] is True


def test_ticking_a_part_fetches_its_questions_and_unticking_removes_them(patient_client):
    url = reverse("checkin_questions")
    html = patient_client.get(url, {"group": "gut", "changes": "gut"}).content.decode()
    assert 'name="nausea"' in html
    assert 'name="stool_blood"' in html
    assert "<html" not in html
    assert patient_client.get(url, {"group": "gut"}).content == b""
    assert patient_client.get(url, {"group": "vitals", "changes": "vitals"}).status_code == 404


def test_the_follow_up_questions_are_only_for_patients_and_carers(client, patient):
    client.force_login(nurse_of(patient.care_team))
    url = reverse("checkin_questions")
    assert client.get(url, {"group": "gut", "changes": "gut"}).status_code == 404


def test_with_javascript_off_every_question_is_in_the_page(patient_client):
    html = patient_client.get(reverse("checkin")).content.decode()
    assert html.count("<noscript>") == 6
    assert 'name="ice_10"' in html


# -- Exactly once ---------------------------------------------------------------------------------


def test_a_double_click_saves_one_report(patient_client):
    data = well(temperature="38.6")
    first, second = send(patient_client, data), send(patient_client, data)
    assert first["Location"] == second["Location"]
    assert Report.objects.count() == 1


def _key(html: str) -> str:
    return re.search(r'name="submission_key" value="([^"]+)"', html).group(1)


def test_the_form_keeps_its_key_through_errors_and_back_and_resubmit_saves_once(patient_client):
    key = _key(patient_client.get(reverse("checkin")).content.decode())
    wrong = send(patient_client, well(submission_key=key, heart_rate="400"))
    assert _key(wrong.content.decode()) == key
    fixed = well(submission_key=key, heart_rate="80")
    first = send(patient_client, fixed)
    again = send(patient_client, fixed)  # the back button, then "Send" once more
    assert first.status_code == again.status_code == 302
    assert first["Location"] == again["Location"]
    assert Report.objects.count() == 1


def test_back_after_sending_shows_the_same_form_key_and_says_it_was_sent(patient_client):
    key = _key(patient_client.get(reverse("checkin")).content.decode())
    assert _key(patient_client.get(reverse("checkin")).content.decode()) == key  # a reload
    first = send(patient_client, well(submission_key=key, temperature="38.6"))
    back = patient_client.get(reverse("checkin")).content.decode()
    assert _key(back) == key
    assert "Sending it again will not make a second one" in back
    assert f'href="{first["Location"]}"' in back
    again = send(patient_client, well(submission_key=key, temperature="38.6"))
    assert again["Location"] == first["Location"]
    assert Report.objects.count() == 1


def test_start_a_new_check_in_gets_a_new_key(patient_client):
    key = _key(patient_client.get(reverse("checkin")).content.decode())
    send(patient_client, well(submission_key=key))
    result = patient_client.get(reverse("report", args=[Report.objects.get().pk])).content.decode()
    new_url = re.search(r'href="([^"]*\?new=1)"', result).group(1)
    fresh = patient_client.get(new_url).content.decode()
    assert _key(fresh) != key
    assert "Sending it again" not in fresh


def test_changed_answers_sent_with_a_used_key_are_a_new_report_never_swallowed(patient_client):
    key = str(uuid.uuid4())
    send(patient_client, well(submission_key=key))
    send(patient_client, well(submission_key=key, temperature="38.6"))
    assert Report.objects.count() == 2
    assert Report.objects.order_by("submitted_at").last().level == Level.URGENT_NOW


def test_a_form_sent_long_ago_does_not_hold_back_todays_check_in(patient_client, settings):
    settings.PATIENT_SESSION_HOURS = 36  # still logged in the next morning
    with time_machine.travel("2026-03-01 09:00 +0000", tick=False):
        key = _key(patient_client.get(reverse("checkin")).content.decode())
        send(patient_client, well(submission_key=key))
    with time_machine.travel("2026-03-02 09:00 +0000", tick=False):
        page = patient_client.get(reverse("checkin")).content.decode()
    assert _key(page) != key
    assert "Sending it again" not in page


# -- Carers ---------------------------------------------------------------------------------------


def test_a_carer_lands_on_the_check_in_of_the_patient_they_care_for(client, patient):
    carer = carer_of(patient, first_name="Sam", last_name="Rivera")
    response = client.post(
        reverse("login"), {"username": carer.username, "password": PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("checkin")
    assert "You are answering for Alex Rivera." in response.content.decode()


def test_a_carer_check_in_records_who_answered_and_the_result_says_so(client, patient):
    carer = carer_of(patient, first_name="Sam", last_name="Rivera")
    client.force_login(carer)
    response = client.post(reverse("checkin"), well(temperature="38.6"), follow=True)
    report = Report.objects.get()
    assert (report.patient, report.reported_by) == (patient, carer)
    assert "by Sam Rivera, for Alex Rivera" in response.content.decode()


def test_a_carer_of_two_patients_chooses_whom_to_answer_for(client, patient):
    other = car_t_patient(user__first_name="Robin", user__last_name="Shaw")
    carer = carer_of(patient, other)
    client.force_login(carer)
    response = client.get(reverse("home"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("choose_patient")
    html = response.content.decode()
    for someone in (patient, other):
        assert f'href="{reverse("checkin_for", args=[someone.pk])}"' in html
    page = client.get(reverse("checkin_for", args=[other.pk])).content.decode()
    assert "You are answering for Robin Shaw." in page
    assert f'href="{reverse("choose_patient")}"' in page
    client.post(reverse("checkin_for", args=[other.pk]), well())
    assert Report.objects.get().patient == other


def test_answer_for_someone_else_is_offered_to_whoever_answers_for_another(client, patient):
    """A patient alone, a carer of one, of two, and a patient who also cares for someone."""
    choose = f'href="{reverse("choose_patient")}"'
    client.force_login(patient.user)
    assert choose not in client.get(reverse("checkin")).content.decode()
    carer = carer_of(patient)
    client.force_login(carer)
    assert choose not in client.get(reverse("checkin")).content.decode()
    other = car_t_patient()
    other.carers.add(carer)
    assert choose in client.get(reverse("checkin_for", args=[other.pk])).content.decode()
    patient.carers.add(other.user)  # a patient who also cares for Alex
    client.force_login(other.user)
    assert choose in client.get(reverse("checkin")).content.decode()
    assert choose in client.get(reverse("checkin_for", args=[patient.pk])).content.decode()
    other.carers.remove(carer)
    patient.carers.remove(other.user)
    assert choose not in client.get(reverse("checkin")).content.decode()


def test_a_carer_gets_404_for_a_patient_they_do_not_care_for(client, patient):
    stranger = car_t_patient()
    carer = carer_of(patient)
    report = Report.objects.create(
        patient=stranger,
        reported_by=stranger.user,
        answers={},
        context={"days_since_infusion": 3},
        triage=Level.NONE,
        ruleset="rules-test",
    )
    client.force_login(carer)
    assert client.get(reverse("checkin_for", args=[stranger.pk])).status_code == 404
    assert client.post(reverse("checkin_for", args=[stranger.pk]), well()).status_code == 404
    assert client.get(reverse("report", args=[report.pk])).status_code == 404
    assert not Report.objects.filter(patient=stranger).exclude(pk=report.pk).exists()


def test_a_patient_cannot_check_in_for_someone_else(patient_client):
    stranger = car_t_patient()
    assert patient_client.get(reverse("checkin_for", args=[stranger.pk])).status_code == 404


def test_someone_who_is_neither_patient_carer_nor_nurse_gets_no_check_in(client):
    carer = carer_of()
    client.force_login(carer)
    assert "not linked to a care team" in client.get(reverse("home")).content.decode()
    assert client.get(reverse("checkin")).status_code == 404
    assert client.get(reverse("choose_patient")).status_code == 404


def test_a_bottom_number_above_the_top_one_is_questioned_and_both_are_kept(patient_client):
    html = send(patient_client, well(systolic_bp="80", diastolic_bp="120")).content.decode()
    assert not Report.objects.exists()
    assert "The bottom number should be smaller than the top one" in html
    assert 'value="80"' in html and 'value="120"' in html
