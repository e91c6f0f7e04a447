"""The FHIR R4 export: the demo patients' bundles parse as R4B with ``fhir.resources`` (a package no
one here wrote), every reference resolves inside the bundle, the vital signs carry LOINC and UCUM,
and the patient's own copy never carries a nurse's note."""

from __future__ import annotations

import io
import json
from collections import Counter
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle

from symptoms.catalogue import INPUTS
from tests.factories import CareTeamFactory, car_t_patient, carer_of, nurse_of
from tracker import fhir, flags
from tracker.checkins import record_report
from tracker.models import Flag, Patient

pytestmark = pytest.mark.django_db


def export(username: str, *options: str) -> dict[str, Any]:
    out = io.StringIO()
    call_command("export_fhir", "--patient", username, *options, stdout=out)
    return json.loads(out.getvalue())


def resources(bundle: dict, kind: str | None = None) -> list[dict]:
    found = [entry["resource"] for entry in bundle["entry"]]
    return [r for r in found if kind is None or r["resourceType"] == kind]


def references(value: Any) -> list[str]:
    """Every ``reference`` anywhere inside ``value``."""
    if isinstance(value, dict):
        own = [value["reference"]] if isinstance(value.get("reference"), str) else []
        return own + [ref for v in value.values() for ref in references(v)]
    if isinstance(value, list):
        return [ref for v in value for ref in references(v)]
    return []


def assert_valid_r4b(bundle: dict) -> None:
    """The bundle and each resource parse as FHIR R4B, and nothing points outside the bundle."""
    Bundle.model_validate(bundle)
    for resource in resources(bundle):
        get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    full_urls = [entry["fullUrl"] for entry in bundle["entry"]]
    assert len(full_urls) == len(set(full_urls)), "each resource once"
    dangling = set(references(bundle)) - set(full_urls)
    assert not dangling


def codes(concept: dict) -> set[tuple[str, str]]:
    return {(c["system"], c["code"]) for c in concept["coding"]}


@pytest.fixture
def demo(settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=io.StringIO())


def test_sams_bundle_is_valid_r4b_with_the_flagged_rash(demo):
    bundle = export("patient2.demo")
    assert_valid_r4b(bundle)
    counts = Counter(r["resourceType"] for r in resources(bundle))
    assert counts["Patient"] == 1
    assert counts["QuestionnaireResponse"] == 3
    assert counts["RiskAssessment"] == 3
    [patient] = resources(bundle, "Patient")
    assert patient["name"][0]["family"] == "Okafor"
    temperatures = [
        o
        for o in resources(bundle, "Observation")
        if ("http://loinc.org", "8310-5") in codes(o["code"])
    ]
    assert [t["valueQuantity"]["code"] for t in temperatures] == ["Cel"] * 3
    assert {t["valueQuantity"]["system"] for t in temperatures} == {"http://unitsofmeasure.org"}
    assert sorted(t["valueQuantity"]["value"] for t in temperatures) == [36.8, 36.8, 37.1]
    [flag] = resources(bundle, "Flag")
    assert flag["status"] == "active"
    assert flag["code"]["coding"][0]["code"] == "URGENT_TODAY"
    assert "GVHD" in flag["code"]["text"]
    [procedure] = resources(bundle, "Procedure")
    assert procedure["code"]["coding"][0]["code"] == "DLI"
    assert procedure["extension"][0]["valueCodeableConcept"]["coding"][0]["code"] == "allogeneic"


def test_alexs_bundle_is_valid_r4b_and_says_who_answered(demo):
    bundle = export("patient.demo")
    assert_valid_r4b(bundle)
    responses = resources(bundle, "QuestionnaireResponse")
    assert len(responses) == 3
    authors = Counter(r["author"]["reference"] for r in responses)
    [patient] = resources(bundle, "Patient")
    [carer] = resources(bundle, "RelatedPerson")
    assert carer["name"][0]["text"] == "Robin Rivera"
    assert authors == {f"urn:uuid:{patient['id']}": 2, f"urn:uuid:{carer['id']}": 1}
    # Every vital sign of the check-ins, coded: temperature, pulse, SpO₂, and the BP panel.
    loinc = Counter(code for o in resources(bundle, "Observation") for _s, code in codes(o["code"]))
    assert loinc == {"8310-5": 3, "8867-4": 3, "59408-5": 3, "85354-9": 3}
    panel = next(
        o for o in resources(bundle, "Observation") if o["code"]["coding"][0]["code"] == "85354-9"
    )
    parts = {c["code"]["coding"][0]["code"]: c["valueQuantity"] for c in panel["component"]}
    assert parts["8480-6"]["code"] == parts["8462-4"]["code"] == "mm[Hg]"
    assert parts["8462-4"]["value"] == 74


