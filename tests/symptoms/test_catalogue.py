"""The input catalogue against the case-file format (docs/case-format.md): codes, types, ranges."""

from django.utils.functional import Promise

from symptoms.case import DEFAULT_FEVER_THRESHOLD_C
from symptoms.catalogue import (
    BASELINE,
    CONTEXT,
    GROUPS,
    INPUTS,
    LABS,
    NOTE_MAX_LENGTH,
    SITE,
    inputs_in_group,
    is_worse,
    severity,
)

# The contract's report inputs, in its order: code -> (type, minimum, maximum) or (type, choices).
CONTRACT_REPORT = {
    "temperature_c": ("number", 30.0, 43.0),
    "systolic_bp": ("int", 50, 260),
    "diastolic_bp": ("int", 20, 160),
    "heart_rate": ("int", 25, 250),
    "spo2": ("int", 50, 100),
    "respiratory_rate": ("int", 4, 60),
    "antipyretic_last_6h": ("bool",),
    "chills": ("choice", ("none", "shivering", "rigors")),
    "feels_feverish": ("bool",),
    "fatigue": (
        "choice",
        ("none", "relieved_by_rest", "limits_usual_activities", "limits_self_care"),
    ),
    "breathlessness": ("choice", ("none", "moderate_exertion", "minimal_exertion", "at_rest")),
    "dizziness": ("choice", ("none", "on_standing", "fainted")),
    "headache": ("choice", ("none", "mild", "moderate", "severe")),
    "concern": ("choice", ("none", "worried", "very_unwell")),
    "ice_score": ("int", 0, 10),
    "alertness": (
        "choice",
        ("alert", "sleepier_wakes_self", "wakes_to_voice", "wakes_to_touch", "unrousable"),
    ),
    "confusion": ("bool",),
    "word_finding_trouble": ("bool",),
    "handwriting_changed": ("bool",),
    "tremor": ("bool",),
    "seizure": ("bool",),
    "new_weakness": ("bool",),
    "vision_change": ("bool",),
    "sudden_severe_headache": ("bool",),
    "movement_changes": ("bool",),
    "nausea": ("choice", ("none", "appetite_loss", "reduced_intake", "unable_to_keep_fluids")),
    "vomiting_episodes_24h": ("int", 0, 40),
    "loose_stools_24h": ("int", 0, 40),
    "stool_blood": ("bool",),
    "abdominal_pain": ("choice", ("none", "mild", "moderate", "severe")),
    "rash_bsa_percent": ("number", 0, 100),
    "rash_blisters": ("bool",),
    "mucosal_sores": ("bool",),
    "itching": ("bool",),
    "flushing": ("bool",),
    "airway_swelling": ("bool",),
    "wheeze": ("bool",),
    "jaundice": ("bool",),
    "hives": ("choice", ("none", "local", "widespread")),
    "bruising": ("choice", ("none", "local", "widespread")),
    "petechiae": ("bool",),
    "bleeding_gums": ("bool",),
    "blood_in_urine": ("bool",),
    "vomiting_blood": ("bool",),
    "coughing_blood": ("bool",),
    "bleeding_uncontrolled": ("bool",),
    "nosebleed": ("bool",),
    "productive_cough": ("bool",),
    "burning_urination": ("bool",),
    "line_site_redness": ("bool",),
    "sore_throat": ("bool",),
    "note": ("text",),
}

CONTRACT_GROUPS = {
    "vitals": [
        "temperature_c",
        "systolic_bp",
        "diastolic_bp",
        "heart_rate",
        "spo2",
        "respiratory_rate",
        "antipyretic_last_6h",
    ],
    "brain": [
        "ice_score",
        "alertness",
        "confusion",
        "word_finding_trouble",
        "handwriting_changed",
        "tremor",
        "seizure",
        "new_weakness",
        "vision_change",
        "sudden_severe_headache",
        "movement_changes",
    ],
    "bleeding": [
        "bruising",
        "petechiae",
        "bleeding_gums",
        "blood_in_urine",
        "vomiting_blood",
        "coughing_blood",
        "bleeding_uncontrolled",
        "nosebleed",
    ],
    "infection": ["productive_cough", "burning_urination", "line_site_redness", "sore_throat"],
    "free_text": ["note"],
}

CONTRACT_CONTEXT = {
    "product": ("choice", ("CAR-T", "CIK", "DLI", "NK", "TIL", "OTHER")),
    "target": ("choice", ("CD19", "BCMA", "OTHER")),
    "cell_source": ("choice", ("autologous", "allogeneic")),
    "prior_allogeneic_transplant": ("bool",),
    "days_since_infusion": ("int", 0, None),
    "hours_since_infusion": ("number", 0, None),
    "crs_treated": ("bool",),
    "neutropenia_expected": ("bool",),
    "labs": ("object",),
    "baseline": ("object",),
    "site": ("object",),
}


def test_report_codes_are_exactly_the_contract_in_order():
    assert list(INPUTS) == list(CONTRACT_REPORT)
    assert all(item.code == code for code, item in INPUTS.items())


def test_report_types_ranges_and_choices_match_the_contract():
    for code, expected in CONTRACT_REPORT.items():
        item = INPUTS[code]
        assert item.kind == expected[0], code
        if item.kind in ("number", "int"):
            assert (item.minimum, item.maximum) == expected[1:], code
        elif item.kind == "choice":
            assert item.codes == expected[1], code
        elif item.kind == "text":
            assert (item.minimum, item.choices) == (None, ()), code
        else:
            assert item.minimum is None and item.maximum is None and item.choices == (), code


