"""English and Spanish: each user's own choice, kept with them; dates, numbers and e-mails in it.

A Spanish patient's pages, advice and e-mails are in Spanish, their numbers are read and shown
with a decimal comma, and the catalogue behind it keeps every placeholder of the English.
"""

import gettext
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.functional import Promise

from symptoms.catalogue import GROUPS, INPUTS
from symptoms.describe import (
    CATEGORY_NAMES,
    CHOICE_WORDS,
    LEVEL_NAMES,
    NAMES,
    PRODUCT_NAMES,
    RULE_TITLES,
)
from symptoms.explain import ADVICE, CATEGORY_WHY, READING_NAMES
from symptoms.levels import Triage
from tests.factories import (
    PASSWORD,
    FlagFactory,
    PreferencesFactory,
    UserFactory,
    car_t_patient,
    check_in_form,
    nurse_of,
)
from tracker import tasks
from tracker.checkins import record_report
from tracker.enrolment import enrol_patient
from tracker.models import CheckInReminder, Flag, Level, Notification, Preferences, Report

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("frozen"),
    pytest.mark.team(phone_24h="+34 600 123 456", emergency_number="112"),
    pytest.mark.patient(user__first_name="Lucía", user__last_name="Gómez"),
]

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)

# One report per triage level for an own-cell CD19 CAR-T patient on day 3.
ANSWERS_FOR_LEVEL = {
    Level.NONE: {"temperature_c": 36.8, "spo2": 98},
    Level.ROUTINE: {"temperature_c": 36.8, "headache": "mild"},
    Level.URGENT_TODAY: {"temperature_c": 36.8, "concern": "worried"},
    Level.URGENT_NOW: {"temperature_c": 38.5},
    Level.EMERGENCY: {"temperature_c": 38.9, "spo2": 89, "breathlessness": "at_rest"},
}


