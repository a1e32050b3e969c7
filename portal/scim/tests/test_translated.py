"""The SCIM tokens page in the browser's language (German here); SCIM itself stays English."""

import pytest
from django.conf import settings
from django.utils import translation

pytestmark = pytest.mark.django_db

GERMAN = {"HTTP_ACCEPT_LANGUAGE": "de"}


@pytest.fixture(autouse=True)
def english_afterwards():
    """A request leaves its language active in the thread: the next tests start in English."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


def test_the_scim_page_in_german(login, alice):
    page = login(alice).get("/scim-tokens/", **GERMAN).content.decode()
    assert "SCIM-Bereitstellung" in page and "Identitätsanbieter" in page
    assert "Noch keine SCIM-Tokens." in page
    assert "Benutzer sofort einladen (Save &amp; Invite)" in page
    for english in ("SCIM provisioning", "No SCIM tokens yet.", "Issue a token"):
        assert english not in page


def test_issuing_a_token_is_confirmed_in_german(login, alice):
    client = login(alice)
    response = client.post(
        "/scim-tokens/issue/", {"organization": "org-a", "name": "Okta", "invite": "on"}, **GERMAN
    )
    assert response.status_code == 302
    page = client.get(response["Location"], **GERMAN).content.decode()
    assert "für Org A ausgestellt." in page and "Neues SCIM-Token" in page
