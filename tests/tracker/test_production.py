"""Production settings: the deployment checks pass, and every answer carries the safety headers.

The test suite runs on the production settings (tests/settings.py only swaps in a throwaway key, a
fast password hasher and local e-mail, and turns the HTTPS redirect off for the plain test client);
the redirect is turned back on here where it is the subject.
"""

import re
import secrets

import pytest
from django.urls import reverse

from tests.commands import run_manage
from tests.factories import PASSWORD, car_t_patient

pytestmark = pytest.mark.django_db

PRODUCTION = {
    "DJANGO_DEBUG": "false",
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
    "DJANGO_ALLOWED_HOSTS": "tracker.example.org",
}


def test_the_deployment_checks_find_nothing_under_production_settings():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_the_deployment_checks_do_fail_on_a_weak_secret_key():
    result = run_manage(
        "check", "--deploy", "--fail-level", "WARNING", **{**PRODUCTION, "DJANGO_SECRET_KEY": "x"}
    )
    assert result.returncode != 0
    assert "security.W009" in result.stderr + result.stdout


@pytest.fixture
def page(client):
    """The login page over HTTPS, as a browser gets it in production."""
    return client.get(reverse("login"), secure=True)


def test_https_is_remembered_for_a_year_with_subdomains(page):
    assert page["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"


def test_plain_http_is_sent_to_https(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    response = client.get(reverse("login"))
    assert response.status_code == 301
    assert response["Location"] == "https://testserver/login/"


def csp(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {d.split()[0]: d.split()[1:] for d in header.split(";") if d.strip()}


def test_the_content_security_policy_allows_only_our_own_scripts_with_this_pages_nonce(page):
    policy = csp(page)
    assert "'unsafe-inline'" not in page["Content-Security-Policy"]
    assert "'unsafe-eval'" not in page["Content-Security-Policy"]
    assert policy["default-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    [nonce] = [s for s in policy["script-src"] if s.startswith("'nonce-")]
    html = page.content.decode()
    scripts = re.findall(r"<script\b[^>]*>", html)
    assert scripts, "the page loads htmx"
    for tag in scripts:
        assert f'nonce="{nonce[7:-1]}"' in tag
        assert "src=" in tag  # no inline script body to run
    assert " style=" not in html


def test_each_answer_has_a_new_nonce(client):
    first = csp(client.get(reverse("login"), secure=True))["script-src"]
    second = csp(client.get(reverse("login"), secure=True))["script-src"]
    assert first != second


def test_no_page_may_be_framed(page):
    assert page["X-Frame-Options"] == "DENY"
    assert csp(page)["frame-ancestors"] == ["'none'"]


def test_the_referrer_stays_on_our_site_and_types_are_not_guessed(page):
    assert page["Referrer-Policy"] == "same-origin"
    assert page["X-Content-Type-Options"] == "nosniff"


def test_the_session_and_csrf_cookies_go_over_https_only(client):
    patient = car_t_patient()
    login = client.get(reverse("login"), secure=True)
    csrf = login.cookies["csrftoken"]
    assert csrf["secure"]
    response = client.post(
        reverse("login"), {"username": patient.user.username, "password": PASSWORD}, secure=True
    )
    session = response.cookies["sessionid"]
    assert session["secure"]
    assert session["httponly"]
    assert session["samesite"] == "Lax"


def test_pages_for_logged_in_users_carry_the_same_headers(client):
    patient = car_t_patient()
    client.force_login(patient.user)
    response = client.get(reverse("checkin"), secure=True)
    assert response.status_code == 200
    assert response["X-Frame-Options"] == "DENY"
    assert "Strict-Transport-Security" in response
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert " style=" not in response.content.decode()