@pytest.fixture(autouse=True)
def english_afterwards():
    """A request leaves its language active in this thread: later tests must start in English."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def patient(patient):
    """The shared patient, who chose Spanish."""
    PreferencesFactory(user=patient.user, language="es")
    return patient


def spanish(text) -> str:
    with translation.override("es"):
        return str(text)


def english(text) -> str:
    with translation.override("en"):
        return str(text)


def html_lang(response) -> str:
    return re.search(r'<html lang="([^"]+)"', response.content.decode()).group(1)


def check_in_data(**overrides):
    """A quiet check-in as a Spanish phone types it: a decimal comma."""
    return check_in_form(**{"temperature": "36,8", **overrides})


# -- Settings --------------------------------------------------------------------------------------


def test_english_and_spanish_are_offered_and_urls_carry_no_language():
    assert settings.LANGUAGES == [("en", "English"), ("es", "Español")]
    assert settings.USE_I18N
    assert reverse("checkin") == "/check-in/"


def test_the_language_is_chosen_after_the_session_and_the_user_are_known():
    order = settings.MIDDLEWARE
    locale = order.index("django.middleware.locale.LocaleMiddleware")
    assert order.index("django.contrib.sessions.middleware.SessionMiddleware") < locale
    assert locale < order.index("django.middleware.common.CommonMiddleware")
    users = order.index("tracker.middleware.UserLanguageMiddleware")
    assert users > order.index("django.contrib.auth.middleware.AuthenticationMiddleware")
    assert users > locale


# -- A Spanish patient's pages ---------------------------------------------------------------------


def test_a_spanish_patient_sees_the_check_in_in_spanish(patient_client):
    response = patient_client.get(reverse("checkin"), HTTP_ACCEPT_LANGUAGE="en")
    assert html_lang(response) == "es"
    page = response.content.decode()
    for text in ["¿Cómo estás hoy?", "¿Qué temperatura tienes?", "Enviar mi control"]:
        assert text in page
    assert "How are you today?" not in page
    assert 'href="tel:+34600123456"' in page


@pytest.mark.parametrize("level", list(Level))
def test_the_advice_at_each_level_is_in_spanish_with_its_phone_links(
    patient_client, patient, team, level
):
    report = record_report(
        patient=patient, answers=ANSWERS_FOR_LEVEL[level], reported_by=patient.user
    )
    assert report.level == level
    response = patient_client.get(reverse("report", args=[report.pk]))
    page = response.content.decode()
    advice = ADVICE[Triage(level)]
    assert html_lang(response) == "es"
    assert spanish(advice.title) != english(advice.title)  # really translated, not left as it was
    assert spanish(advice.title) in page
    assert spanish(advice.do_now) in page
    assert english(advice.title) not in page
    if advice.call == "emergency":
        assert 'href="tel:112"' in page
        assert 'Llamar al <span class="phone-number">112</span>' in page
    if advice.call:
        assert f'href="tel:{team.phone_24h}"' in page
        # The number stays on one line on a narrow phone: read over two, it is easy to misdial.
        assert f'<span class="phone-number">{team.phone_24h.as_international}</span>' in page
    else:
        assert "Si algo te preocupa, llama a tu equipo médico" in page
    assert "Enviado el 10 de marzo de 2026" in page


def test_the_result_page_shows_a_decimal_comma_and_the_reason_in_spanish(patient_client, patient):
    report = record_report(
        patient=patient, answers={"temperature_c": 38.5}, reported_by=patient.user
    )
    page = patient_client.get(reverse("report", args=[report.pk])).content.decode()
    assert "38,5 °C" in page
    assert "Lo que nos contaste" in page
    assert "Puede que tus nuevas células de defensa estén trabajando demasiado" in page


def test_the_history_is_in_spanish_with_spanish_day_and_month_names(patient_client, patient):
    record_report(patient=patient, answers={"temperature_c": 38.5}, reported_by=patient.user)
    response = patient_client.get(reverse("history"))
    page = response.content.decode()
    assert html_lang(response) == "es"
    assert "Tus controles" in page
    assert "martes 10 marzo" in page  # "l j F": the weekday and month in Spanish


def test_a_spanish_nurse_works_the_dashboard_in_spanish(client, team):
    nurse = nurse_of(team)
    PreferencesFactory(user=nurse, language="es")
    FlagFactory(patient=car_t_patient(team=team), level=Level.URGENT_NOW)
    client.force_login(nurse)
    response = client.get(reverse("dashboard"))
    page = response.content.decode()
    assert html_lang(response) == "es"
    for text in ["Controles con alerta", "Alertas sin resolver", "Urgente ya", "SLC"]:
        assert text in page
    assert "Flagged check-ins" not in page


def test_an_english_user_still_sees_english(client, team):
    patient = car_t_patient(team=team)
    PreferencesFactory(user=patient.user, language="en")
    client.force_login(patient.user)
    response = client.get(reverse("checkin"), HTTP_ACCEPT_LANGUAGE="es")
    assert html_lang(response) == "en"
    assert "How are you today?" in response.content.decode()


def test_without_a_choice_the_browser_language_is_used(client, team):
    patient = car_t_patient(team=team)
    client.force_login(patient.user)
    spanish_browser = client.get(reverse("checkin"), HTTP_ACCEPT_LANGUAGE="es-ES,es;q=0.9")
    assert "¿Cómo estás hoy?" in spanish_browser.content.decode()
    english_browser = client.get(reverse("checkin"), HTTP_ACCEPT_LANGUAGE="en-GB")
    assert "How are you today?" in english_browser.content.decode()


# -- Numbers as a Spanish user types them ----------------------------------------------------------


def test_a_temperature_typed_with_a_comma_is_read_as_a_fever(patient_client, patient):
    response = patient_client.post(reverse("checkin"), check_in_data(temperature="38,5"))
    report = Report.objects.get()
    assert response.status_code == 302
    assert report.answers["temperature_c"] == 38.5
    assert report.level == Level.URGENT_NOW
    assert Flag.objects.get(patient=patient).level == Level.URGENT_NOW


@pytest.mark.parametrize(("language", "typed"), [("es", "38.5"), ("en", "38,5"), ("en", "38.5")])
def test_a_comma_or_a_point_is_read_the_same_in_either_language(client, team, language, typed):
    patient = car_t_patient(day=3, team=team)
    PreferencesFactory(user=patient.user, language=language)
    client.force_login(patient.user)
    client.post(reverse("checkin"), check_in_data(temperature=typed))
    assert Report.objects.get().answers["temperature_c"] == 38.5


def test_a_typing_slip_is_shown_in_spanish_and_the_answer_kept(patient_client):
    response = patient_client.post(reverse("checkin"), check_in_data(temperature="3,85"))
    page = response.content.decode()
    assert not Report.objects.exists()
    assert 'value="3,85"' in page
    assert "Hay que revisar algunas respuestas" in page


def test_an_impossible_reading_is_named_with_a_decimal_comma(patient_client):
    response = patient_client.post(reverse("checkin"), check_in_data(temperature="45,5"))
    page = response.content.decode()
    assert not Report.objects.exists()
    assert "45,5 °C no puede ser correcto" in page


def test_the_temperature_box_takes_a_comma(patient_client):
    page = patient_client.get(reverse("checkin")).content.decode()
    box = re.search(r'<input[^>]*name="temperature"[^>]*>', page).group(0)
    assert 'type="text"' in box  # a number box would drop "38,5" in some browsers
    assert 'inputmode="decimal"' in box


# -- The switch ------------------------------------------------------------------------------------


def test_the_switch_works_without_javascript_before_logging_in(client):
    login = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en")
    page = login.content.decode()
    assert 'action="/language/"' in page
    assert 'name="language" value="es"' in page
    response = client.post(reverse("language"), {"language": "es", "next": "/login/"})
    assert response.status_code == 302
    assert response["Location"] == "/login/"
    again = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en")
    assert html_lang(again) == "es"
    assert "Iniciar sesión" in again.content.decode()


def test_the_choice_follows_the_user_through_logout_and_to_another_device(client, team):
    patient = car_t_patient(team=team)
    client.force_login(patient.user)
    client.post(reverse("language"), {"language": "es", "next": "/check-in/"})
    assert Preferences.language_of(patient.user) == "es"
    client.post(reverse("logout"))

    other_device = Client(HTTP_ACCEPT_LANGUAGE="en")
    other_device.post(reverse("login"), {"username": patient.user.username, "password": PASSWORD})
    response = other_device.get(reverse("checkin"))
    assert html_lang(response) == "es"
    assert "¿Cómo estás hoy?" in response.content.decode()


def test_the_switch_goes_back_to_the_same_page(patient_client):
    response = patient_client.post(
        reverse("language"), {"language": "en", "next": "/history/?patient=1"}
    )
    assert response["Location"] == "/history/?patient=1"


def test_with_htmx_the_switch_reloads_the_whole_page(patient_client, patient):
    response = patient_client.post(
        reverse("language"), {"language": "en", "next": "/check-in/"}, HTTP_HX_REQUEST="true"
    )
    assert response["HX-Redirect"] == "/check-in/"
    assert Preferences.language_of(patient.user) == "en"


def test_the_switch_never_sends_anyone_to_another_site(patient_client):
    response = patient_client.post(
        reverse("language"), {"language": "en", "next": "https://evil.example.com/"}
    )
    assert response["Location"] == reverse("home")


def test_a_language_that_is_not_offered_changes_nothing(patient_client, patient):
    patient_client.post(reverse("language"), {"language": "xx", "next": "/check-in/"})
    assert Preferences.language_of(patient.user) == "es"


def test_the_switch_takes_only_a_post(patient_client):
    assert patient_client.get(reverse("language")).status_code == 405


# -- E-mails in the recipient's language -----------------------------------------------------------


def test_a_nurse_enrols_a_spanish_patient_and_the_invitation_is_in_spanish(
    client, team, mailoutbox, django_capture_on_commit_callbacks
):
    nurse = nurse_of(team)
    client.force_login(nurse)
    assert 'name="language"' in client.get(reverse("enrol")).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("enrol"),
            {
                "first_name": "Lucía",
                "last_name": "Gómez",
                "email": "lucia@example.org",
                "care_team": str(team.pk),
                "language": "es",
                "product": "CAR-T",
                "car_target": "CD19",
                "cell_source": "autologous",
                "infusion_date": "2026-03-08",
                "infusion_time": "14:30",
            },
        )
    [message] = mailoutbox
    assert message.to == ["lucia@example.org"]
    assert message.subject == "Tu control diario: elige una contraseña"
    assert "Tu nombre de usuario es: lucia@example.org" in message.body
    assert "durante 3 días" in message.body
    assert Preferences.language_of(nurse) is None  # the nurse's own pages stay as they were


def test_the_invitation_link_opens_in_the_patients_language_and_so_does_the_check_in(
    team, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        enrol_patient(
            first_name="Lucía",
            last_name="Gómez",
            email="lucia@example.org",
            care_team=team,
            language="es",
            product="CAR-T",
            car_target="CD19",
            cell_source="autologous",
            given_at=NOW - timedelta(days=2),
        )
    [link] = re.findall(r"https?://\S+", mailoutbox[0].body)
    browser = Client(HTTP_ACCEPT_LANGUAGE="en")  # a phone set to English
    form = browser.get(link.removeprefix(settings.SITE_URL), follow=True)
    assert html_lang(form) == "es"
    assert "Elige una contraseña" in form.content.decode()
    password = "a-long-new-password-2026"
    response = browser.post(
        form.redirect_chain[-1][0],
        {"new_password1": password, "new_password2": password},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("checkin")
    assert "¿Cómo estás hoy?" in response.content.decode()


def test_a_reminder_is_in_the_patients_language(patient, mailoutbox):
    patient.user.set_password(PASSWORD)
    patient.user.save()
    reminder = CheckInReminder.objects.create(patient=patient, day=NOW.date())
    tasks.send_checkin_reminder.enqueue(reminder.pk)
    [message] = mailoutbox
    assert message.subject == "Es la hora de tu control diario"
    assert "Hoy no hemos recibido tu control" in message.body


def test_each_nurse_is_told_about_a_flag_in_their_own_language(team, mailoutbox):
    spanish_nurse = nurse_of(team, email="ana@example.org")
    PreferencesFactory(user=spanish_nurse, language="es")
    nurse_of(team, email="sam@example.org")
    flag = FlagFactory(patient=car_t_patient(team=team), level=Level.EMERGENCY)
    notification = Notification.objects.create(
        flag=flag, kind=Notification.Kind.ALERT, level=flag.level
    )
    tasks.send_flag_notification.enqueue(notification.pk)
    by_address = {message.to[0]: message for message in mailoutbox}
    assert by_address["ana@example.org"].subject == "Un paciente necesita revisión"
    assert "Un control nuevo necesita que una enfermera lo revise" in (
        by_address["ana@example.org"].body
    )
    assert by_address["sam@example.org"].subject == "A patient needs review"
    notification.refresh_from_db()
    assert notification.recipients == 2


def test_an_e_mail_sent_during_a_spanish_request_is_still_in_the_recipients_language(
    patient, mailoutbox
):
    english = UserFactory(email="robin@example.org")
    with translation.override("es"):
        tasks.send_invitation.enqueue(english.pk)
    assert mailoutbox[0].subject == "Your daily check-in: choose a password"


# -- The catalogue itself --------------------------------------------------------------------------

# A space is a valid flag too ("% d"), but then "1% de tu piel" would count: left out on purpose.
PLACEHOLDER = re.compile(r"%(?:\((\w+)\))?[#0+-]*\d*(?:\.\d+)?([diouxXeEfFgGcrsa%])")


def placeholders(text: str) -> list[tuple[str, str]]:
    """The %-format placeholders of a message, each as (name, conversion); "%%" included."""
    return sorted((name, kind) for name, kind in PLACEHOLDER.findall(text))


def _unquote(line: str) -> str:
    body = line[line.index('"') + 1 : line.rindex('"')]
    return body.encode("latin-1", "backslashreplace").decode("unicode_escape")


def read_po(path: Path) -> list[dict]:
    """The entries of a .po file: msgid, msgid_plural, msgstr (or msgstr[n]) and flags."""
    entries, entry, key = [], {}, None
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        if not line.strip():
            if "msgid" in entry:
                entries.append(entry)
            entry, key = {}, None
        elif line.startswith("#,"):
            entry["flags"] = line[2:].replace(" ", "").split(",")
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            entry[key] += _unquote(line)
        else:
            key = line.split(" ", 1)[0]
            entry[key] = _unquote(line)
    return [e for e in entries if e["msgid"]]  # without the header


# Every language but English (the code's own), so a language added later is checked the same way.
TRANSLATED = [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]


def catalogue_dir(language: str) -> Path:
    return Path(settings.BASE_DIR) / "locale" / language / "LC_MESSAGES"


CATALOGUES = {language: read_po(catalogue_dir(language) / "django.po") for language in TRANSLATED}


def translations(entry: dict) -> dict[int, str]:
    """The entry's msgstr, or its msgstr[n] by n for a message with plural forms."""
    if "msgid_plural" not in entry:
        return {0: entry["msgstr"]}
    return {int(k[7:-1]): v for k, v in entry.items() if k.startswith("msgstr[")}


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_message_is_translated_and_none_is_fuzzy(language):
    entries = CATALOGUES[language]
    assert len(entries) > 600
    assert [e["msgid"] for e in entries if "fuzzy" in e.get("flags", [])] == []
    untranslated = [
        e["msgid"] for e in entries if not all(s.strip() for s in translations(e).values())
    ]
    assert untranslated == []


