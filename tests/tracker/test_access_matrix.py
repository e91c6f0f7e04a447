"""Who may open what: every URL of the project, for every kind of user, by GET and by POST.

The table below is the access policy written down, one row per URL name. A URL added without a row,
or a row left for a URL that is gone, fails the suite, so the table cannot fall behind the code.

Users: anonymous, patient A, patient B, a carer of A, a nurse of A's team X, a nurse of team Y, and
an admin (a superuser who is not a nurse). Path parameters are A's: A's report, A's flag, A's
patient record, a valid invitation token for A's user. Each cell runs in a savepoint that is rolled
back, so a POST that changes something (a nurse acknowledging A's flag) does not change the next.

Outcomes: ``200`` (or another status code), ``login`` (redirected to the login page),
``admin-login`` (redirected to the admin's login page), ``→name`` (redirected to that page).
POSTs carry no data, and the test client does not check CSRF tokens: the question is whether the
door opens, not whether the form is filled in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from django.contrib import admin
from django.contrib.auth.tokens import default_token_generator
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from tests.factories import UserFactory, authenticator_app, carer_of
from tracker.forms import FOLLOW_UP_GROUPS
from tracker.models import Patient
from tracker.tokens import invitation_token_generator

pytestmark = pytest.mark.django_db

USERS = ("anonymous", "patient_a", "patient_b", "carer_a", "nurse_x", "nurse_y", "admin")
METHODS = ("GET", "POST")


@dataclass(frozen=True)
class Row:
    get: str
    post: str
    query: str = ""

    def expected(self, method: str) -> dict[str, str]:
        cells = (self.get if method == "GET" else self.post).split()
        assert len(cells) == len(USERS), f"{method} needs one outcome per user: {USERS}"
        return dict(zip(USERS, cells, strict=True))


GROUP = FOLLOW_UP_GROUPS[0]

# fmt: off
# Columns:             anonymous  patient_a  patient_b  carer_a  nurse_x  nurse_y  admin
ROWS: dict[str, Row] = {
    "home": Row(
        get="              login      →checkin   →checkin   →checkin →dashboard →dashboard →admin:index",  # noqa: E501
        post="             login      405        405        405      405      405      405",
    ),
    "health": Row(
        get="              200        200        200        200      200      200      200",
        post="             405        405        405        405      405      405      405",
    ),
    "login": Row(
        get="              200        →home      →home      →home    →home    →home    →home",
        post="             200        →home      →home      →home    →home    →home    →home",
    ),
    # The language switch works for everyone (the login page has it too); it only sets a choice.
    "language": Row(
        get="              405        405        405        405      405      405      405",
        post="             login      →home      →home      →home    →home    →home    →home",
    ),
    "logout": Row(
        get="              login      405        405        405      405      405      405",
        post="             login      login      login      login    login    login    login",
    ),
    "checkin": Row(
        get="              login      200        200        200      404      404      404",
        post="             login      200        200        200      404      404      404",
    ),
    "checkin_for": Row(
        get="              login      200        404        200      404      404      404",
        post="             login      200        404        200      404      404      404",
    ),
    "checkin_questions": Row(
        get="              login      200        200        200      404      404      404",
        post="             login      405        405        405      405      405      405",
        query=f"group={GROUP}&changes={GROUP}",
    ),
    # The emergency box while the check-in is filled in: asks the engine, saves nothing.
    "checkin_alert": Row(
        get="              login      405        405        405      405      405      405",
        post="             login      200        200        200      404      404      404",
    ),
    "checkin_alert_for": Row(
        get="              login      405        405        405      405      405      405",
        post="             login      200        404        200      404      404      404",
    ),
    "choose_patient": Row(
        get="              login      200        200        200      404      404      404",
        post="             login      405        405        405      405      405      405",
    ),
    "report": Row(
        get="              login      200        404        200      404      404      404",
        post="             login      405        405        405      405      405      405",
    ),
    "history": Row(
        get="              login      200        200        200      404      404      404",
        post="             login      405        405        405      405      405      405",
    ),
    # The patient's own copy, printable and as a FHIR file: like the history page.
    "history_copy": Row(
        get="              login      200        200        200      404      404      404",
        post="             login      405        405        405      405      405      405",
    ),
    "history_fhir": Row(
        get="              login      200        200        200      404      404      404",
        post="             login      405        405        405      405      405      405",
    ),
    "dashboard": Row(
        get="              login      404        404        404      200      200      404",
        post="             login      405        405        405      405      405      405",
    ),
    "acknowledge": Row(
        get="              login      405        405        405      405      405      405",
        post="             login      404        404        404      →dashboard 404    404",
    ),
    # GET is the resolve form on its own (htmx opens it in the row; a page with JavaScript off).
    "resolve": Row(
        get="              login      404        404        404      200      404      404",
        post="             login      404        404        404      200      404      404",
    ),
    "reopen": Row(
        get="              login      405        405        405      405      405      405",
        post="             login      404        404        404      →dashboard 404    404",
    ),
    # The rule book, where a finding's rule tag leads: for the care team.
    "rules": Row(
        get="              login      404        404        404      200      200      404",
        post="             login      405        405        405      405      405      405",
    ),
    "patients": Row(
        get="              login      404        404        404      200      200      404",
        post="             login      405        405        405      405      405      405",
    ),
    "timeline": Row(
        get="              login      404        404        404      200      404      404",
        post="             login      405        405        405      405      405      405",
    ),
    # A nurse's note on A's record (an empty one is refused with a message on the timeline).
    "patient_note": Row(
        get="              login      405        405        405      405      405      405",
        post="             login      404        404        404      →timeline 404    404",
    ),
    # The chart summary and the FHIR export: read-only, A's team only, like the timeline.
    "patient_summary": Row(
        get="              login      404        404        404      200      404      404",
        post="             login      405        405        405      405      405      405",
    ),
    "patient_fhir": Row(
        get="              login      404        404        404      200      404      404",
        post="             login      405        405        405      405      405      405",
    ),
    "enrol": Row(
        get="              login      404        404        404      200      200      404",
        post="             login      404        404        404      200      200      404",
    ),
    "patient_care": Row(
        get="              login      404        404        404      200      404      404",
        post="             login      405        405        405      405      405      405",
    ),
    "patient_add_infusion": Row(
        get="              login      405        405        405      405      405      405",
        post="             login      404        404        404      200      404      404",
    ),
    "patient_labs": Row(
        get="              login      405        405        405      405      405      405",
        post="             login      404        404        404      →patient_care 404  404",
    ),
    "patient_monitoring": Row(
        get="              login      405        405        405      405      405      405",
        post="             login      404        404        404      →patient_care 404  404",
    ),
    "patient_invite": Row(
        get="              login      405        405        405      405      405      405",
        post="             login      404        404        404      →patient_care 404  404",
    ),
    # The care record (nurses of A's team only). Empty posts: a form that needs nothing saves and
    # goes back to the care page; one that needs answers shows its errors.
    "patient_therapy": Row(
        get="              login      405        405        405      405      405      405",
        post="             login      404        404        404      →patient_care 404  404",
    ),
    "patient_details": Row(
        get="              login      405        405        405      405      405      405",
        post="             login      404        404        404      →patient_care 404  404",
    ),
    "patient_language": Row(
        get="              login      405        405        405      405      405      405",
        post="             login      404        404        404      →patient_care 404  404",
    ),
    "patient_pause": Row(
        get="              login      405        405        405      405      405      405",
        post="             login      404        404        404      200      404      404",
    ),
    "patient_carers": Row(
        get="              login      405        405        405      405      405      405",
        post="             login      404        404        404      200      404      404",
    ),
    "patient_carer_reminders": Row(
        get="              login      405        405        405      405      405      405",
        post="             login      404        404        404      →patient_care 404  404",
    ),
    "patient_carer_remove": Row(
        get="              login      405        405        405      405      405      405",
        post="             login      404        404        404      →patient_care 404  404",
    ),
    # A live invitation link: only A's nurses see it.
    "patient_bedside_invitation": Row(
        get="              login      404        404        404      200      404      404",
        post="             login      405        405        405      405      405      405",
    ),
    # The invitation link needs no login: its token is the key (one use, three days). A's own
    # login changes what the token was made from, so A logged in finds it no longer works.
    "set_password": Row(
        get="              →set_password 404     →set_password →set_password →set_password →set_password →set_password",  # noqa: E501
        post="             →set_password 404     →set_password →set_password →set_password →set_password →set_password",  # noqa: E501
    ),
    # "Forgot your password?" is for anyone (it says the same whether or not the address is
    # known). Its link works like the invitation's, with a reset token instead; it logs no one in.
    "password_reset": Row(
        get="              200        200        200        200      200      200      200",
        post="             200        200        200        200      200      200      200",
    ),
    "password_reset_done": Row(
        get="              200        200        200        200      200      200      200",
        post="             405        405        405        405      405      405      405",
    ),
    "password_reset_confirm": Row(
        get="              →password_reset_confirm 404 →password_reset_confirm →password_reset_confirm →password_reset_confirm →password_reset_confirm →password_reset_confirm",  # noqa: E501
        post="             →password_reset_confirm 404 →password_reset_confirm →password_reset_confirm →password_reset_confirm →password_reset_confirm →password_reset_confirm",  # noqa: E501
    ),
    "password_reset_complete": Row(
        get="              200        200        200        200      200      200      200",
        post="             405        405        405        405      405      405      405",
    ),
    # The second step after the password. Everyone here who needs it has given it (staff and
    # nurses are logged in verified), so they go on to the page they asked for; a patient, who is
    # not asked for one, may set one up. An unverified session: test_second_factor.py.
    "two_factor": Row(
        get="              login      →two_factor_setup →two_factor_setup →two_factor_setup →home →home →home",  # noqa: E501
        post="             login      →two_factor_setup →two_factor_setup →two_factor_setup →home →home →home",  # noqa: E501
    ),
    "two_factor_recovery": Row(
        get="              login      →two_factor_setup →two_factor_setup →two_factor_setup →home →home →home",  # noqa: E501
        post="             login      →two_factor_setup →two_factor_setup →two_factor_setup →home →home →home",  # noqa: E501
    ),
    "two_factor_setup": Row(
        get="              login      200        200        200      200      200      200",
        post="             login      200        200        200      200      200      200",
    ),
    # After a passkey is added: the recovery codes (once), for a session verified with it.
    "two_factor_passkey_added": Row(
        get="              login      →two_factor →two_factor →two_factor →home →home →home",
        post="             login      405        405        405      405      405      405",
    ),
    # Passkeys: django-otp-webauthn's JSON ceremonies, POST only, for whoever is logged in (a
    # patient may add one, as they may set up an app). Adding one needs the second step first if
    # there is one already (tests/tracker/test_passkeys.py). "Complete" without "begin" is a 400.
    "passkey_register_begin": Row(
        get="              login      405        405        405      405      405      405",
        post="             login      200        200        200      200      200      200",
    ),
    "passkey_register_complete": Row(
        get="              login      405        405        405      405      405      405",
        post="             login      400        400        400      400      400      400",
    ),
    "passkey_verify_begin": Row(
        get="              login      405        405        405      405      405      405",
        post="             login      200        200        200      200      200      200",
    ),
    "passkey_verify_complete": Row(
        get="              login      405        405        405      405      405      405",
        post="             login      400        400        400      400      400      400",
    ),
    # The passkey script's words in the user's language (a script file, same origin).
    "passkey_js_catalog": Row(
        get="              login      200        200        200      200      200      200",
        post="             login      405        405        405      405      405      405",
    ),
}
# fmt: on

# The admin is one block: every page of it is for staff only. ``staff`` means the admin got in: any
# answer but a login page or an error (200, a redirect inside the admin, 403 for what the admin
# itself forbids, such as editing the audit trail, 404 for no such row). Everyone else is sent to a
# login page: a logged-in patient, carer or nurse to the admin's (it says they have no access);
# an anonymous visitor to the admin's login for the admin's own pages, and to the app's login for a
# model's pages (LoginRequiredMiddleware sends them there first; staff log in there just as well).
ADMIN_SITE_PAGE = Row(
    get="admin-login admin-login admin-login admin-login admin-login admin-login staff",
    post="admin-login admin-login admin-login admin-login admin-login admin-login staff",
)
ADMIN_MODEL_PAGE = Row(
    get="login admin-login admin-login admin-login admin-login admin-login staff",
    post="login admin-login admin-login admin-login admin-login admin-login staff",
)
ADMIN_EXCEPTIONS: dict[str | None, Row] = {
    # The login page itself is open, and tells a logged-in non-staff user they have no access.
    "login": Row(
        get="200 200 200 200 200 200 →admin:index",
        post="200 200 200 200 200 200 200",
    ),
    # Logging out of the admin when not in it goes to the admin's front page (then its login).
    "logout": Row(
        get="admin-login →admin:index →admin:index →admin:index →admin:index →admin:index 405",
        post="admin-login →admin:index →admin:index →admin:index →admin:index →admin:index login",
    ),
}


def admin_row(route: Route) -> Row:
    if route.name in ADMIN_EXCEPTIONS:
        return ADMIN_EXCEPTIONS[route.name]
    models = [f"admin/{m._meta.app_label}/{m._meta.model_name}/" for m in admin.site._registry]
    return ADMIN_MODEL_PAGE if route.route.startswith(tuple(models)) else ADMIN_SITE_PAGE


# -- Every URL pattern of the project -------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    namespace: str | None
    name: str | None
    route: str  # the pattern's text, for a readable failure and for unnamed admin patterns
    pattern: URLPattern


def routes(resolver: URLResolver | None = None, prefix: str = "", namespace=None) -> list[Route]:
    found = []
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            found += routes(entry, prefix + str(entry.pattern), entry.namespace or namespace)
        else:
            found.append(Route(namespace, entry.name, prefix + str(entry.pattern), entry))
    return found


PROJECT_ROUTES = [r for r in routes() if r.namespace is None]
ADMIN_ROUTES = [r for r in routes() if r.namespace == "admin"]


def test_every_url_of_the_project_has_a_row_and_every_row_a_url():
    assert all(r.namespace in (None, "admin") for r in routes()), "a new URL namespace"
    names = [r.name for r in PROJECT_ROUTES]
    assert None not in names, "every URL of the project has a name"
    assert sorted(names) == sorted(ROWS)


def test_the_admin_exceptions_are_admin_urls():
    assert set(ADMIN_EXCEPTIONS) <= {r.name for r in ADMIN_ROUTES}


def test_the_matrix_size():
    urls = len(PROJECT_ROUTES) + len(ADMIN_ROUTES)
    cells = urls * len(USERS) * len(METHODS)
    print(f"access matrix: {urls} URLs × {len(USERS)} users × {len(METHODS)} methods = {cells}")
    before = len(SECOND_FACTOR_ROUTES) * 2 * len(METHODS)
    print(f"before the second factor: {len(SECOND_FACTOR_ROUTES)} URLs × 2 staff × 2 = {before}")
    assert cells >= 1000


# -- The world the rows are about ---------------------------------------------------------------


@pytest.fixture
def world(two_teams):
    patient_a, report, flag = two_teams["patient_a"], two_teams["report_a"], two_teams["flag_a"]
    users = {
        "anonymous": None,
        "patient_a": patient_a.user,
        "patient_b": two_teams["patient_b"].user,
        "carer_a": carer_of(patient_a),
        "nurse_x": two_teams["nurse_x"],
        "nurse_y": two_teams["nurse_y"],
        "admin": UserFactory(is_staff=True, is_superuser=True),
    }
    uidb64 = urlsafe_base64_encode(force_bytes(patient_a.user.pk))
    params = {
        "pk": patient_a.pk,
        "patient_pk": patient_a.pk,
        "carer_pk": users["carer_a"].pk,
        "uidb64": uidb64,
        "token": invitation_token_generator.make_token(patient_a.user),
    }
    by_name = {
        "report": {"pk": report.pk},
        **{n: {"pk": flag.pk} for n in FLAG_URLS},
        "password_reset_confirm": {
            "uidb64": uidb64,
            "token": default_token_generator.make_token(patient_a.user),
        },
    }
    admin_params = {
        "object_id": str(patient_a.pk),
        "id": str(patient_a.user.pk),
        "pk": str(patient_a.pk),
        "content_type_id": str(ContentType.objects.get_for_model(Patient).pk),
        "app_label": "tracker",
        "url": "no-such-page/",
    }
    # django-otp's device pages look the device up without a 404: give them a real one.
    totp_pk = str(authenticator_app(users["nurse_x"]).pk)
    history_id = patient_a.history.first().history_id
    return {
        "users": users,
        "params": params,
        "by_name": by_name,
        "admin_params": admin_params,
        "totp_pk": totp_pk,
        "history_id": history_id,
    }


FLAG_URLS = ("acknowledge", "resolve", "reopen")


def project_url(route: Route, world) -> str:
    kwargs = world["by_name"].get(route.name) or {
        key: world["params"][key] for key in route.pattern.pattern.converters
    }
    url = reverse(route.name, kwargs=kwargs)
    query = ROWS[route.name].query
    return f"{url}?{query}" if query else url


def admin_url(route: Route, world) -> str:
    values = world["admin_params"]
    if route.name and route.name.endswith("_simple_history"):
        return reverse(f"admin:{route.name}", args=[values["object_id"], world["history_id"]])
    if route.name == "app_list":
        return reverse("admin:app_list", kwargs={"app_label": values["app_label"]})
    if route.route.endswith("(?P<url>.*)$"):
        return "/admin/" + values["url"]
    if route.name in ("otp_totp_totpdevice_config", "otp_totp_totpdevice_qrcode"):
        values = {**values, "pk": world["totp_pk"]}
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: values[m.group(1)], route.route)


def outcome(response) -> str:
    if response.status_code not in (301, 302, 303):
        return str(response.status_code)
    path = urlsplit(response["Location"]).path
    if path == reverse("login"):
        return "login"
    if path == reverse("admin:login"):
        return "admin-login"
    match = resolve(path)
    return "→" + (f"{match.namespace}:" if match.namespace else "") + match.url_name


def run(world, url: str, user: str, method: str) -> str:
    client = Client()
    with transaction.atomic():
        if world["users"][user] is not None:
            client.force_login(world["users"][user])  # sets last_login: rolled back too
        response = client.get(url) if method == "GET" else client.post(url)
        transaction.set_rollback(True)
    return outcome(response)


def matrix(world, url: str, row: Row) -> tuple[dict, dict]:
    actual, expected = {}, {}
    for method in METHODS:
        for user, want in row.expected(method).items():
            got = run(world, url, user, method)
            if want == "staff" and not got.startswith(("5", "login", "admin-login")):
                got = "staff"
            actual[method, user], expected[method, user] = got, want
    return actual, expected


@pytest.mark.parametrize("name", sorted(ROWS))
def test_who_may_open_each_page(world, name):
    [route] = [r for r in PROJECT_ROUTES if r.name == name]
    actual, expected = matrix(world, project_url(route, world), ROWS[name])
    assert actual == expected


@pytest.mark.parametrize("route", ADMIN_ROUTES, ids=lambda r: r.name or r.route)
def test_the_admin_is_for_staff_only(world, route):
    actual, expected = matrix(world, admin_url(route, world), admin_row(route))
    assert actual == expected


# -- Staff who have typed their password but not yet their second factor ---------------------------

# Open before the second step: logging in and out, the language switch, the health check, the
# invitation link, and the second step's own pages (their rows above). Written down here on
# purpose, apart from SecondFactorMiddleware.OPEN_PAGES: a page opened there by mistake fails.
OPEN_BEFORE_SECOND_FACTOR = {"login", "logout", "language", "health", "set_password"} | {
    "two_factor",
    "two_factor_setup",
    "two_factor_recovery",
    "passkey_register_begin",
    "passkey_register_complete",
    "passkey_verify_begin",
    "passkey_verify_complete",
    "passkey_js_catalog",
}
SECOND_FACTOR_ROUTES = [
    r for r in PROJECT_ROUTES if r.name not in OPEN_BEFORE_SECOND_FACTOR
] + ADMIN_ROUTES


def unverified(world, url: str, user, method: str) -> str:
    client = Client()
    with transaction.atomic():
        client.force_login(user, verified=False)
        response = client.get(url) if method == "GET" else client.post(url)
        transaction.set_rollback(True)
    return outcome(response)


@pytest.mark.parametrize("route", SECOND_FACTOR_ROUTES, ids=lambda r: r.name or r.route)
def test_staff_give_their_second_factor_before_any_other_page(world, route):
    """A nurse with an app types its code first; an admin without one sets one up first."""
    nurse, admin_user = world["users"]["nurse_x"], world["users"]["admin"]
    authenticator_app(nurse)
    url = admin_url(route, world) if route.namespace else project_url(route, world)
    for method in METHODS:
        assert unverified(world, url, nurse, method) == "→two_factor", (method, url)
        assert unverified(world, url, admin_user, method) == "→two_factor_setup", (method, url)
