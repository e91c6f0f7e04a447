"""Cache keys for the check-in markup that is the same for every patient with the same form.

Drawing the check-in page's ~95 widgets through templates was most of its cost, and an unanswered
form is drawn from the form alone: its questions, its starting values (the team's temperature
unit, the devices the patient has) and the language. The page keeps that markup in the
"template_fragments" cache (``{% cache %}``) around the temperature card and around the rest of
the questions (the closed body systems' questions in ``<noscript>`` included), and so does the
view htmx asks for one body system's questions: a few dozen entries of 2-30 KB a process. The key
(``CheckInForm.cache_key``) is made of everything the markup is drawn from:

- the language, the form's prefix and ids, and every starting value (not the submission key,
  drawn outside the cache);
- the questions as the code defines them: fields, widgets, wording, choices (``describe``);
- the templates and the translation catalogue the words come from (each file's size and time of
  change, ``sources_stamp``), and Django's version (its own widget templates);
- in the template: the body system, and whether the brain check is guided step by step.

A change in any of these reads another entry; nothing has to be cleared. A form with answers (sent
back with errors, a draft) has no key and is always drawn afresh.
"""

from __future__ import annotations

import functools
import hashlib
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import django
from django import forms
from django.conf import settings
from django.forms.renderers import get_default_renderer
from django.template.loader import get_template
from django.utils import translation

# The page's templates, and those of the form renderer, that draw the questions.
PAGE_TEMPLATES = ("checkin.html",)
WIDGET_TEMPLATES = ("widgets/brain_check.html",)


def _words(value: Any) -> Any:
    """``value`` with every lazy translation as its source text, so it does not vary by
    language."""
    if isinstance(value, list | tuple):
        return [_words(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _words(v) for k, v in sorted(value.items())}
    return str(value)


def describe(fields: Iterable[forms.BoundField]) -> str:
    """The questions as the code defines them: name, kind, widget, wording and choices of each."""
    parts = []
    with translation.override(None):  # the source text, whatever the language
        for bound in fields:
            field, widget = bound.field, bound.field.widget
            widgets = getattr(widget, "widgets", [widget])
            parts.append(
                [
                    bound.html_name,
                    type(field).__qualname__,
                    field.required,
                    field.disabled,
                    field.localize,
                    repr(field.initial),
                    _words(field.label),
                    _words(field.help_text),
                    _words(getattr(field, "unit", "")),
                    _words(getattr(field, "steps", ())),
                    [
                        [
                            type(w).__qualname__,
                            w.template_name,
                            _words(w.attrs),
                            _words(list(getattr(w, "choices", ()))),
                        ]
                        for w in widgets
                    ],
                    type(widget).__qualname__,
                    widget.template_name,
                ]
            )
    return repr(parts)


@functools.cache
def _source_files(language: str | None) -> tuple[str, ...]:
    """The files the markup is drawn from, for ``language``: found once per process."""
    renderer = get_default_renderer()
    paths = [get_template(name).origin.name for name in PAGE_TEMPLATES]
    paths += [renderer.get_template(name).origin.name for name in WIDGET_TEMPLATES]
    if not language:  # translations off: the source text
        return tuple(paths)
    locale = translation.to_locale(language)
    for folder in settings.LOCALE_PATHS:
        catalogue = Path(folder) / locale / "LC_MESSAGES" / "django.mo"
        if catalogue.exists():
            paths.append(str(catalogue))
    return tuple(paths)


def sources_stamp(language: str | None) -> str:
    """The version of the templates and translations: a template edited while the development
    server runs, or a new translation, makes a new key."""
    stamps = [django.get_version()]
    for path in _source_files(language):
        try:
            stat = os.stat(path)
        except OSError:
            stamps.append(f"{path}:missing")
        else:
            stamps.append(f"{path}:{stat.st_size}:{stat.st_mtime_ns}")
    return "|".join(stamps)


def fragment_key(*parts: Any) -> str:
    """One string for the ``{% cache %}`` tag, from everything the markup depends on."""
    return hashlib.sha256(repr(parts).encode()).hexdigest()
