"""Every bad input is a 4xx in the documented shape, never a 500 or an HTML page from the API.

The API's operations are read from its own OpenAPI document, so an operation added later is
covered without a line here: a NUL in any query parameter or JSON text field, an id over 64 bits
in any path. The portal's pages are walked from its URL patterns. Runs on both databases (the
NULs are what PostgreSQL refuses; the big integers what SQLite refuses).
"""

from __future__ import annotations

import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver

from portal.accounts.services import account_add

NUL = "ab\x00c"
SURROGATE = '"ab\\ud800c"'  # a JSON string holding a lone high surrogate
HUGE = 2**64
LAYOUT = 'class="topbar"'  # the portal's header: the page is in the layout


def assert_error(response, status, *fields):
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = response.json()
    assert set(body) == {"error", "fields", "code"} and body["error"], body
    for field in fields:
        assert field in body["fields"], (field, body)
    return body


@pytest.fixture
def world(operator, org_a, group_a, numbers_a):
    """Real objects for the path parameters, so that every request reaches its view."""
    account = account_add(actor=operator, organization=org_a, data={"email": "ada@example.com"})
    return {
        "slug": org_a.slug,
        "account_id": account.pk,
        "group_id": group_a.pk,
        "batch_id": 1,
        "job_id": 1,
        "token": "x" * 20,
        "language": "en",
        "channel": "email",
    }


@pytest.fixture
def doc(api, operator):
    return api(operator).get("/api/v1/openapi.json").json()


def operations(doc):
    for path, methods in doc["paths"].items():
        for method, operation in methods.items():
            yield path, method, operation


def fill(path: str, values: dict) -> str:
    """The path with its parameters: from `values`, else 1 (the parameters checked reject first)."""
    for key, value in values.items():
        path = path.replace("{" + key + "}", str(value))
    return re.sub(r"\{[^}]+\}", "1", path)


def call(client, method, path, body=None, **extra):
    if body is None:
        return getattr(client, method)(path, **extra)
    return getattr(client, method)(path, body, content_type="application/json", **extra)


def body_text_fields(doc, operation) -> list[str]:
    """The top-level fields of an operation's JSON body that take a string."""
    content = operation.get("requestBody", {}).get("content", {})
    if "application/json" not in content:
        return []
    schema = content["application/json"]["schema"]
    if "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    fields = []
    for name, prop in schema.get("properties", {}).items():
        kinds = [prop.get("type")] + [p.get("type") for p in prop.get("anyOf", [])]
        if "string" in kinds:
            fields.append(name)
    return fields


# ---------------------------------------------------------------- what no database can store


def test_it_refuses_a_nul_in_every_query_parameter_of_the_api(api, operator, world, doc):
    client, tried = api(operator), []
    for path, method, operation in operations(doc):
        for param in operation.get("parameters", []):
            if param["in"] != "query":
                continue
            response = call(client, method, fill(path, world) + f"?{param['name']}=ab%00c")
            assert_error(response, 400, param["name"])
            tried.append(f"{method.upper()} {path}?{param['name']}")
    print(f"{len(tried)} query parameters refused with a NUL")
    assert len(tried) >= 15


def test_it_refuses_a_nul_in_every_text_field_of_the_api_bodies(api, operator, world, doc):
    client, tried = api(operator), []
    for path, method, operation in operations(doc):
        for field in body_text_fields(doc, operation):
            response = call(client, method, fill(path, world), json.dumps({field: NUL}))
            assert_error(response, 400, field)
            tried.append(f"{method.upper()} {path} {field}")
    print(f"{len(tried)} JSON text fields refused with a NUL")
    assert len(tried) >= 40


@pytest.mark.parametrize(
    "path,body,field",
    [
        ("/api/v1/accounts", '{"organization": "org-a", "email": %s}', "email"),
        ("/api/v1/numbers", '{"numbers": [%s]}', "numbers.0"),
        ("/api/v1/accounts/move", '{"organization": "org-a", "filter": {"q": %s}}', "filter.q"),
        ("/api/v1/organizations", '{"name": "A", "slug": "a", %s: 1}', "ab\\ud800c"),
        ("/api/v1/activation/by-code", '{"contact": %s, "code": "12345678"}', "contact"),
    ],
)
def test_it_refuses_a_lone_surrogate_in_json(api, operator, org_a, path, body, field):
    response = api(operator).post(path, body % SURROGATE, content_type="application/json")
    assert "unpaired surrogates" in assert_error(response, 400, field)["fields"][field][0]


def test_it_refuses_a_nul_in_a_form_field_and_a_file_name_of_an_upload(api, operator, org_a):
    client = api(operator)
    upload = SimpleUploadedFile("users.csv", b"email\nada@example.com\n", content_type="text/csv")
    assert_error(
        client.post("/api/v1/batches", {"file": upload, "organization": NUL}), 400, "organization"
    )
    upload = SimpleUploadedFile(
        "us\x00ers.csv", b"email\nada@example.com\n", content_type="text/csv"
    )
    response = client.post("/api/v1/batches", {"file": upload, "organization": "org-a"})
    assert response.status_code in (202, 400)  # Django drops what follows the NUL, or we refuse it
    assert response.json().get("id") or "file" in response.json()["fields"]


