"""Case validation: every kind of mistake is refused with a message that names the key."""

import copy
from decimal import Decimal

import pytest

from symptoms.validation import (
    InvalidInput,
    MalformedJSON,
    clean_case,
    clean_case_list,
    parse_json,
    validate_case,
    validate_context,
    validate_expect,
    validate_history,
    validate_report,
)

CONTEXT = {
    "product": "CAR-T",
    "target": "CD19",
    "cell_source": "autologous",
    "prior_allogeneic_transplant": False,
    "days_since_infusion": 2,
    "crs_treated": False,
}


def case(**changes):
    data = {
        "id": "example-fever-day-2",
        "context": copy.deepcopy(CONTEXT),
        "report": {"temperature_c": 38.4, "systolic_bp": 118, "spo2": 97, "ice_score": 10},
        "history": [{"days_ago": 1, "report": {"temperature_c": 37.1}}],
        "expect": {"triage": "URGENT_NOW", "categories_any": ["CRS"], "categories_none": ["GVHD"]},
    }
    data.update(changes)
    return data


def error(func, *args):
    with pytest.raises(InvalidInput) as info:
        func(*args)
    return info.value


# -- A valid case ----------------------------------------------------------------------------------


def test_a_valid_case_comes_back_clean_and_the_input_is_untouched():
    data = case()
    before = copy.deepcopy(data)
    context, report, history = validate_case(data)
    assert data == before
    assert context == CONTEXT
    assert report == {"temperature_c": 38.4, "systolic_bp": 118, "spo2": 97, "ice_score": 10}
    assert history == [{"days_ago": 1, "report": {"temperature_c": 37.1}}]
    assert clean_case(data)["expect"]["triage"] == "URGENT_NOW"


def test_optional_parts_may_be_left_out():
    cleaned = clean_case(
        {
            "context": {"product": "DLI", "cell_source": "allogeneic", "days_since_infusion": 0},
            "report": {},
        }
    )
    assert cleaned == {
        "id": None,
        "context": {"product": "DLI", "cell_source": "allogeneic", "days_since_infusion": 0},
        "report": {},
        "history": [],
        "expect": None,
    }


def test_ints_are_accepted_for_numbers_and_whole_floats_for_ints():
    report = validate_report({"temperature_c": 38, "systolic_bp": 118.0, "rash_bsa_percent": 15})
    assert report == {"temperature_c": 38.0, "systolic_bp": 118, "rash_bsa_percent": 15.0}
    assert type(report["systolic_bp"]) is int
    assert type(report["temperature_c"]) is float


def test_decimals_from_forms_count_as_numbers():
    report = validate_report({"temperature_c": Decimal("38.4"), "ice_score": Decimal("9")})
    assert report == {"temperature_c": 38.4, "ice_score": 9}
    assert error(validate_report, {"temperature_c": Decimal("NaN")}).key == "report.temperature_c"
    assert error(validate_report, {"ice_score": Decimal("9.5")}).key == "report.ice_score"


def test_range_ends_are_accepted():
    validate_report({"temperature_c": 30.0, "spo2": 100, "ice_score": 0, "loose_stools_24h": 40})
    validate_report({"temperature_c": 43.0, "spo2": 50, "ice_score": 10, "rash_bsa_percent": 100})


# -- Report errors ---------------------------------------------------------------------------------


def test_out_of_range_names_the_key_and_the_range():
    exc = error(validate_report, {"temperature_c": 45.0})
    assert str(exc) == "report.temperature_c: 45.0 is outside 30.0–43.0"
    assert exc.key == "report.temperature_c"
    assert isinstance(exc, ValueError)
    assert (
        str(error(validate_report, {"systolic_bp": 300}))
        == "report.systolic_bp: 300 is outside 50–260"
    )
    assert "report.spo2" in str(error(validate_report, {"spo2": 49}))
    assert "report.vomiting_episodes_24h" in str(
        error(validate_report, {"vomiting_episodes_24h": -1})
    )


def test_unknown_key_is_named_with_a_suggestion():
    exc = error(validate_report, {"temperature": 38.0})
    assert exc.key == "report.temperature"
    assert "unknown key" in str(exc)
    assert "temperature_c" in str(exc)


@pytest.mark.parametrize(
    ("report", "key"),
    [
        ({"ice_score": True}, "report.ice_score"),  # a bool is not an int
        ({"systolic_bp": False}, "report.systolic_bp"),
        ({"temperature_c": True}, "report.temperature_c"),  # nor a number
        ({"ice_score": 9.5}, "report.ice_score"),  # a fraction is not a whole number
        ({"heart_rate": "90"}, "report.heart_rate"),  # text is not a number
        ({"temperature_c": "38.4"}, "report.temperature_c"),
        ({"seizure": 1}, "report.seizure"),  # 1 is not true
        ({"seizure": "yes"}, "report.seizure"),
        ({"chills": True}, "report.chills"),
        ({"chills": "hot"}, "report.chills"),  # unknown choice
        ({"chills": "Rigors"}, "report.chills"),  # codes are exact
        ({"note": 5}, "report.note"),
        ({"note": "x" * 2001}, "report.note"),
        ({"temperature_c": None}, "report.temperature_c"),  # leave it out instead
        ({"spo2": [97]}, "report.spo2"),
    ],
)
def test_wrong_types_are_refused_naming_the_key(report, key):
    exc = error(validate_report, report)
    assert exc.key == key
    assert str(exc).startswith(f"{key}: ")


