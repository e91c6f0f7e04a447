"""Form fields of the check-in that own their conversion: a reading in the user's own format, a
temperature in °C or °F, the carer's brain check as one score. Ranges come from the catalogue.

Each field returns the value the report stores (a temperature in °C, an ICE score from 0 to 10) or
``None`` when nothing was typed; an impossible value is refused next to its field with the range,
in the unit the person used.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from symptoms.catalogue import INPUTS
from symptoms.explain import number_text

CELSIUS, FAHRENHEIT = "C", "F"


def fahrenheit_to_celsius(value: Decimal) -> Decimal:
    return ((value - 32) * 5 / 9).quantize(Decimal("0.1"))


def celsius_to_fahrenheit(value: float) -> Decimal:
    return (Decimal(str(value)) * 9 / 5 + 32).quantize(Decimal("0.1"))


def out_of_range(value: Any, unit: str, low: Any, high: Any) -> ValidationError:
    return ValidationError(
        _(
            "%(value)s %(unit)s cannot be right. It must be between %(low)s and %(high)s "
            "%(unit)s. Please measure again."
        ),
        code="out_of_range",
        params={
            "value": formats.localize(value),
            "unit": unit,
            "low": formats.localize(low),
            "high": formats.localize(high),
        },
    )


class CatalogueRange:
    """A validator: the value must lie in the catalogue's range for ``code``."""

    def __init__(self, code: str) -> None:
        self.item = INPUTS[code]

    def __call__(self, value: Any) -> None:
        item = self.item
        if not item.minimum <= value <= item.maximum:
            low, high = number_text(item.minimum), number_text(item.maximum)
            raise out_of_range(value, str(item.unit), low, high)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CatalogueRange) and other.item == self.item


class ReadingField(forms.DecimalField):
    """A number with a decimal part, as a person types it in their language: 38.5 or 38,5.

    A plain text box (with the phone's number keyboard), not ``type="number"``: a browser drops a
    number it cannot parse in its own locale ("38,5" in an English browser) and sends an empty box,
    which would read as "not measured". A comma is read as the decimal mark in every language (a
    reading has no thousands), and the value is shown back in the user's own format.
    """

    widget = forms.TextInput

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("localize", True)
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": "decimal", "autocomplete": "off"})

    def to_python(self, value: Any) -> Decimal | None:
        if isinstance(value, str):
            value = value.strip()
            if value.count(",") == 1 and "." not in value:
                value = value.replace(",", ".")
        return super().to_python(value)


class NamedMultiWidget(forms.MultiWidget):
    """A MultiWidget whose parts keep their own names and ids (``temperature``,
    ``temperature_unit``; ``ice_1`` … ``ice_10``) rather than ``_0``, ``_1``: the page's labels,
    links to errors and the tests name them so."""

    template_name = ""

    def get_context(self, name: str, value: Any, attrs: dict[str, Any]) -> dict[str, Any]:
        context = forms.Widget.get_context(self, name, value, attrs)
        if not isinstance(value, list | tuple):
            value = self.decompress(value)
        final_attrs = context["widget"]["attrs"]
        id_ = final_attrs.get("id")
        parts = []
        for i, (suffix, widget) in enumerate(zip(self.widgets_names, self.widgets, strict=True)):
            part_attrs = {**final_attrs, "id": f"{id_}{suffix}"} if id_ else final_attrs
            part_value = value[i] if i < len(value) else None
            parts.append(widget.get_context(name + suffix, part_value, part_attrs)["widget"])
        context["widget"]["subwidgets"] = parts
        return context

    def decompress(self, value: Any) -> list[Any]:
        return [None] * len(self.widgets)


class TemperatureWidget(NamedMultiWidget):
    template_name = "widgets/temperature.html"
    use_fieldset = False  # the page labels the reading's box; its help and errors describe it

    def __init__(self) -> None:
        unit = forms.RadioSelect(choices=[(CELSIUS, "°C"), (FAHRENHEIT, "°F")])
        reading = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})
        super().__init__({"": reading, "unit": unit})

    def decompress(self, value: Any) -> list[Any]:
        return [value, CELSIUS]

    def id_for_label(self, id_: str) -> str:
        return id_  # the reading's own box: its label is the question


