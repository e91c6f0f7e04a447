"""Error pages: kind words, and what to do when unwell, even when the server is failing."""

import pytest
from django.template.loader import render_to_string
from django.test import Client

from tests.factories import car_t_patient

pytestmark = pytest.mark.django_db


def test_the_server_error_page_says_to_send_again_and_to_call_when_unwell():
    html = render_to_string("500.html")  # Django renders it with no request and no context
    assert "may not have reached us" in html
    assert "send it again" in html
    assert "call your care team" in html


def test_a_missing_page_is_kind_and_leads_back(client: Client):
    patient = car_t_patient()
    client.force_login(patient.user)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "We could not find this page" in html
    assert 'href="/"' in html