def test_the_longest_note_is_accepted():
    assert validate_report({"note": "x" * 2000})["note"] == "x" * 2000


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
def test_nan_and_infinity_are_refused(value):
    assert error(validate_report, {"temperature_c": value}).key == "report.temperature_c"
    assert error(validate_report, {"ice_score": value}).key == "report.ice_score"


def test_a_report_must_be_an_object():
    assert error(validate_report, [1, 2]).key == "report"
    assert "expected an object" in str(error(validate_report, "fever"))


# -- Context errors --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "key"),
    [
        ({"product": "CART"}, "context.product"),
        ({"target": "CD20"}, "context.target"),
        ({"cell_source": "donor"}, "context.cell_source"),
        ({"cell_source": None}, "context.cell_source"),
        ({"days_since_infusion": -1}, "context.days_since_infusion"),
        ({"days_since_infusion": 2.5}, "context.days_since_infusion"),
        ({"days_since_infusion": True}, "context.days_since_infusion"),
        ({"hours_since_infusion": -0.5}, "context.hours_since_infusion"),
        ({"hours_since_infusion": 100}, "context.hours_since_infusion"),  # not on day 2
        ({"prior_allogeneic_transplant": "no"}, "context.prior_allogeneic_transplant"),
        ({"crs_treated": 0}, "context.crs_treated"),
        ({"weight_kg": 70}, "context.weight_kg"),
        ({"labs": {"anc": 51}}, "context.labs.anc"),
        ({"labs": {"platelets": -1}}, "context.labs.platelets"),
        ({"labs": {"hemoglobin": 1.5}}, "context.labs.hemoglobin"),
        ({"labs": {"hemoglobin": 21}}, "context.labs.hemoglobin"),
        ({"labs": {"crp": 5}}, "context.labs.crp"),
        ({"labs": [1]}, "context.labs"),
        ({"baseline": {"loose_stools_per_day": 11}}, "context.baseline.loose_stools_per_day"),
        ({"baseline": {"ice_score": 11}}, "context.baseline.ice_score"),
        ({"baseline": {"spo2": True}}, "context.baseline.spo2"),
        ({"baseline": {"breathlessness": "some"}}, "context.baseline.breathlessness"),
        ({"baseline": {"temperature_c": 37}}, "context.baseline.temperature_c"),
        ({"site": {"fever_threshold_c": 36.5}}, "context.site.fever_threshold_c"),
        ({"site": {"fever_threshold_c": 39.5}}, "context.site.fever_threshold_c"),
        ({"site": {"sbp_low": 90}}, "context.site.sbp_low"),
    ],
)
def test_context_errors_name_the_nested_key(change, key):
    context = {**CONTEXT, **change}
    exc = error(validate_context, context)
    assert exc.key == key, str(exc)


@pytest.mark.parametrize("missing", ["product", "cell_source", "days_since_infusion"])
def test_required_context_keys(missing):
    context = {k: v for k, v in CONTEXT.items() if k != missing}
    exc = error(validate_context, context)
    assert str(exc) == f"context.{missing}: is required"


def test_nullable_context_keys_and_nested_values():
    context = validate_context(
        {
            **CONTEXT,
            "target": None,
            "hours_since_infusion": None,
            "labs": {"anc": 0.4, "platelets": 18, "hemoglobin": 9.1},
            "baseline": {
                "systolic_bp": 125,
                "heart_rate": 70,
                "spo2": 95,
                "loose_stools_per_day": 1,
                "ice_score": 10,
                "breathlessness": "moderate_exertion",
            },
            "site": {"fever_threshold_c": 37.5},
        }
    )
    assert context["target"] is None and context["hours_since_infusion"] is None
    assert context["labs"] == {"anc": 0.4, "platelets": 18.0, "hemoglobin": 9.1}
    assert context["site"] == {"fever_threshold_c": 37.5}


def test_hours_must_agree_with_the_day():
    base = {**CONTEXT, "days_since_infusion": 0}
    assert validate_context({**base, "hours_since_infusion": 1})["hours_since_infusion"] == 1.0
    assert validate_context({**base, "days_since_infusion": 1, "hours_since_infusion": 30})
    exc = error(validate_context, {**base, "hours_since_infusion": 49})
    assert exc.key == "context.hours_since_infusion"
    assert "days_since_infusion 0" in str(exc)