def test_every_questionnaire_item_carries_its_catalogue_code(demo):
    bundle = export("patient.demo")
    [questionnaire] = resources(bundle, "Questionnaire")
    questions = [q for group in questionnaire["item"] for q in group["item"]]
    assert [q["linkId"] for q in questions] == list(INPUTS)
    assert all(q["code"][0]["code"] == q["linkId"] for q in questions)
    temperature = next(q for q in questions if q["linkId"] == "temperature_c")
    assert temperature["text"] == "What is your temperature?"
    assert temperature["type"] == "decimal"
    # A response's answers are found by the same link ids under the same groups.
    response = resources(bundle, "QuestionnaireResponse")[0]
    assert response["questionnaire"] == questionnaire["url"]
    answered = {i["linkId"]: i["answer"][0] for g in response["item"] for i in g["item"]}
    assert answered["temperature_c"] == {"valueDecimal": 36.8}
    assert answered["chills"]["valueCoding"]["code"] == "none"


def test_the_risk_assessment_keeps_each_finding_and_the_ruleset(demo):
    bundle = export("patient2.demo")
    sam = Patient.objects.get(user__username="patient2.demo")
    flagged = sam.flags.get().level_report
    [flag] = resources(bundle, "Flag")
    detail = flag["extension"][0]["valueReference"]["reference"]
    assessment = next(
        r for r in resources(bundle, "RiskAssessment") if f"urn:uuid:{r['id']}" == detail
    )
    assert assessment["method"]["coding"][0]["code"] == flagged.ruleset
    assert assessment["extension"][0]["valueCodeableConcept"]["coding"][0]["code"] == "URGENT_TODAY"
    assert len(assessment["prediction"]) == len(flagged.findings)
    for prediction, finding in zip(assessment["prediction"], flagged.findings, strict=True):
        assert prediction["rationale"] == finding["why"]
        assert prediction["outcome"]["coding"][0]["code"] == finding["category"]
        assert prediction["qualitativeRisk"]["coding"][0]["code"] == finding["triage"]
        values = [e["valueString"] for e in prediction["extension"]]
        assert finding["rule"] in values and finding["grade"] in values
    assert assessment["mitigation"] == "Contact your care team today"


@pytest.fixture
def resolved():
    """A patient whose fever flag a nurse closed with a note meant for colleagues."""
    team = CareTeamFactory()
    patient = car_t_patient(team=team, day=2)
    nurse = nurse_of(team, first_name="Jo", last_name="Park")
    carer = carer_of(patient, first_name="Kim", last_name="Lane")
    record_report(patient=patient, reported_by=carer, answers={"temperature_c": 38.7})
    flag = Flag.objects.get(patient=patient)
    flags.acknowledge(flag, nurse)
    flags.resolve(flag, nurse, "clinic", "Internal: discussed with registrar, family anxious")
    return patient


def test_the_staff_copy_keeps_the_nurses_note_and_name(resolved):
    bundle = fhir.bundle(fhir.read_record(resolved), staff=True)
    assert_valid_r4b(bundle)
    [task] = resources(bundle, "Task")
    assert task["status"] == "completed"
    assert task["output"][0]["valueCodeableConcept"]["coding"][0]["code"] == "clinic"
    assert task["note"][0]["text"] == "Internal: discussed with registrar, family anxious"
    [nurse] = resources(bundle, "Practitioner")
    assert nurse["name"][0]["text"] == "Jo Park"
    assert task["owner"]["reference"] == f"urn:uuid:{nurse['id']}"


