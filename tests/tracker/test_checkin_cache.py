"""The check-in page's questions, drawn once and kept in the cache (``tracker.fragments``): the
cached markup is exactly what drawing it afresh gives, for every language, temperature unit and set
of devices; it is drawn from the form alone; a change in anything it depends on reads another entry;
and a form with answers (sent back with errors, a draft) is always drawn afresh."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import caches
from django.core.cache.utils import make_template_fragment_key
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from tests.factories import car_t_patient, check_in_form
from tracker import fragments
from tracker.enrolment import set_language
from tracker.forms import FOLLOW_UP_GROUPS, CheckInForm, initial_for
from tracker.models import Report

pytestmark = pytest.mark.django_db

LANGUAGES = ("en", "es")
UNITS = ("C", "F")
DEVICES = ("all", "none")


def _fragments():
    """The cache the ``{% cache %}`` tag uses."""
    return caches["template_fragments" if "template_fragments" in settings.CACHES else "default"]


@pytest.fixture
def uncached(monkeypatch):
    """Every check-in form drawn afresh, as before the cache."""

    def off():
        monkeypatch.setattr(CheckInForm, "cache_key", property(lambda form: None))

    return off


def _patient(lang, unit, devices):
    patient = car_t_patient(day=3)
    patient.care_team.temperature_unit = unit
    patient.care_team.save()
    if devices == "none":
        patient.has_bp_cuff = patient.has_oximeter = False
        patient.save()
    set_language(patient=patient, language=lang)
    return patient


def _page(client, url, **kwargs):
    response = client.get(url, **kwargs)
    assert response.status_code == 200
    html = response.content.decode()
    # What differs on every drawing, cache or not: the masked CSRF token, the script nonce, and
    # the submission key of each new session.
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    html = re.sub(r'name="submission_key" value="[^"]+"', "", html)
    html = re.sub(r'nonce="[^"]+"', "", html)
    return re.sub(r'"X-CSRFToken": "[^"]+"', "", html)


def _pages(client):
    """Every drawing of an unanswered check-in: the page, the short temperature form, the form
    alone for htmx, and each body system's questions fetched when its box is ticked."""
    questions = reverse("checkin_questions")
    pages = {
        "page": _page(client, reverse("checkin")),
        "temperature only": _page(client, reverse("checkin") + "?temperature=1"),
        "htmx": _page(client, reverse("checkin"), headers={"HX-Request": "true"}),
    }
    for group in FOLLOW_UP_GROUPS:
        pages[group] = _page(client, questions, data={"group": group, "changes": group})
    return pages


def test_the_cached_pages_are_the_pages_drawn_afresh_in_every_variation(client, uncached):
    people = [
        _patient(lang, unit, devices) for lang in LANGUAGES for unit in UNITS for devices in DEVICES
    ]
    cached = {}
    for patient in people:  # one after the other: an entry of one must never serve another
        client.force_login(patient.user)
        first, again = _pages(client), _pages(client)  # drawn into the cache, then read from it
        assert again == first
        cached[patient.pk] = first
        key = client.get(reverse("checkin")).context["form"].cache_key
        for part in ("checkin-temperature", "checkin-questions"):
            assert _fragments().get(make_template_fragment_key(part, [key])), part

    uncached()
    for patient in people:
        client.force_login(patient.user)
        assert _pages(client) == cached[patient.pk]


def test_each_variation_is_drawn_as_itself(client):
    """Spot checks that the variations really differ, so the test above compares something."""
    seen = {}
    for lang in LANGUAGES:
        for unit in UNITS:
            for devices in DEVICES:
                client.force_login(_patient(lang, unit, devices).user)
                seen[lang, unit, devices] = _page(client, reverse("checkin"))
    assert "Your temperature" in seen["en", "C", "all"]
    assert "Your temperature" not in seen["es", "C", "all"]
    assert re.search(r'value="F"[^>]*checked', seen["en", "F", "all"])
    assert re.search(r'value="C"[^>]*checked', seen["en", "C", "all"])
    assert 'class="device-missing"' in seen["en", "C", "none"]
    assert 'class="device-missing"' not in seen["en", "C", "all"]
    assert re.search(r'name="bp_not_measured"[^>]*checked', seen["es", "F", "none"])


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("unit", UNITS)
@pytest.mark.parametrize("devices", DEVICES)
def test_the_cached_parts_are_drawn_from_the_form_alone(client, uncached, lang, unit, devices):
    """Drawn with nothing but the form, each cached part is found as it is in the page drawn
    with everything the view gives: it reads nothing about the patient, the request or the page."""
    client.force_login(_patient(lang, unit, devices).user)
    uncached()
    for url, parts in (
        (reverse("checkin"), ("temperature-card", "all-questions")),
        (reverse("checkin") + "?temperature=1", ("temperature-card",)),
    ):
        response = client.get(url)
        page = response.content.decode()
        form = response.context["form"]
        with translation.override(lang):
            for part in parts:
                alone = render_to_string(f"checkin.html#{part}", {"form": form})
                assert alone in page, part
    with translation.override(lang):
        form = CheckInForm()
        for group in FOLLOW_UP_GROUPS:
            context = {"form": form, "group": form.checklist_group(group, True, guided=True)}
            alone = render_to_string("checkin.html#group-questions", context)
            fetched = client.get(
                reverse("checkin_questions"), {"group": group, "changes": group}
            ).content.decode()
            assert alone == fetched, group


