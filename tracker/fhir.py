"""One patient's monitoring as an HL7 FHIR R4 Bundle, for the medical record and the patient's copy.

``read_record(patient)`` reads everything in a fixed number of queries; ``bundle(record, ...)`` is
plain Python from that record to a JSON-ready dict. The bundle is a ``collection``: the Patient and
their care team, the check-in as a Questionnaire (our own wording, every item carrying its catalogue
code), one QuestionnaireResponse per check-in with who answered, the vital signs as LOINC/UCUM
Observations, one RiskAssessment per check-in (the triage level, each finding and the rule-set
version), a Flag and a Task for each flag (what the nurses did), and a Procedure per infusion.

Every resource's ``fullUrl`` is a ``urn:uuid:`` made from the installation's address and the row's
primary key, so the same object has the same id in every export, and every reference points inside
the bundle.

Two audiences: the staff copy names the nurses who acted (Practitioner) and keeps the note a nurse
wrote when closing a flag (it is the clinical record of that decision); the patient's copy says
"the care team" instead and never carries a nurse's note.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone, translation

from symptoms.catalogue import GROUPS, INPUTS, NOTE_MAX_LENGTH, Input
from symptoms.explain import ADVICE
from symptoms.levels import Triage
from tracker import course
from tracker.models import (
    Flag,
    Infusion,
    Level,
    Patient,
    Preferences,
    Report,
    RiskCategory,
    display_name,
)

Resource = dict[str, Any]

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
FLAG_CATEGORY = "http://terminology.hl7.org/CodeSystem/flag-category"
FLAG_DETAIL = "http://hl7.org/fhir/StructureDefinition/flag-detail"
ITEM_CONTROL = "http://hl7.org/fhir/StructureDefinition/questionnaire-itemControl"
ITEM_CONTROL_CODES = "http://hl7.org/fhir/questionnaire-item-control"
QUESTIONNAIRE_UNIT = "http://hl7.org/fhir/StructureDefinition/questionnaire-unit"
MIN_VALUE = "http://hl7.org/fhir/StructureDefinition/minValue"
MAX_VALUE = "http://hl7.org/fhir/StructureDefinition/maxValue"
LANGUAGE = "urn:ietf:bcp:47"


@dataclass(frozen=True, slots=True)
class Quantity:
    """A LOINC code and its UCUM unit (``code``) with the unit as people write it (``unit``)."""

    loinc: str
    display: str
    code: str
    unit: str


# The vital signs of a check-in, by catalogue code; blood pressure is one panel of two components.
VITAL_SIGNS: dict[str, Quantity] = {
    "temperature_c": Quantity("8310-5", "Body temperature", "Cel", "°C"),
    "heart_rate": Quantity("8867-4", "Heart rate", "/min", "beats/minute"),
    "spo2": Quantity("59408-5", "Oxygen saturation in Arterial blood by Pulse oximetry", "%", "%"),
    "respiratory_rate": Quantity("9279-1", "Respiratory rate", "/min", "breaths/minute"),
}
BLOOD_PRESSURE = Quantity("85354-9", "Blood pressure panel with all children optional", "", "")
BLOOD_PRESSURE_PARTS: dict[str, Quantity] = {
    "systolic_bp": Quantity("8480-6", "Systolic blood pressure", "mm[Hg]", "mmHg"),
    "diastolic_bp": Quantity("8462-4", "Diastolic blood pressure", "mm[Hg]", "mmHg"),
}

# How a flag's state reads as a Task's, and its level as a Task's priority.
TASK_STATUS = {
    Flag.Status.OPEN: "requested",
    Flag.Status.ACKNOWLEDGED: "in-progress",
    Flag.Status.RESOLVED: "completed",
}
TASK_PRIORITY = {Level.EMERGENCY: "stat", Level.URGENT_NOW: "asap", Level.URGENT_TODAY: "urgent"}

QUESTION_TYPES = {
    "number": "decimal",
    "int": "integer",
    "bool": "boolean",
    "choice": "choice",
    "text": "text",
}


# -- reading ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PatientRecord:
    """Everything the bundle is made from, read at once."""

    patient: Patient
    infusions: list[Infusion]
    reports: list[Report]
    flags: list[Flag]
    carers: list[Any]
    language: str
    now: datetime


def read_record(patient: Patient, now: datetime | None = None) -> PatientRecord:
    """The patient's whole course: a fixed number of queries however long it is."""
    patient = course.with_course(Patient.objects.filter(pk=patient.pk)).get()
    return PatientRecord(
        patient=patient,
        infusions=sorted(patient.infusions.all(), key=lambda i: i.given_at),
        reports=course.reports_of(patient),
        flags=sorted(course.flags_of(patient), key=lambda f: (f.opened_at, f.pk)),
        carers=list(patient.carers.order_by("pk")),
        language=Preferences.language_of(patient.user) or settings.LANGUAGE_CODE,
        now=now or timezone.now(),
    )


