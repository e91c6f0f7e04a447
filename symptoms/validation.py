"""Checks a case (context, report, history, expectations) against the input catalogue.

The engine trusts its input, so everything that reaches it passes through here first. A value that
is not understood is never guessed at: it raises ``InvalidInput`` naming the key, for example
``report.temperature_c: 45.0 is outside 30.0–43.0``, and the caller refuses to give a triage.

Type rules: a bool is never a number (``true`` is not ``1``); an int is accepted where a number is
expected; a float with no fractional part (``118.0``) is accepted for an int field and returned as
an int; NaN and infinities are rejected; a ``Decimal`` (from a Django form) counts as a number.
``null`` is accepted only where the contract allows it (``context.target`` and
``context.hours_since_infusion``); a report value that was not measured is left out, never sent as
``null``. The functions return new plain dicts; the input is not modified.
"""

from __future__ import annotations

import difflib
import json
import math
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from symptoms.catalogue import CONTEXT, INPUTS, Input
from symptoms.levels import Category, Triage

CASE_KEYS = ("id", "context", "report", "history", "expect")
HISTORY_ITEM_KEYS = ("days_ago", "report")
EXPECT_KEYS = ("triage", "categories_any", "categories_none")
CASE_ID_MAX_LENGTH = 200


class InvalidInput(ValueError):
    """A value the engine must not see. ``key`` is a path such as ``history[0].report.spo2``."""

    def __init__(self, key: str, message: str) -> None:
        self.key = key
        self.message = message
        super().__init__(f"{key}: {message}" if key else message)

    def within(self, prefix: str) -> InvalidInput:
        """The same error, with its key path placed under ``prefix``."""
        if not self.key:
            key = prefix
        elif self.key.startswith("["):
            key = f"{prefix}{self.key}"
        else:
            key = f"{prefix}.{self.key}"
        return InvalidInput(key, self.message)


# -- Values ----------------------------------------------------------------------------------------