def test_the_brain_check_is_guided_when_fetched_and_whole_without_javascript(patient_client):
    questions = reverse("checkin_questions")
    for _ in range(2):  # drawn, then from the cache
        page = patient_client.get(reverse("checkin")).content.decode()
        fetched = patient_client.get(questions, {"group": "brain", "changes": "brain"})
        assert 'class="field question ice" id="ice-check"' in page
        assert 'class="field question ice guided" id="ice-check"' in fetched.content.decode()


def test_a_guided_brain_check_and_a_whole_one_are_cached_apart():
    form = CheckInForm()
    for guided in (False, True, False, True):
        group = form.checklist_group("brain", True, guided=guided)
        html = render_to_string(
            "checkin.html#group-questions-cached", {"form": form, "group": group}
        )
        assert ("ice guided" in html) is guided


# -- What the key is made of ----------------------------------------------------------------------


def test_the_key_changes_with_everything_the_markup_depends_on(patient):
    initial = initial_for(patient)
    with translation.override("en"):
        key = CheckInForm(initial=initial).cache_key
        assert key is not None
        # The same form on another page (another submission key) shares the markup.
        assert CheckInForm(initial={**initial, "submission_key": "other"}).cache_key == key
        others = [
            CheckInForm(initial={**initial, "temperature": [None, "F"]}).cache_key,
            CheckInForm(initial={**initial, "no_bp_cuff": True}).cache_key,
            CheckInForm(initial={**initial, "chills": True}).cache_key,
            CheckInForm(initial=initial, prefix="other").cache_key,
            CheckInForm(initial=initial, auto_id="field_%s").cache_key,
        ]
    with translation.override("es"):
        others.append(CheckInForm(initial=initial).cache_key)
    assert None not in others
    assert len({key, *others}) == len(others) + 1


def test_a_question_changed_in_the_code_changes_the_key():
    form = CheckInForm()
    before = fragments.describe(form[name] for name in form.fields)
    form.fields["chills"].label = "Shivering?"
    assert fragments.describe(form[name] for name in form.fields) != before
    form = CheckInForm()
    form.fields["alertness"].choices = [*form.fields["alertness"].choices, ("asleep", "Asleep")]
    assert fragments.describe(form[name] for name in form.fields) != before
    form = CheckInForm()
    form.fields["heart_rate"].widget.attrs["inputmode"] = "text"
    assert fragments.describe(form[name] for name in form.fields) != before
    # It is the source text: the same in every language.
    with translation.override("es"):
        form = CheckInForm()
        assert fragments.describe(form[name] for name in form.fields) == before


def test_a_template_or_translation_changed_on_disk_changes_the_key(tmp_path, monkeypatch):
    template = tmp_path / "checkin.html"
    template.write_text("one")
    monkeypatch.setattr(fragments, "_source_files", lambda language: (str(template),))
    with translation.override("en"):
        before = CheckInForm().cache_key
        template.write_text("two, longer")
        after = CheckInForm().cache_key
    assert before != after


def test_the_files_behind_the_markup_are_the_templates_and_the_translations():
    english, spanish = fragments._source_files("en"), fragments._source_files("es")
    assert any(path.endswith("templates/checkin.html") for path in english)
    assert any(path.endswith("widgets/brain_check.html") for path in english)
    assert any(path.endswith("es/LC_MESSAGES/django.mo") for path in spanish)
    assert all(Path(path).exists() for path in spanish)


# -- A form with answers is drawn afresh ---------------------------------------------------------


def test_a_form_with_answers_has_no_key():
    assert CheckInForm(check_in_form()).cache_key is None
    assert CheckInForm({}).cache_key is None


def test_answers_sent_back_with_errors_are_shown_not_the_cached_form(patient_client):
    patient_client.get(reverse("checkin"))  # the unanswered form, now in the cache
    data = check_in_form(
        temperature="98.6",
        heart_rate="999",
        changes=["gut", "skin"],
        vomiting_episodes_24h="1",
        itching="on",
    )
    for headers in ({}, {"HX-Request": "true"}):
        html = patient_client.post(reverse("checkin"), data, headers=headers).content.decode()
        assert "Did you mean 98,6 °F" in html or "Did you mean 98.6 °F" in html
        assert 'value="98.6"' in html
        assert 'value="999"' in html
        assert re.search(r'name="vomiting_episodes_24h"[^>]*value="1"', html)
        assert re.search(r'name="itching"[^>]*checked', html)
        assert 'class="group is-open"' in html


def test_a_draft_is_shown_with_its_answers_not_the_cached_form(patient_client, patient):
    patient_client.get(reverse("checkin"))
    data = check_in_form(
        heart_rate="999", changes=["gut"], loose_stools_24h="3", send="partial", concern=None
    )
    assert patient_client.post(reverse("checkin"), data).status_code == 302
    report = Report.objects.get(patient=patient)
    html = patient_client.get(reverse("checkin") + f"?after={report.pk}").content.decode()
    assert 'value="999"' in html
    assert re.search(r'name="loose_stools_24h"[^>]*value="3"', html)
    assert 'class="group is-open"' in html