# -- building --------------------------------------------------------------------------------------


class Ids:
    """Stable ``urn:uuid:`` addresses: one per object of this installation, the same every time."""

    def __init__(self, base: str) -> None:
        self.base = base.rstrip("/")
        self.namespace = uuid.uuid5(uuid.NAMESPACE_URL, self.base)

    def id(self, kind: str, key: Any) -> str:
        return str(uuid.uuid5(self.namespace, f"{kind}/{key}"))

    def ref(self, kind: str, key: Any, display: str = "") -> dict[str, str]:
        reference = {"reference": f"urn:uuid:{self.id(kind, key)}"}
        return {**reference, "display": display} if display else reference

    def system(self, name: str) -> str:
        """A code system or identifier system of this app, under the installation's address."""
        return f"{self.base}/fhir/{name}"


def bundle(
    record: PatientRecord,
    *,
    base: str | None = None,
    staff: bool,
    language: str | None = None,
) -> Resource:
    """The FHIR R4 Bundle of ``record``: the staff copy, or the patient's own (``staff=False``).

    Texts (questions, choices, advice) are in ``language``, the patient's by default.
    """
    with translation.override(language or record.language):
        return _Builder(record, Ids(base or settings.SITE_URL), staff=staff).bundle()


def _when(at: datetime, zone: ZoneInfo) -> str:
    return at.astimezone(zone).isoformat(timespec="seconds")


def _coding(system: str, code: str, display: Any = "") -> Resource:
    coding = {"system": system, "code": code}
    return {**coding, "display": str(display)} if display else coding


def _concept(system: str, code: str, display: Any = "", text: Any = "") -> Resource:
    concept: Resource = {"coding": [_coding(system, code, display)]}
    if text or display:
        concept["text"] = str(text or display)
    return concept