# -- History ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("history", "key"),
    [
        ({"days_ago": 1}, "history"),
        ([{"days_ago": 1}], "history[0].report"),
        ([{"report": {}}], "history[0].days_ago"),
        ([{"days_ago": -1, "report": {}}], "history[0].days_ago"),
        ([{"days_ago": True, "report": {}}], "history[0].days_ago"),
        ([{"days_ago": 1.5, "report": {}}], "history[0].days_ago"),
        ([{"days_ago": 1, "report": {}, "when": "x"}], "history[0].when"),
        ([{"days_ago": 1, "report": {"spo2": 101}}], "history[0].report.spo2"),
        (
            [{"days_ago": 0, "report": {}}, {"days_ago": 1, "report": {"fatigue": "lots"}}],
            "history[1].report.fatigue",
        ),
        ([{"days_ago": 3, "report": {}}, {"days_ago": 1, "report": {}}], "history[1].days_ago"),
        (["x"], "history[0]"),
    ],
)
def test_history_errors_name_the_item_and_key(history, key):
    assert error(validate_history, history).key == key


def test_history_newest_first_with_same_day_reports():
    history = [
        {"days_ago": 0, "report": {}},
        {"days_ago": 0, "report": {}},
        {"days_ago": 2, "report": {}},
    ]
    assert [h["days_ago"] for h in validate_history(history)] == [0, 0, 2]


# -- Expectations and whole cases ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expect", "key"),
    [
        ({}, "expect.triage"),
        ({"triage": "URGENT"}, "expect.triage"),
        ({"triage": "urgent_now"}, "expect.triage"),
        ({"triage": "NONE", "categories_any": "CRS"}, "expect.categories_any"),
        ({"triage": "NONE", "categories_any": ["CRS", "ICANS"]}, "expect.categories_any[1]"),
        ({"triage": "NONE", "categories_none": ["gvhd"]}, "expect.categories_none[0]"),
        ({"triage": "NONE", "categories_any": ["GVHD"], "categories_none": ["GVHD"]}, "expect"),
        ({"triage": "NONE", "rules": ["CRS-01"]}, "expect.rules"),
    ],
)
def test_expect_errors(expect, key):
    assert error(validate_expect, expect).key == key


@pytest.mark.parametrize(
    ("data", "key"),
    [
        (case(reports={}), "reports"),
        ({"context": CONTEXT}, "report"),
        ({"report": {}}, "context"),
        (case(id=""), "id"),
        (case(id=7), "id"),
        (case(report={"temperature_c": 45.0}), "report.temperature_c"),
        (
            case(history=[{"days_ago": 1, "report": {"temperature_c": "hot"}}]),
            "history[0].report.temperature_c",
        ),
        (case(expect={"triage": "SOON"}), "expect.triage"),
    ],
)
def test_case_errors_name_the_key(data, key):
    assert error(clean_case, data).key == key


def test_a_case_must_be_an_object():
    assert "expected an object" in str(error(clean_case, [case()]))


def test_invalid_input_within_prefixes_the_path():
    exc = InvalidInput("report.spo2", "49 is outside 50–100").within("cases[3]")
    assert str(exc) == "cases[3].report.spo2: 49 is outside 50–100"
    assert InvalidInput("[0].x", "m").within("history").key == "history[0].x"


def test_case_lists_report_every_malformed_case_with_its_index_and_id():
    good = case(id="good")
    bad1 = case(id="bad-one", report={"spo2": 101})
    bad2 = case(context={**CONTEXT, "product": "X"})
    bad2.pop("id")
    cases, errors = clean_case_list([good, bad1, bad2], "cases.json")
    assert [c["id"] for c in cases] == ["good"]
    assert errors == [
        "cases.json: case [1] (id 'bad-one'): report.spo2: 101 is outside 50–100",
        "cases.json: case [2]: context.product: 'X' is not one of CAR-T, CIK, DLI, NK, TIL, OTHER",
    ]
    assert clean_case_list("x", "f.json")[1] == [
        "f.json: expected a case object or a list of cases, got text"
    ]


# -- Strict JSON -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        '{"report": {"temperature_c": NaN}}',
        '{"report": {"temperature_c": Infinity}}',
        '{"report": {"spo2": 97, "spo2": 85}}',
        '{"report": ',
        "",
        "[" * 100000,
    ],
)
def test_parse_json_is_strict(text):
    with pytest.raises(MalformedJSON):
        parse_json(text)


def test_parse_json_reports_where_the_syntax_error_is():
    with pytest.raises(MalformedJSON, match=r"line 2, column"):
        parse_json('{"a": 1,\n "b" 2}')


def test_huge_exponents_become_infinity_and_are_refused():
    data = parse_json('{"temperature_c": 1e400}')
    assert error(validate_report, data).key == "report.temperature_c"