def test_the_patients_copy_never_carries_a_nurses_note_or_name(resolved):
    bundle = fhir.bundle(fhir.read_record(resolved), staff=False)
    assert_valid_r4b(bundle)
    text = json.dumps(bundle)
    assert "registrar" not in text
    assert "Jo Park" not in text
    assert not resources(bundle, "Practitioner")
    [task] = resources(bundle, "Task")
    [team] = resources(bundle, "Organization")
    assert task["owner"]["reference"] == f"urn:uuid:{team['id']}"
    assert task["output"][0]["valueCodeableConcept"]["coding"][0]["code"] == "clinic"
    [flag] = resources(bundle, "Flag")
    assert flag["status"] == "inactive"


def test_the_same_object_keeps_its_id_from_one_export_to_the_next(resolved):
    first = fhir.bundle(fhir.read_record(resolved), staff=True)
    second = fhir.bundle(fhir.read_record(resolved), staff=False)
    assert {e["fullUrl"] for e in second["entry"]} <= {e["fullUrl"] for e in first["entry"]}


def test_the_questions_come_in_the_language_asked_for(resolved):
    bundle = fhir.bundle(fhir.read_record(resolved), staff=False, language="es")
    assert_valid_r4b(bundle)
    [questionnaire] = resources(bundle, "Questionnaire")
    assert questionnaire["language"] == "es"
    temperature = questionnaire["item"][0]["item"][0]
    assert temperature["text"] == "¿Qué temperatura tienes?"


def test_the_bundle_is_read_in_the_same_number_of_queries_however_long_the_course(
    resolved, django_assert_num_queries
):
    with django_assert_num_queries(7) as short:
        fhir.bundle(fhir.read_record(resolved), staff=True)
    for _day in range(5):
        record_report(patient=resolved, reported_by=resolved.user, answers={"temperature_c": 37.9})
    with django_assert_num_queries(len(short.captured_queries)):
        fhir.bundle(fhir.read_record(resolved), staff=True)


def test_an_unknown_user_name_is_a_clear_error(db):
    with pytest.raises(CommandError, match="No patient has the user name 'nobody'"):
        call_command("export_fhir", "--patient", "nobody")


def test_every_vital_sign_has_its_loinc_code_and_ucum_unit():
    patient = car_t_patient(day=2)
    vitals = {
        "temperature_c": 37.2,
        "systolic_bp": 112,
        "diastolic_bp": 70,
        "heart_rate": 96,
        "spo2": 95,
        "respiratory_rate": 22,
    }
    record_report(patient=patient, reported_by=patient.user, answers=vitals)
    bundle = fhir.bundle(fhir.read_record(patient), staff=False)
    assert_valid_r4b(bundle)
    found = {}
    for observation in resources(bundle, "Observation"):
        assert observation["category"][0]["coding"][0]["code"] == "vital-signs"
        for part in [observation, *observation.get("component", [])]:
            if "valueQuantity" in part:
                quantity = part["valueQuantity"]
                found[part["code"]["coding"][0]["code"]] = (quantity["value"], quantity["code"])
    assert found == {
        "8310-5": (37.2, "Cel"),
        "8480-6": (112, "mm[Hg]"),
        "8462-4": (70, "mm[Hg]"),
        "8867-4": (96, "/min"),
        "59408-5": (95, "%"),
        "9279-1": (22, "/min"),
    }
    panel = next(o for o in resources(bundle, "Observation") if "component" in o)
    assert panel["code"]["coding"][0]["code"] == "85354-9"


def test_the_patient_resource_carries_the_hospital_number_birth_date_and_phone():
    patient = car_t_patient(
        hospital_number="MRN-0042", date_of_birth="1961-05-17", phone="+447700900123"
    )
    record_report(patient=patient, reported_by=patient.user, answers={"temperature_c": 37.0})
    bundle = export(patient.user.username)
    assert_valid_r4b(bundle)
    [resource] = resources(bundle, "Patient")
    assert "MRN-0042" in [i["value"] for i in resource["identifier"]]
    assert resource["birthDate"] == "1961-05-17"
    assert {"system": "phone", "value": "+447700900123", "use": "mobile"} in resource["telecom"]
    [team] = resources(bundle, "Organization")
    assert team["telecom"][0]["value"].startswith("+")
