"""The chart model: scaling, threshold lines, gaps for values not measured, the text alternative."""

from dataclasses import fields

import pytest
from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils import translation

from tracker import charts
from tracker.charts import Reading, Series, Threshold


def temperatures(*values, start=0.5):
    return [Reading(start + i, v, f"day {i}") for i, v in enumerate(values)]


def test_scale_maps_the_range_and_can_run_backwards_for_the_y_axis():
    assert charts.scale(5, 0, 10, 0, 100) == 50
    assert charts.scale(36, 36, 40, 200, 20) == 200
    assert charts.scale(40, 36, 40, 200, 20) == 20


@pytest.mark.parametrize(
    ("span", "step"), [(10, 2), (4.5, 1), (0.5, 0.1), (0.6, 0.2), (70, 20), (12, 2.5), (0.0, 1.0)]
)
def test_tick_steps_are_round_numbers(span, step):
    assert charts.nice_step(span, 5) == pytest.approx(step)


def test_the_y_range_always_shows_every_threshold_line_even_with_normal_readings():
    lines = [Threshold(38.0, ">=", "fever"), Threshold(40.0, ">", "grade 3")]
    lo, hi, _step = charts.y_range([36.8, 37.0], lines, min_span=2)
    assert lo <= 36.8 and hi >= 40.0


def test_the_y_range_has_a_minimum_span_and_stays_within_floor_and_ceiling():
    lo, hi, _step = charts.y_range([97, 98, 100], [], min_span=8, ceiling=100)
    assert hi == 100
    assert hi - lo >= 8
    lo, _hi, _step = charts.y_range([3], [], min_span=40, floor=0)
    assert lo == 0


def test_y_ticks_are_labelled_with_the_chart_decimals():
    ticks = charts.y_ticks(36.0, 38.0, 0.5, 1)
    assert [label for _at, label in ticks] == ["36.0", "36.5", "37.0", "37.5", "38.0"]


def test_a_check_in_without_the_value_breaks_the_line_instead_of_drawing_a_zero():
    runs = charts.segments(temperatures(37.0, 37.2, None, 38.1, 38.4))
    assert [[r.value for r in run] for run in runs] == [[37.0, 37.2], [38.1, 38.4]]


def test_days_without_any_check_in_break_the_line_too():
    readings = [Reading(0.4, 37.0, "a"), Reading(1.4, 37.1, "b"), Reading(4.4, 37.2, "c")]
    runs = charts.segments(readings)
    assert [[r.value for r in run] for run in runs] == [[37.0, 37.1], [37.2]]


def test_a_chart_draws_no_point_at_zero_for_a_missing_value():
    chart = charts.line_chart(
        slug="t",
        title="Temperature",
        unit="°C",
        series=[Series("Temperature", temperatures(37.0, None, 37.4))],
        days=(0, 2),
        decimals=1,
        min_span=2,
    )
    (drawn,) = chart.series
    assert len(drawn.dots) == 2
    assert drawn.paths == []  # the two readings are not joined across the missing one
    bottom = chart.box.plot_bottom
    assert all(dot.y < bottom for dot in drawn.dots)
    assert [row.values for row in chart.rows] == [["37.0 °C"], ["not measured"], ["37.4 °C"]]


def test_threshold_lines_are_drawn_at_their_value_with_their_label():
    fever = Threshold(38.0, ">=", "fever ≥ 38.0")
    chart = charts.line_chart(
        slug="t",
        title="Temperature",
        unit="°C",
        series=[Series("Temperature", temperatures(36.9, 38.0))],
        thresholds=[fever],
        days=(0, 1),
        decimals=1,
        min_span=2,
    )
    (line,) = chart.thresholds
    assert line.label == "fever ≥ 38.0"
    normal, feverish = chart.series[0].dots
    assert line.y == feverish.y  # the 38.0 reading sits on the line
    assert feverish.alert and not normal.alert
    assert feverish.y < normal.y  # higher values are higher up


@pytest.mark.parametrize(
    ("op", "value", "breached"),
    [(">=", 38.0, True), (">", 39.0, False), ("<", 89, True), ("<", 90, False), ("<=", 92, True)],
)
def test_a_threshold_fires_on_the_side_the_rule_says(op, value, breached):
    limit = {">=": 38.0, ">": 39.0, "<": 90, "<=": 92}[op]
    assert Threshold(limit, op, "x").breached(value) is breached


def test_an_unknown_comparison_is_refused():
    with pytest.raises(ValueError, match="comparison"):
        Threshold(1, "=>", "x")