def test_it_refuses_a_nul_in_a_header(api, operator):
    response = api(operator).get("/api/v1/accounts", headers={"Idempotency-Key": NUL})
    assert_error(response, 400, "Idempotency-Key")


# ---------------------------------------------------------------- ids out of range


@pytest.mark.parametrize("value", [2**63, HUGE, 10**40])
def test_it_answers_404_for_an_id_out_of_range_in_every_path(api, operator, world, doc, value):
    client, tried = api(operator), 0
    for path, method, operation in operations(doc):
        ints = [
            p["name"]
            for p in operation.get("parameters", [])
            if p["in"] == "path" and p.get("schema", {}).get("type") == "integer"
        ]
        if ints:
            response = call(client, method, fill(path, {**world, **dict.fromkeys(ints, value)}))
            assert_error(response, 404)
            tried += 1
    assert tried >= 10


@pytest.mark.parametrize(
    "path,body,field",
    [
        ("/api/v1/accounts/resend-invitation", {"ids": [HUGE]}, "ids.0"),
        ("/api/v1/accounts/suspend", {"ids": [1, -(2**63) - 1]}, "ids.1"),
        (
            "/api/v1/organizations/org-a",
            {"number_utilisation_percent": HUGE},
            "number_utilisation_percent",
        ),
    ],
)
def test_it_refuses_an_integer_out_of_range_in_a_body(api, operator, org_a, path, body, field):
    method = "patch" if path.endswith("org-a") else "post"
    response = call(api(operator), method, path, json.dumps(body))
    assert "out of range" in assert_error(response, 400, field)["fields"][field][0]


@pytest.mark.parametrize(
    "path", ["/api/v1/accounts/-1", "/api/v1/accounts/1e3", "/api/v1/permission-groups/-5"]
)
def test_it_answers_404_for_a_negative_or_malformed_id(api, operator, path):
    assert_error(api(operator).get(path), 404)


def test_it_lists_nothing_after_a_cursor_out_of_range(api, operator, org_a):
    response = api(operator).get("/api/v1/accounts", {"after": str(HUGE)})
    assert response.status_code == 200 and response.json()["items"] == []


# ---------------------------------------------------------------- bodies, types, paths, methods


@pytest.mark.parametrize(
    "body",
    ["{", '{"organization": "org-a",}', "nul\x00", "[1, 2", "NaN", '{"n": Infinity}', b"\xff\xfe{"],
)
def test_it_refuses_a_body_that_is_not_json(api, operator, body):
    response = api(operator).post("/api/v1/accounts", body, content_type="application/json")
    assert "not valid JSON" in assert_error(response, 400, "body")["error"]


@pytest.mark.parametrize(
    "content_type", ["application/x-www-form-urlencoded", "text/plain", "application/xml"]
)
def test_it_answers_415_for_a_body_that_is_not_json(api, operator, content_type):
    response = api(operator).post(
        "/api/v1/accounts", '{"organization": "org-a"}', content_type=content_type
    )
    assert content_type in assert_error(response, 415)["error"]


def test_it_answers_400_for_a_json_body_sent_to_the_upload(api, operator, org_a):
    response = api(operator).post(
        "/api/v1/batches", '{"organization": "org-a"}', content_type="application/json"
    )
    assert_error(response, 400, "file")


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/nothing",
        "/api/v1/accounts/",
        "/api/v1/accounts/1/x",
        "/api/v2/accounts",
        "/api/",
        "/api/v1/organizations/a/b/c/d",
    ],
)
def test_it_answers_unknown_api_paths_with_a_json_404(api, operator, path):
    assert_error(api(operator).get(path), 404)


@pytest.mark.parametrize(
    "method,path,allowed",
    [
        ("delete", "/api/v1/accounts", {"GET", "POST"}),
        ("put", "/api/v1/numbers/allocate", {"POST"}),
        ("get", "/api/v1/accounts/move", {"POST"}),
        ("options", "/api/v1/organizations", {"GET", "POST"}),
    ],
)
def test_it_answers_a_wrong_method_with_a_json_405_and_allow(api, operator, method, path, allowed):
    response = getattr(api(operator), method)(path)
    assert_error(response, 405)
    assert {m.strip() for m in response["Allow"].split(",")} == allowed