def broken_placeholders(entry: dict) -> bool:
    forms = translations(entry)
    if "msgid_plural" not in entry:
        return placeholders(forms[0]) != placeholders(entry["msgid"])
    # Plural forms: the same values are given to every form, so the singular may use the
    # plural's names ("%(low)s" for the one reading); every other form keeps the plural's.
    available = set(placeholders(entry["msgid"])) | set(placeholders(entry["msgid_plural"]))
    return not set(placeholders(forms[0])) <= available or any(
        placeholders(text) != placeholders(entry["msgid_plural"])
        for n, text in forms.items()
        if n > 0
    )


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_translation_keeps_the_placeholders_of_its_english(language):
    """A lost or renamed %(name)s crashes the page that shows the message."""
    assert [e["msgid"] for e in CATALOGUES[language] if broken_placeholders(e)] == []


def test_a_broken_placeholder_is_caught():
    renamed = {"msgid": "Hello %(name)s", "msgstr": "Hola %(nombre)s"}
    lost = {"msgid": "%(value)s%% is low", "msgstr": "%(value)s es bajo"}
    plural = {
        "msgid": "%(count)d day",
        "msgid_plural": "%(count)d days",
        "msgstr[0]": "%(count)d día",
        "msgstr[1]": "unos días",
    }
    kept = {"msgid": "%(value)s%% is low", "msgstr": "%(value)s%% es bajo"}
    assert broken_placeholders(renamed) and broken_placeholders(lost)
    assert broken_placeholders(plural)
    assert not broken_placeholders(kept)