def test_days_are_placed_with_the_time_of_day_and_labelled_in_the_middle_of_each_day():
    chart = charts.line_chart(
        slug="t",
        title="Pulse",
        unit="bpm",
        series=[Series("Pulse", [Reading(0.0, 80, "a"), Reading(3.999, 90, "b")])],
        days=(0, 3),
        box=charts.Box(width=448, left=48, right=0),
    )
    # 4 days over 400 units: 100 per day, day 0 starts at 48.
    assert [t.label for t in chart.x_ticks] == ["0", "1", "2", "3"]
    assert chart.x_ticks[0].at == 98
    assert chart.series[0].dots[0].x == 48
    assert chart.series[0].dots[1].x == pytest.approx(447.9, abs=0.1)


def test_long_courses_label_fewer_days_and_always_day_0():
    labelled = charts.day_labels(-3, 120, most=12)
    assert 0 in labelled
    assert len(labelled) <= 12


def test_close_threshold_labels_do_not_overlap():
    above_92, above_94 = charts.label_positions([100.0, 92.0])
    assert abs(above_92 - above_94) >= 12


def test_the_description_gives_the_numbers_for_screen_readers():
    chart = charts.line_chart(
        slug="t",
        title="Temperature",
        unit="°C",
        series=[Series("Temperature", temperatures(37.0, None, 38.6))],
        thresholds=[Threshold(38.0, ">=", "fever ≥ 38.0")],
        days=(0, 2),
        decimals=1,
    )
    assert "2 readings" in chart.description
    assert "highest 38.6 °C (day 2)" in chart.description
    assert "1 reading is past a line" in chart.description
    assert "1 check-in did not measure it" in chart.description
    assert "fever ≥ 38.0" in chart.description


def test_a_line_about_one_series_does_not_mark_the_other():
    systolic = Series("Systolic", [Reading(0.5, 85, "a"), Reading(1.5, 120, "b")])
    diastolic = Series("Diastolic", [Reading(0.5, 60, "a")], style="secondary", checked=False)
    chart = charts.line_chart(
        slug="bp",
        title="Blood pressure",
        unit="mmHg",
        series=[systolic, diastolic],
        thresholds=[Threshold(90, "<", "systolic < 90")],
        days=(0, 1),
    )
    low, normal = chart.series[0].dots
    assert low.alert and not normal.alert
    assert not chart.series[1].dots[0].alert
    assert "Diastolic: 1 reading, 60 mmHg." in chart.description


# -- A plan: the chart's values, drawn only when no drawing of the same values is kept -------------


def fever_plan(**changes) -> charts.Plan:
    values = {
        "slug": "t",
        "title": "T",
        "unit": "°C",
        "series": [Series("T", temperatures(37.0, None, 38.6))],
        "thresholds": [Threshold(38.0, ">=", "fever")],
        "days": (0, 2),
        "decimals": 1,
        "min_span": 2,
    }
    return charts.Plan(**{**values, **changes})


def test_a_plan_draws_what_line_chart_draws():
    plan = fever_plan()
    assert plan.draw() == charts.line_chart(**{f.name: getattr(plan, f.name) for f in fields(plan)})


@pytest.mark.parametrize(
    "change",
    [
        {"slug": "u"},
        {"title": "U"},
        {"unit": "°F"},
        {"series": [Series("T", temperatures(37.0, None, 38.7))]},
        {"series": [Series("T", temperatures(37.0, None, 38.6, start=0.6))]},
        {"series": [Series("T", [Reading(0.5, 37.0, "day 0, 12:00")])]},
        {"series": [Series("T", temperatures(37.0, None, 38.6), style="secondary")]},
        {"series": [Series("T", temperatures(37.0, None, 38.6), checked=False)]},
        {"thresholds": [Threshold(38.0, ">", "fever")]},
        {"thresholds": [Threshold(38.0, ">=", "fever ≥ 38.0")]},
        {"days": (0, 3)},
        {"decimals": 0},
        {"min_span": 3},
        {"floor": 30},
        {"ceiling": 45},
        {"markers": [charts.Marker(0.2, "CAR-T")]},
        {"box": charts.NARROW},
    ],
)
def test_a_plans_fingerprint_changes_with_any_of_its_values(change):
    assert fever_plan().fingerprint == fever_plan().fingerprint
    assert fever_plan(**change).fingerprint != fever_plan().fingerprint


def test_a_kept_chart_is_the_one_drawn_afresh_in_each_language():
    def drawn(language: str) -> str:
        with translation.override(language):
            return render_to_string("charts.html#line-chart", {"chart": fever_plan()})

    cache.clear()
    english, spanish = drawn("en"), drawn("es")
    assert "38.6 °C" in english and "38,6 °C" in spanish
    assert "show the numbers" in english and "show the numbers" not in spanish
    assert (drawn("en"), drawn("es")) == (english, spanish)  # kept
    cache.clear()
    assert (drawn("es"), drawn("en")) == (spanish, english)  # afresh, the other way round