def test_it_answers_an_oversize_body_with_a_json_413(api, operator, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    response = api(operator).post(
        "/api/v1/accounts", json.dumps({"email": "x" * 20_000}), content_type="application/json"
    )
    assert "too large" in assert_error(response, 413)["error"]


def test_it_answers_a_crash_with_a_json_500(api, operator, org_a, monkeypatch):
    from portal.organizations import api as organizations_api

    def crash(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(organizations_api, "organization_out", crash)
    client = api(operator)
    client.raise_request_exception = False
    body = assert_error(client.get("/api/v1/organizations"), 500)
    assert "a bug" not in body["error"]


# ---------------------------------------------------------------- 401, 403, 404, 409, 429


def test_the_refusals_of_privilege_and_scope_have_the_shape(api, bob, charlie, org_a, numbers_a):
    from django.test import Client

    assert_error(Client().get("/api/v1/accounts"), 401)
    assert_error(Client(headers={"Authorization": "Bearer nope"}).get("/api/v1/accounts"), 401)
    assert_error(api(bob).get("/api/v1/accounts"), 403)
    assert_error(api(charlie).get("/api/v1/organizations/org-a"), 404)


def test_a_conflict_has_the_shape(api, operator, org_a, org_b):
    account_add(actor=operator, organization=org_a, data={"email": "ada@example.com"})
    body = {"filter": {"organization": "org-a"}, "all_matching": True, "organization": "org-b"}
    response = api(operator).post(
        "/api/v1/accounts/move", json.dumps(body), content_type="application/json"
    )
    assert "not have enough numbers" in assert_error(response, 409)["error"]


def test_a_throttled_request_has_the_shape_and_retry_after(operator):
    from ninja.errors import Throttled

    from portal.api import api

    request = RequestFactory().get("/api/v1/accounts")
    response = api.on_exception(request, Throttled(wait=3))
    assert response.status_code == 429
    assert json.loads(response.content) == {
        "error": "Too many requests.",
        "fields": {},
        "code": "throttled",
    }


# ---------------------------------------------------------------- the OpenAPI document


def test_every_operation_documents_its_error_answers(doc):
    count = 0
    for path, method, operation in operations(doc):
        documented = {int(code) for code in operation["responses"]}
        assert {400, 401, 403, 404, 409, 413, 429} <= documented, (method, path)
        if "application/json" in operation.get("requestBody", {}).get("content", {}):
            assert 415 in documented, (method, path)
        schema = operation["responses"]["404"]["content"]["application/json"]["schema"]
        assert schema == {"$ref": "#/components/schemas/ErrorOut"}
        count += 1
    assert doc["components"]["schemas"]["ErrorOut"]["required"] == ["error", "fields", "code"]
    assert count >= 40


# ---------------------------------------------------------------- the portal


def portal_pages():
    """Every portal URL without parameters (GET), from the URL patterns."""

    def walk(patterns, prefix=""):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                if not route.startswith(("api/", "scim/")):
                    yield from walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern) and "<" not in route and "^" not in route:
                yield "/" + route

    return sorted(set(walk(get_resolver().url_patterns)))


def test_the_portal_answers_a_nul_in_any_query_with_a_400_page(login, operator, org_a):
    client, pages = login(operator), portal_pages()
    for page in pages:
        response = client.get(page, {"q": NUL, "organization": "org-a"})
        assert response.status_code == 400, (page, response.status_code)
        assert LAYOUT in response.content.decode() and "NUL" in response.content.decode(), page
    print(f"{len(pages)} portal pages refuse a NUL in the query")
    assert {"/accounts/", "/numbers/", "/activity/", "/batches/"} <= set(pages)


@pytest.mark.parametrize(
    "path,data",
    [
        ("/numbers/reserve/", {"n": "1", "reserved_for": NUL}),
        ("/organizations/new/", {"name": NUL, "slug": "x"}),
        ("/accounts/add/?organization=org-a", {"organization": "org-a", "email": NUL}),
        ("/login/", {"username": NUL, "password": "x"}),
    ],
)
def test_the_portal_answers_a_nul_in_a_form_with_a_400_page(login, operator, org_a, path, data):
    response = login(operator).post(path, data)
    assert response.status_code == 400, response.status_code
    assert LAYOUT in response.content.decode()


def test_scim_answers_a_nul_in_its_query_with_a_scim_error(client):
    response = client.get("/scim/v2/Users", {"filter": NUL})
    assert response.status_code == 400
    assert response["Content-Type"] == "application/scim+json"
    assert response.json()["scimType"] == "invalidValue" and "NUL" in response.json()["detail"]


def test_the_portal_answers_ids_out_of_range_and_unknown_pages_with_a_404_page(login, operator):
    client = login(operator)
    for path in (f"/accounts/{HUGE}/", f"/batches/{2**63}/", "/no-such-page/"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert LAYOUT in response.content.decode(), path


def test_the_portal_answers_an_oversize_form_with_a_413_page(login, operator, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    response = login(operator).post("/organizations/new/", {"name": "x" * 20_000})
    assert response.status_code == 413
    assert LAYOUT in response.content.decode() and "too large" in response.content.decode()