@pytest.mark.parametrize("language", TRANSLATED)
def test_the_compiled_catalogue_matches_the_translations(language):
    """The .mo is committed (no gettext needed to run the app): it must not lag the .po."""
    with (catalogue_dir(language) / "django.mo").open("rb") as compiled:
        compiled_messages = gettext.GNUTranslations(compiled)._catalog
    for entry in CATALOGUES[language]:
        for n, text in translations(entry).items():
            key = (entry["msgid"], n) if "msgid_plural" in entry else entry["msgid"]
            assert compiled_messages.get(key) == text, entry["msgid"]


def test_the_catalogue_has_every_question_help_and_advice_of_the_code():
    """A text added to the code without running makemessages would show in English."""
    msgids = {entry["msgid"] for entry in CATALOGUES["es"]}
    texts = [*GROUPS.values(), *CATEGORY_WHY.values(), *READING_NAMES.values()]
    texts += [*NAMES.values(), *CHOICE_WORDS.values(), *RULE_TITLES.values()]
    texts += [*CATEGORY_NAMES.values(), *LEVEL_NAMES.values(), *PRODUCT_NAMES.values()]
    for item in INPUTS.values():
        texts += [item.question, item.help, item.unit, *(label for _code, label in item.choices)]
    for advice in ADVICE.values():
        texts += [advice.title, advice.do_now, advice.then, *advice.self_care]
    marked = {str(text) for text in texts if isinstance(text, Promise)}  # not "°C" or "mmHg"
    missing = marked - msgids
    assert not missing


def test_the_htmx_switch_on_the_login_page_keeps_its_cookie(client):
    response = client.post(
        reverse("language"),
        {"language": "es", "next": reverse("login")},
        headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/login/"},
    )
    assert response.headers["HX-Redirect"] == reverse("login")
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es"