def test_note_is_free_text_of_at_most_2000_characters():
    assert INPUTS["note"].max_length == INPUTS["note"].maximum == NOTE_MAX_LENGTH == 2000
    assert INPUTS["temperature_c"].max_length is None


def test_every_input_has_a_known_group_and_each_group_is_used():
    for item in INPUTS.values():
        assert item.group in GROUPS, item.code
    for group in GROUPS:
        assert inputs_in_group(group), group
    for group, codes in CONTRACT_GROUPS.items():
        assert [item.code for item in inputs_in_group(group)] == codes


def test_every_user_facing_string_is_lazy_translatable_and_not_empty():
    assert all(isinstance(title, Promise) and str(title).strip() for title in GROUPS.values())
    every = [
        *INPUTS.values(),
        *CONTEXT.values(),
        *LABS.values(),
        *BASELINE.values(),
        *SITE.values(),
    ]
    for item in every:
        for text in (item.question, item.help):
            assert isinstance(text, Promise), item.code
            assert str(text).strip(), item.code
        for code, label in item.choices:
            assert isinstance(label, Promise), (item.code, code)
            assert str(label).strip(), (item.code, code)


def test_questions_are_distinct_and_questions_end_with_a_question_mark():
    questions = [str(item.question) for item in INPUTS.values()]
    assert len(set(questions)) == len(questions)
    assert all(q.endswith("?") for q in questions)


def test_numeric_report_inputs_say_which_way_is_worse():
    for item in INPUTS.values():
        if item.kind in ("number", "int"):
            assert item.worse in ("higher", "lower", "outward"), item.code
            if item.worse == "outward":
                low, high = item.normal
                assert item.minimum < low <= high < item.maximum, item.code
            assert item.unit, item.code


def test_context_keys_types_and_ranges_match_the_contract():
    assert list(CONTEXT) == list(CONTRACT_CONTEXT)
    for code, expected in CONTRACT_CONTEXT.items():
        item = CONTEXT[code]
        assert item.kind == expected[0], code
        if item.kind in ("number", "int"):
            assert (item.minimum, item.maximum) == expected[1:], code
        if item.kind == "choice":
            assert item.codes == expected[1], code
    assert CONTEXT["target"].nullable and CONTEXT["hours_since_infusion"].nullable
    assert [c for c, item in CONTEXT.items() if item.required] == [
        "product",
        "cell_source",
        "days_since_infusion",
    ]


def test_nested_context_objects():
    assert CONTEXT["labs"].fields is LABS
    assert CONTEXT["baseline"].fields is BASELINE
    assert CONTEXT["site"].fields is SITE
    assert {c: (i.kind, i.minimum, i.maximum) for c, i in LABS.items()} == {
        "anc": ("number", 0, 50),
        "platelets": ("number", 0, 1500),
        "hemoglobin": ("number", 2, 20),
    }
    assert list(BASELINE) == [
        "systolic_bp",
        "heart_rate",
        "spo2",
        "loose_stools_per_day",
        "ice_score",
        "breathlessness",
    ]
    assert (BASELINE["loose_stools_per_day"].minimum, BASELINE["loose_stools_per_day"].maximum) == (
        0,
        10,
    )
    assert (BASELINE["ice_score"].minimum, BASELINE["ice_score"].maximum) == (0, 10)
    assert BASELINE["breathlessness"].choices == INPUTS["breathlessness"].choices
    for code in ("systolic_bp", "heart_rate", "spo2"):
        assert (BASELINE[code].minimum, BASELINE[code].maximum) == (
            INPUTS[code].minimum,
            INPUTS[code].maximum,
        )
    fever = SITE["fever_threshold_c"]
    assert (fever.kind, fever.minimum, fever.maximum) == ("number", 37.0, 39.0)
    assert fever.default == DEFAULT_FEVER_THRESHOLD_C


def test_severity_is_the_index_in_the_choices():
    assert [severity("alertness", c) for c in INPUTS["alertness"].codes] == [0, 1, 2, 3, 4]
    assert severity("seizure", False) == 0
    assert severity("seizure", True) == 1


def test_is_worse_follows_the_clinical_direction():
    assert is_worse("chills", "none", "rigors")
    assert not is_worse("chills", "rigors", "shivering")
    assert is_worse("confusion", False, True)
    assert not is_worse("confusion", True, False)
    assert is_worse("spo2", 95, 93)
    assert not is_worse("spo2", 93, 95)
    assert is_worse("systolic_bp", 110, 88)
    assert is_worse("loose_stools_24h", 2, 6)
    assert not is_worse("ice_score", 8, 10)
    assert is_worse("ice_score", 10, 8)
    # Temperature and pulse are worse away from normal, on either side.
    assert is_worse("temperature_c", 36.8, 38.4)
    assert is_worse("temperature_c", 38.1, 39.0)
    assert is_worse("temperature_c", 36.5, 35.0)
    assert is_worse("temperature_c", 35.8, 35.0)
    assert not is_worse("temperature_c", 39.0, 38.1)
    assert not is_worse("temperature_c", 36.2, 36.8)
    assert not is_worse("temperature_c", 38.5, 35.0)  # a jump across normal is not compared
    assert not is_worse("temperature_c", 36.0, 37.1)  # 36.0 is on the low side already
    assert is_worse("temperature_c", 36.1, 36.0)
    assert is_worse("heart_rate", 90, 130)
    assert is_worse("respiratory_rate", 16, 26)
    assert is_worse("respiratory_rate", 12, 8)
    assert not is_worse("note", "a", "b")