class _Builder:
    def __init__(self, record: PatientRecord, ids: Ids, *, staff: bool) -> None:
        self.record = record
        self.ids = ids
        self.staff = staff
        self.patient = record.patient
        self.zone = self.patient.care_team.zone
        self.entries: list[Resource] = []
        self.questionnaire_url = ids.system("Questionnaire/check-in")

    # -- references --

    @property
    def subject(self) -> dict[str, str]:
        return self.ids.ref("Patient", self.patient.pk, self.patient.name)

    @property
    def team(self) -> dict[str, str]:
        return self.ids.ref("Organization", self.patient.care_team_id, self.patient.care_team.name)

    def person(self, user) -> dict[str, str]:
        """The patient, or the carer (a RelatedPerson) who answered for them."""
        if user.pk == self.patient.user_id:
            return self.subject
        return self.ids.ref("RelatedPerson", user.pk, display_name(user))

    def nurse(self, user) -> dict[str, str]:
        """The nurse by name in the staff copy; the care team in the patient's."""
        if self.staff and user is not None:
            return self.ids.ref("Practitioner", user.pk, display_name(user))
        return self.team

    def add(self, kind: str, key: Any, resource: Resource) -> None:
        identifier = self.ids.id(kind, key)
        self.entries.append(
            {
                "fullUrl": f"urn:uuid:{identifier}",
                "resource": {"resourceType": kind, "id": identifier, **resource},
            }
        )

    def level(self, level: int) -> Resource:
        return _concept(
            self.ids.system("CodeSystem/triage-level"), Level(level).name, Level(level).label
        )

    # -- the whole bundle --

    def bundle(self) -> Resource:
        self.add_patient()
        self.add_team()
        self.add_people()
        for infusion in self.record.infusions:
            self.add_procedure(infusion)
        self.add_questionnaire()
        for report in self.record.reports:
            observations = self.add_observations(report)
            self.add_response(report)
            self.add_risk_assessment(report, observations)
        for flag in self.record.flags:
            self.add_flag(flag)
            self.add_task(flag)
        return {
            "resourceType": "Bundle",
            "meta": {
                "tag": [
                    _coding(
                        self.ids.system("CodeSystem/export"),
                        "staff" if self.staff else "patient-copy",
                        "Staff export" if self.staff else "The patient's own copy",
                    )
                ]
            },
            "type": "collection",
            "timestamp": _when(self.record.now, self.zone),
            "entry": self.entries,
        }

    # -- who --

    def add_patient(self) -> None:
        user = self.patient.user
        name: Resource = {"use": "official", "text": self.patient.name}
        if user.last_name:
            name["family"] = user.last_name
        if user.first_name:
            name["given"] = [user.first_name]
        resource: Resource = {
            "identifier": [
                {
                    "use": "usual",
                    "system": self.ids.system("sid/patient"),
                    "value": str(self.patient.pk),
                }
            ],
            "active": self.patient.monitoring != Patient.Monitoring.ENDED,
            "name": [name],
            "communication": [
                {
                    "language": _concept(LANGUAGE, self.record.language),
                    "preferred": True,
                }
            ],
            "managingOrganization": self.team,
        }
        if self.patient.hospital_number:
            resource["identifier"].append(
                {
                    "use": "official",
                    "type": {"text": "Hospital number"},
                    "system": self.ids.system("sid/hospital-number"),
                    "value": self.patient.hospital_number,
                }
            )
        if self.patient.date_of_birth:
            resource["birthDate"] = self.patient.date_of_birth.isoformat()
        telecom = []
        if self.patient.phone:
            telecom.append({"system": "phone", "value": str(self.patient.phone), "use": "mobile"})
        if user.email:
            telecom.append({"system": "email", "value": user.email})
        if telecom:
            resource["telecom"] = telecom
        self.add("Patient", self.patient.pk, resource)

    def add_team(self) -> None:
        team = self.patient.care_team
        self.add(
            "Organization",
            team.pk,
            {
                "active": True,
                "name": team.name,
                "telecom": [{"system": "phone", "value": str(team.phone_24h), "use": "work"}],
            },
        )
        participants = [{"role": [{"text": "care team"}], "member": self.team}]
        participants += [
            {"role": [{"text": "carer"}], "member": self.person(carer)}
            for carer in self.record.carers
        ]
        participants += [
            {"role": [{"text": "nurse"}], "member": self.nurse(nurse)} for nurse in self.nurses()
        ]
        self.add(
            "CareTeam",
            f"{team.pk}/{self.patient.pk}",
            {
                "status": "active",
                "name": f"{team.name}: {self.patient.name}",
                "subject": self.subject,
                "participant": participants,
                "managingOrganization": [self.team],
            },
        )

    def answerers(self) -> list[Any]:
        """Everyone but the patient who answered a check-in, and today's carers, each once."""
        people = {carer.pk: carer for carer in self.record.carers}
        for report in self.record.reports:
            if report.reported_by_id != self.patient.user_id:
                people.setdefault(report.reported_by_id, report.reported_by)
        return list(people.values())

    def nurses(self) -> list[Any]:
        """The nurses who acted on this patient's flags (staff copy only)."""
        if not self.staff:
            return []
        people: dict[int, Any] = {}
        for flag in self.record.flags:
            for event in flag.events.all():
                if event.by is not None:
                    people.setdefault(event.by.pk, event.by)
            for user in (flag.acknowledged_by, flag.resolved_by):
                if user is not None:
                    people.setdefault(user.pk, user)
        return list(people.values())

    def add_people(self) -> None:
        for user in self.answerers():
            resource: Resource = {
                "active": any(c.pk == user.pk for c in self.record.carers),
                "patient": self.subject,
                "relationship": [{"text": "carer"}],
                "name": [{"text": display_name(user)}],
            }
            self.add("RelatedPerson", user.pk, resource)
        for user in self.nurses():
            self.add(
                "Practitioner",
                user.pk,
                {"active": user.is_active, "name": [{"text": display_name(user)}]},
            )

    # -- the therapy --

    def add_procedure(self, infusion: Infusion) -> None:
        extension = [
            {
                "url": self.ids.system("StructureDefinition/cell-source"),
                "valueCodeableConcept": _concept(
                    self.ids.system("CodeSystem/cell-source"),
                    infusion.cell_source,
                    infusion.get_cell_source_display(),
                ),
            }
        ]
        if infusion.car_target:
            extension.append(
                {
                    "url": self.ids.system("StructureDefinition/car-target"),
                    "valueCodeableConcept": _concept(
                        self.ids.system("CodeSystem/car-target"),
                        infusion.car_target,
                        infusion.get_car_target_display(),
                    ),
                }
            )
        text = ", ".join(
            str(part)
            for part in (
                infusion.get_product_display(),
                infusion.get_car_target_display() if infusion.car_target else "",
                infusion.get_cell_source_display(),
            )
            if part
        )
        self.add(
            "Procedure",
            infusion.pk,
            {
                "extension": extension,
                "status": "completed",
                "category": {"text": "cell therapy infusion"},
                "code": _concept(
                    self.ids.system("CodeSystem/cell-product"),
                    infusion.product,
                    infusion.get_product_display(),
                    text,
                ),
                "subject": self.subject,
                "performedDateTime": _when(infusion.given_at, self.zone),
            },
        )

    # -- the check-in --

    def catalogue_code(self, code: str) -> Resource:
        return _coding(self.ids.system("CodeSystem/check-in"), code)

    def choice_coding(self, item: Input, value: str) -> Resource:
        return _coding(
            self.ids.system(f"CodeSystem/check-in/{item.code}"), value, item.label_for(value)
        )

    def question(self, item: Input) -> Resource:
        question: Resource = {
            "linkId": item.code,
            "code": [self.catalogue_code(item.code)],
            "text": str(item.question),
            "type": QUESTION_TYPES[item.kind],
            "required": False,
        }
        extension = []
        quantity = VITAL_SIGNS.get(item.code) or BLOOD_PRESSURE_PARTS.get(item.code)
        if quantity is not None:
            extension.append(
                {
                    "url": QUESTIONNAIRE_UNIT,
                    "valueCoding": _coding(UCUM, quantity.code, quantity.unit),
                }
            )
        if item.kind in ("number", "int"):
            value_key = "valueDecimal" if item.kind == "number" else "valueInteger"
            for url, bound in ((MIN_VALUE, item.minimum), (MAX_VALUE, item.maximum)):
                if bound is not None:
                    number = float(bound) if item.kind == "number" else int(bound)
                    extension.append({"url": url, value_key: number})
        if extension:
            question["extension"] = extension
        if item.kind == "choice":
            question["answerOption"] = [
                {"valueCoding": self.choice_coding(item, code)} for code in item.codes
            ]
        if item.kind == "text":
            question["maxLength"] = NOTE_MAX_LENGTH
        if item.help:
            question["item"] = [
                {
                    "linkId": f"{item.code}.help",
                    "text": str(item.help),
                    "type": "display",
                    "extension": [
                        {
                            "url": ITEM_CONTROL,
                            "valueCodeableConcept": _concept(
                                ITEM_CONTROL_CODES, "help", "Help-Button"
                            ),
                        }
                    ],
                }
            ]
        return question

    def add_questionnaire(self) -> None:
        groups = [
            {
                "linkId": group,
                "text": str(title),
                "type": "group",
                "item": [self.question(i) for i in INPUTS.values() if i.group == group],
            }
            for group, title in GROUPS.items()
            if any(i.group == group for i in INPUTS.values())
        ]
        self.add(
            "Questionnaire",
            "check-in",
            {
                "language": translation.get_language(),
                "url": self.questionnaire_url,
                "name": "CheckIn",
                "title": "Home check-in after a cell therapy infusion",
                "status": "active",
                "subjectType": ["Patient"],
                "item": groups,
            },
        )

    def answer(self, item: Input, value: Any) -> Resource | None:
        if item.kind == "bool" and isinstance(value, bool):
            return {"valueBoolean": value}
        if item.kind == "int" and isinstance(value, int | float) and float(value).is_integer():
            return {"valueInteger": int(value)}
        if item.kind == "number" and isinstance(value, int | float):
            return {"valueDecimal": value}
        if item.kind == "choice" and value in item.codes:
            return {"valueCoding": self.choice_coding(item, value)}
        if item.kind == "text" and isinstance(value, str) and value.strip():
            return {"valueString": value}
        return None

    def add_response(self, report: Report) -> None:
        groups = []
        for group in GROUPS:
            answered = []
            for item in INPUTS.values():
                if item.group != group or item.code not in report.answers:
                    continue
                answer = self.answer(item, report.answers[item.code])
                if answer is not None:
                    answered.append(
                        {"linkId": item.code, "text": str(item.question), "answer": [answer]}
                    )
            if answered:
                groups.append({"linkId": group, "text": str(GROUPS[group]), "item": answered})
        who = self.person(report.reported_by)
        self.add(
            "QuestionnaireResponse",
            report.pk,
            {
                "identifier": {
                    "system": self.ids.system("sid/check-in"),
                    "value": str(report.submission_key),
                },
                "questionnaire": self.questionnaire_url,
                "status": "completed",
                "subject": self.subject,
                "authored": _when(report.submitted_at, self.zone),
                "author": who,
                "source": who,
                "item": groups,
            },
        )

    # -- the vital signs --

    def observation(self, report: Report, code: str, resource: Resource) -> dict[str, str]:
        self.add(
            "Observation",
            f"{report.pk}/{code}",
            {
                "status": "final",
                "category": [_concept(OBSERVATION_CATEGORY, "vital-signs", "Vital Signs")],
                **resource,
                "subject": self.subject,
                "effectiveDateTime": _when(report.submitted_at, self.zone),
                "performer": [self.person(report.reported_by)],
                "derivedFrom": [self.ids.ref("QuestionnaireResponse", report.pk)],
            },
        )
        return self.ids.ref("Observation", f"{report.pk}/{code}")

    def add_observations(self, report: Report) -> list[dict[str, str]]:
        made = []
        for code, quantity in VITAL_SIGNS.items():
            value = report.answers.get(code)
            if isinstance(value, int | float) and not isinstance(value, bool):
                made.append(
                    self.observation(
                        report,
                        code,
                        {
                            "code": _concept(LOINC, quantity.loinc, quantity.display),
                            "valueQuantity": _quantity(value, quantity),
                        },
                    )
                )
        components = [
            {
                "code": _concept(LOINC, part.loinc, part.display),
                "valueQuantity": _quantity(report.answers[code], part),
            }
            for code, part in BLOOD_PRESSURE_PARTS.items()
            if isinstance(report.answers.get(code), int | float)
        ]
        if components:
            made.append(
                self.observation(
                    report,
                    "blood_pressure",
                    {
                        "code": _concept(LOINC, BLOOD_PRESSURE.loinc, BLOOD_PRESSURE.display),
                        "component": components,
                    },
                )
            )
        return made

    # -- the triage --

    def prediction(self, finding: dict[str, Any]) -> Resource:
        category = finding.get("category", "")
        label = RiskCategory(category).label if category in RiskCategory else category
        extension = [
            {
                "url": self.ids.system("StructureDefinition/triage-rule"),
                "valueString": finding["rule"],
            },
        ]
        if finding.get("grade"):
            extension.append(
                {
                    "url": self.ids.system("StructureDefinition/grade"),
                    "valueString": finding["grade"],
                }
            )
        extension += [
            {"url": self.ids.system("StructureDefinition/rule-source"), "valueString": source}
            for source in finding.get("sources", [])
        ]
        prediction: Resource = {"extension": extension, "rationale": finding["why"]}
        if category:
            system = self.ids.system("CodeSystem/risk-category")
            prediction["outcome"] = _concept(system, category, label)
        if finding.get("triage") in Triage.__members__:
            prediction["qualitativeRisk"] = self.level(Triage[finding["triage"]])
        return prediction

    def add_risk_assessment(self, report: Report, observations: Iterable[dict[str, str]]) -> None:
        self.add(
            "RiskAssessment",
            report.pk,
            {
                "extension": [
                    {
                        "url": self.ids.system("StructureDefinition/triage-level"),
                        "valueCodeableConcept": self.level(report.triage),
                    }
                ],
                "status": "final",
                "method": _concept(
                    self.ids.system("CodeSystem/triage-ruleset"),
                    report.ruleset,
                    text=f"Check-in triage rules, version {report.ruleset}",
                ),
                "code": {"text": "Check-in triage"},
                "subject": self.subject,
                "occurrenceDateTime": _when(report.submitted_at, self.zone),
                "basis": [self.ids.ref("QuestionnaireResponse", report.pk), *observations],
                "prediction": [self.prediction(f) for f in report.findings],
                "mitigation": str(ADVICE[Triage(report.triage)].title),
            },
        )

    # -- the flags and what the nurses did --

    def add_flag(self, flag: Flag) -> None:
        period = {"start": _when(flag.opened_at, self.zone)}
        if flag.resolved_at is not None:
            period["end"] = _when(flag.resolved_at, self.zone)
        categories = ", ".join(str(c) for c in flag.category_labels)
        level = Level(flag.level)
        self.add(
            "Flag",
            flag.pk,
            {
                "extension": [
                    {
                        "url": FLAG_DETAIL,
                        "valueReference": self.ids.ref("RiskAssessment", flag.level_report_id),
                    }
                ],
                "status": "inactive" if flag.status == Flag.Status.RESOLVED else "active",
                "category": [_concept(FLAG_CATEGORY, "clinical", "Clinical")],
                "code": _concept(
                    self.ids.system("CodeSystem/triage-level"),
                    level.name,
                    level.label,
                    f"{level.label}: {categories}" if categories else level.label,
                ),
                "subject": self.subject,
                "period": period,
                "author": self.team,
            },
        )

    def add_task(self, flag: Flag) -> None:
        task: Resource = {
            "status": TASK_STATUS[Flag.Status(flag.status)],
            "businessStatus": {"text": str(flag.get_status_display())},
            "intent": "order",
            "priority": TASK_PRIORITY[Level(flag.level)],
            "code": {"text": "Review the flagged check-in"},
            "focus": self.ids.ref("Flag", flag.pk),
            "for": self.subject,
            "authoredOn": _when(flag.opened_at, self.zone),
            "reasonReference": self.ids.ref("RiskAssessment", flag.level_report_id),
        }
        events = list(flag.events.all())
        if events:
            task["lastModified"] = _when(max(e.at for e in events), self.zone)
        if flag.acknowledged_at is not None:
            task["owner"] = self.nurse(flag.acknowledged_by)
            period = {"start": _when(flag.acknowledged_at, self.zone)}
            if flag.resolved_at is not None:
                period["end"] = _when(flag.resolved_at, self.zone)
            task["executionPeriod"] = period
        if flag.outcome:
            task["output"] = [
                {
                    "type": {"text": "outcome"},
                    "valueCodeableConcept": _concept(
                        self.ids.system("CodeSystem/flag-outcome"),
                        flag.outcome,
                        flag.get_outcome_display(),
                    ),
                }
            ]
        if self.staff and flag.note:
            note: Resource = {"text": flag.note}
            if flag.resolved_at is not None:
                note["time"] = _when(flag.resolved_at, self.zone)
            if flag.resolved_by is not None:
                note["authorReference"] = self.nurse(flag.resolved_by)
            task["note"] = [note]
        self.add("Task", flag.pk, task)


def _quantity(value: float, quantity: Quantity) -> Resource:
    return {"value": value, "unit": quantity.unit, "system": UCUM, "code": quantity.code}
