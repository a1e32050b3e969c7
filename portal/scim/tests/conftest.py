import json

import pytest
from django.test import Client


@pytest.fixture
def scim_token(alice, org_a, group_a):
    """A SCIM token alice (all privileges in org A) issued for org A; users are not invited."""
    from portal.scim.services import scim_token_issue

    _token, raw = scim_token_issue(actor=alice, organization=org_a, name="Okta", invite=False)
    return raw


class Scim:
    """An identity provider's requests to /scim/v2/, as JSON."""

    def __init__(self, raw: str):
        self.client = Client(headers={"Authorization": f"Bearer {raw}"})

    def _send(self, method, path, body=None, **extra):
        kwargs = {"content_type": "application/scim+json"}
        if body is not None:
            kwargs["data"] = json.dumps(body)
        response = getattr(self.client, method)(f"/scim/v2/{path}", **kwargs, **extra)
        response.data = json.loads(response.content) if response.content else None
        return response

    def get(self, path, **params):
        response = self.client.get(f"/scim/v2/{path}", params)
        response.data = json.loads(response.content) if response.content else None
        return response

    def post(self, path, body):
        return self._send("post", path, body)

    def put(self, path, body):
        return self._send("put", path, body)

    def patch(self, path, body):
        return self._send("patch", path, body)

    def delete(self, path):
        return self._send("delete", path)


@pytest.fixture
def scim(scim_token):
    return Scim(scim_token)