class TemperatureField(forms.MultiValueField):
    """A temperature and its unit; returns degrees Celsius (one decimal) or ``None``."""

    widget = TemperatureWidget

    def __init__(self, **kwargs: Any) -> None:
        self.item = INPUTS["temperature_c"]
        fields = (
            ReadingField(max_digits=5, decimal_places=1, required=False),
            forms.ChoiceField(choices=[(CELSIUS, "°C"), (FAHRENHEIT, "°F")], required=False),
        )
        kwargs.update(label=self.item.question, help_text=self.item.help, required=False)
        super().__init__(fields, require_all_fields=False, **kwargs)
        self.unit = self.item.unit
        self.code = self.item.code

    def compress(self, data_list: list[Any]) -> Decimal | None:
        if not data_list or data_list[0] in self.empty_values:
            return None
        value, unit = data_list[0], data_list[1] or CELSIUS
        celsius = fahrenheit_to_celsius(value) if unit == FAHRENHEIT else value
        low, high = self.item.minimum, self.item.maximum
        if not low <= celsius <= high:
            if unit == CELSIUS and low <= fahrenheit_to_celsius(value) <= high:
                # 98.6 is a normal temperature in °F, not an impossible one in °C.
                raise ValidationError(
                    _(
                        "Did you mean %(value)s °F (%(celsius)s °C)? If so, choose °F and send "
                        "again."
                    ),
                    code="fahrenheit",
                    params={
                        "value": formats.localize(value),
                        "celsius": formats.localize(fahrenheit_to_celsius(value)),
                    },
                )
            if unit == FAHRENHEIT:
                raise out_of_range(
                    value, "°F", celsius_to_fahrenheit(low), celsius_to_fahrenheit(high)
                )
            raise out_of_range(value, str(self.item.unit), number_text(low), number_text(high))
        return celsius


class BrainCheckWidget(NamedMultiWidget):
    template_name = "widgets/brain_check.html"

    def __init__(self, steps: tuple[Any, ...], choices: list[tuple[str, Any]]) -> None:
        self.steps = steps
        radios = {str(i): forms.RadioSelect(choices=choices) for i in range(1, len(steps) + 1)}
        super().__init__(radios)

    def get_context(self, name: str, value: Any, attrs: dict[str, Any]) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        for part, step in zip(context["widget"]["subwidgets"], self.steps, strict=True):
            part["step"] = step
        return context


class BrainCheckField(forms.MultiValueField):
    """The carer-run ICE check (rules reference 4.1), step by step; returns the score, 0 to 10.

    Each step is right or wrong; the score is the number of right answers. All steps empty means
    the check was not done (``None``); some steps empty asks to finish it.
    """

    RIGHT, WRONG = "right", "wrong"

    def __init__(self, steps: tuple[Any, ...], **kwargs: Any) -> None:
        choices = [(self.RIGHT, _("Right")), (self.WRONG, _("Wrong, or no answer"))]
        fields = tuple(forms.ChoiceField(choices=choices, required=False) for _step in steps)
        kwargs.setdefault("required", False)
        super().__init__(
            fields, widget=BrainCheckWidget(steps, choices), require_all_fields=False, **kwargs
        )
        self.steps = steps

    def compress(self, data_list: list[Any]) -> int | None:
        answered = [answer for answer in data_list if answer]
        if not answered:
            return None
        if len(answered) < len(self.steps):
            raise ValidationError(
                _(
                    "Please answer every step of the brain check, or leave them all empty if you "
                    "could not do it."
                ),
                code="incomplete",
            )
        return sum(answer == self.RIGHT for answer in answered)


def catalogue_field(code: str, **overrides: Any) -> forms.Field:
    """A form field for one report input, as the catalogue describes it, its range checked."""
    item = INPUTS[code]
    common: dict[str, Any] = {"label": item.question, "help_text": item.help, "required": False}
    if item.kind == "choice":
        field: forms.Field = forms.ChoiceField(
            choices=list(item.choices), widget=forms.RadioSelect, **common
        )
    elif item.kind == "bool":
        field = forms.BooleanField(**common)
    elif item.kind == "int":
        field = forms.IntegerField(
            widget=forms.NumberInput(attrs={"inputmode": "numeric"}), **common
        )
    elif item.kind == "number":
        field = ReadingField(max_digits=5, decimal_places=1, **common)
    else:
        field = forms.CharField(
            max_length=item.max_length,
            widget=forms.Textarea(attrs={"rows": 3}),
            **common,
        )
    if item.kind in ("int", "number"):
        field.validators.append(CatalogueRange(code))
    for name, value in overrides.items():
        setattr(field, name, value)
    field.code = code
    field.unit = item.unit
    return field