def _show(value: Any) -> str:
    """A short, JSON-like rendering of a value for an error message."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        text = value if len(value) <= 40 else value[:37] + "..."
        return repr(text)
    if isinstance(value, int | float):
        return repr(value)
    return type(value).__name__


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a true/false value"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, Mapping):
        return "an object"
    return type(value).__name__


def _check_range(item: Input, value: float, path: str) -> None:
    low, high = item.minimum, item.maximum
    if low is not None and high is not None:
        if not low <= value <= high:
            raise InvalidInput(path, f"{_show(value)} is outside {low!r}–{high!r}")
    elif low is not None and value < low:
        raise InvalidInput(path, f"{_show(value)} is below the minimum {low!r}")
    elif high is not None and value > high:
        raise InvalidInput(path, f"{_show(value)} is above the maximum {high!r}")


def _number(item: Input, value: Any, path: str) -> float:
    if isinstance(value, Decimal):  # from a Django DecimalField
        value = _from_decimal(value, path)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidInput(path, f"expected a number, got {_type_name(value)} {_show(value)}")
    if isinstance(value, float) and not math.isfinite(value):
        raise InvalidInput(path, f"expected a finite number, got {value!r}")
    _check_range(item, value, path)
    return float(value)


def _from_decimal(value: Decimal, path: str) -> float:
    if not value.is_finite():
        raise InvalidInput(path, f"expected a finite number, got {value}")
    return float(value)


def _int(item: Input, value: Any, path: str) -> int:
    if isinstance(value, Decimal):
        value = _from_decimal(value, path)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidInput(path, f"expected a whole number, got {_type_name(value)} {_show(value)}")
    if isinstance(value, float):
        if not math.isfinite(value):
            raise InvalidInput(path, f"expected a whole number, got {value!r}")
        if not value.is_integer():
            raise InvalidInput(path, f"expected a whole number, got {value!r}")
    _check_range(item, value, path)
    return int(value)


def _bool(item: Input, value: Any, path: str) -> bool:
    if not isinstance(value, bool):
        raise InvalidInput(path, f"expected true or false, got {_type_name(value)} {_show(value)}")
    return value


def _choice(item: Input, value: Any, path: str) -> str:
    if not isinstance(value, str):
        raise InvalidInput(
            path, f"expected one of {', '.join(item.codes)}, got {_type_name(value)} {_show(value)}"
        )
    if value not in item.codes:
        raise InvalidInput(path, f"{_show(value)} is not one of {', '.join(item.codes)}")
    return value


def _text(item: Input, value: Any, path: str) -> str:
    if not isinstance(value, str):
        raise InvalidInput(path, f"expected text, got {_type_name(value)} {_show(value)}")
    if item.max_length is not None and len(value) > item.max_length:
        raise InvalidInput(
            path, f"is {len(value)} characters long; at most {item.max_length} are allowed"
        )
    return value


def _object(item: Input, value: Any, path: str) -> dict[str, Any]:
    return _fields(item.fields, value, path)


_CHECKERS = {
    "number": _number,
    "int": _int,
    "bool": _bool,
    "choice": _choice,
    "text": _text,
    "object": _object,
}


def validate_value(item: Input, value: Any, path: str | None = None) -> Any:
    """One value of one catalogue input, cleaned; raises ``InvalidInput`` naming ``path``."""
    path = path or item.code
    if value is None:
        if item.nullable:
            return None
        raise InvalidInput(path, "null is not allowed; leave the key out when there is no value")
    return _CHECKERS[item.kind](item, value, path)


# -- Objects ---------------------------------------------------------------------------------------


def _unknown_key(key: Any, known: Mapping[str, Any] | tuple[str, ...], path: str) -> InvalidInput:
    where = f"{path}.{key}" if path else str(key)
    if not isinstance(key, str):
        return InvalidInput(path, f"keys must be text, got {_show(key)}")
    close = difflib.get_close_matches(key, list(known), n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return InvalidInput(where, f"unknown key{hint}")


def _require_object(value: Any, path: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise InvalidInput(path, f"expected an object, got {_type_name(value)}")
    return value


def _fields(catalogue: Mapping[str, Input], data: Any, path: str) -> dict[str, Any]:
    data = _require_object(data, path)
    for key in data:
        if key not in catalogue:
            raise _unknown_key(key, catalogue, path)
    clean: dict[str, Any] = {}
    for code, item in catalogue.items():
        if code in data:
            clean[code] = validate_value(item, data[code], f"{path}.{code}")
        elif item.required:
            raise InvalidInput(f"{path}.{code}", "is required")
    return clean


def validate_report(report: Any, path: str = "report") -> dict[str, Any]:
    """A report: every key optional, every key known, every value of the right type and range."""
    return _fields(INPUTS, report, path)


def validate_context(context: Any, path: str = "context") -> dict[str, Any]:
    """The therapy context: product, cell source and day are required; the rest is optional."""
    clean = _fields(CONTEXT, context, path)
    hours = clean.get("hours_since_infusion")
    if hours is not None:
        days = clean["days_since_infusion"]
        # Day 0 is the calendar day of the infusion, so on day d between (d - 1) * 24 and
        # (d + 1) * 24 hours have passed.
        low, high = max(0, (days - 1) * 24), (days + 1) * 24
        if not low <= hours <= high:
            raise InvalidInput(
                f"{path}.hours_since_infusion",
                f"{_show(hours)} does not match days_since_infusion {days} "
                f"(expected {low}–{high} hours)",
            )
    return clean


def validate_history(history: Any, path: str = "history") -> list[dict[str, Any]]:
    """Earlier reports, newest first: ``[{"days_ago": int >= 0, "report": {...}}, ...]``."""
    if not isinstance(history, list | tuple):
        raise InvalidInput(path, f"expected a list, got {_type_name(history)}")
    clean: list[dict[str, Any]] = []
    previous_days_ago: int | None = None
    for index, entry in enumerate(history):
        where = f"{path}[{index}]"
        entry = _require_object(entry, where)
        for key in entry:
            if key not in HISTORY_ITEM_KEYS:
                raise _unknown_key(key, HISTORY_ITEM_KEYS, where)
        for key in HISTORY_ITEM_KEYS:
            if key not in entry:
                raise InvalidInput(f"{where}.{key}", "is required")
        days_ago = _days_ago(entry["days_ago"], f"{where}.days_ago")
        if previous_days_ago is not None and days_ago < previous_days_ago:
            raise InvalidInput(
                f"{where}.days_ago",
                f"{days_ago} is newer than the entry before it ({previous_days_ago}); "
                "list earlier reports newest first",
            )
        previous_days_ago = days_ago
        clean.append(
            {"days_ago": days_ago, "report": validate_report(entry["report"], where + ".report")}
        )
    return clean


_DAYS_AGO = Input("days_ago", "int", "history", "", "", minimum=0)


def _days_ago(value: Any, path: str) -> int:
    return validate_value(_DAYS_AGO, value, path)


def validate_expect(expect: Any, path: str = "expect") -> dict[str, Any]:
    """What a vignette expects: an exact triage, maybe categories that must or must not fire."""
    expect = _require_object(expect, path)
    for key in expect:
        if key not in EXPECT_KEYS:
            raise _unknown_key(key, EXPECT_KEYS, path)
    if "triage" not in expect:
        raise InvalidInput(f"{path}.triage", "is required")
    triage = expect["triage"]
    levels = [level.name for level in Triage]
    if not isinstance(triage, str) or triage not in levels:
        raise InvalidInput(f"{path}.triage", f"{_show(triage)} is not one of {', '.join(levels)}")
    clean: dict[str, Any] = {"triage": triage}
    categories = [str(category) for category in Category]
    for key in ("categories_any", "categories_none"):
        if key not in expect:
            continue
        values = expect[key]
        if not isinstance(values, list | tuple):
            raise InvalidInput(f"{path}.{key}", f"expected a list, got {_type_name(values)}")
        for index, value in enumerate(values):
            if not isinstance(value, str) or value not in categories:
                raise InvalidInput(
                    f"{path}.{key}[{index}]",
                    f"{_show(value)} is not one of {', '.join(categories)}",
                )
        clean[key] = list(values)
    overlap = set(clean.get("categories_any", ())) & set(clean.get("categories_none", ()))
    if overlap:
        raise InvalidInput(
            path, f"{', '.join(sorted(overlap))} is in both categories_any and categories_none"
        )
    return clean


# -- JSON ------------------------------------------------------------------------------------------


class MalformedJSON(ValueError):
    """Text that is not strict JSON: a syntax error, NaN or Infinity, or a key given twice."""


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj: dict[str, Any] = {}
    for key, value in pairs:
        if key in obj:
            raise MalformedJSON(f"the key {key!r} appears twice in one object")
        obj[key] = value
    return obj


def _no_constants(name: str) -> Any:
    raise MalformedJSON(f"{name} is not valid JSON")


def parse_json(text: str) -> Any:
    """Strict JSON: refuses NaN/Infinity and repeated keys (which ``json`` would silently merge)."""
    try:
        return json.loads(text, object_pairs_hook=_no_duplicate_keys, parse_constant=_no_constants)
    except json.JSONDecodeError as exc:
        raise MalformedJSON(
            f"not valid JSON (line {exc.lineno}, column {exc.colno}): {exc.msg}"
        ) from exc
    except MalformedJSON:
        raise
    except (ValueError, RecursionError) as exc:
        raise MalformedJSON(f"not valid JSON: {exc}") from exc


# -- Cases -----------------------------------------------------------------------------------------


def clean_case(data: Any) -> dict[str, Any]:
    """A whole case file entry, cleaned: ``{"id", "context", "report", "history", "expect"}``.

    ``id`` and ``expect`` are ``None`` when the case has none; ``history`` defaults to [].
    """
    data = _require_object(data, "")
    for key in data:
        if key not in CASE_KEYS:
            raise _unknown_key(key, CASE_KEYS, "")
    case_id = data.get("id")
    if case_id is not None and (
        not isinstance(case_id, str) or not case_id.strip() or len(case_id) > CASE_ID_MAX_LENGTH
    ):
        raise InvalidInput(
            "id", f"expected non-empty text of at most {CASE_ID_MAX_LENGTH} characters"
        )
    for key in ("context", "report"):
        if key not in data:
            raise InvalidInput(key, "is required")
    return {
        "id": case_id,
        "context": validate_context(data["context"]),
        "report": validate_report(data["report"]),
        "history": validate_history(data.get("history", [])),
        "expect": validate_expect(data["expect"]) if "expect" in data else None,
    }


def validate_case(
    data: Any,
) -> tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]]]:
    """A case file entry checked in full; returns the clean ``(context, report, history)``."""
    case = clean_case(data)
    return case["context"], case["report"], case["history"]


def clean_case_list(data: Any, where: str) -> tuple[list[dict[str, Any]], list[str]]:
    """A parsed case file (one case object, or a list of them) checked in full.

    Returns the clean cases and one error line per malformed case, each naming ``where`` (the file),
    the case's index in a list and its id when it has one, and the key: every case is checked, so a
    file with several mistakes shows them all at once.
    """
    if isinstance(data, Mapping):
        raw, listed = [data], False
    elif isinstance(data, list):
        raw, listed = data, True
    else:
        return [], [f"{where}: expected a case object or a list of cases, got {_type_name(data)}"]
    cases: list[dict[str, Any]] = []
    errors: list[str] = []
    for index, item in enumerate(raw):
        label = f"{where}: case [{index}]" if listed else f"{where}: case"
        case_id = item.get("id") if isinstance(item, Mapping) else None
        if isinstance(case_id, str) and case_id:
            label += f" (id {case_id[:CASE_ID_MAX_LENGTH]!r})"
        try:
            cases.append(clean_case(item))
        except InvalidInput as exc:
            errors.append(f"{label}: {exc}")
    return cases, errors
