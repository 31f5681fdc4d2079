"""Bad input on the API: one error shape, a precise status, nothing written; the OpenAPI drift check."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.utils import timezone

from ggzy.accounts.models import ApiToken
from ggzy.accounts.services import token_create
from ggzy.core.access import token_scopes
from ggzy.core.management.commands.openapi import DEFAULT_PATH, render_schema, schema_drift
from ggzy.core.roles import Role

pytestmark = pytest.mark.django_db

REPO = Path(__file__).resolve().parents[2]


def assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = json.loads(response.content)
    assert set(body) == {"code", "message", "detail"}
    assert body["code"] == code
    assert body["message"]
    return body


def test_unknown_api_route_is_404_in_the_error_shape(client: Client) -> None:
    assert_error(client.get("/api/v1/no/such/thing"), 404, "not_found")
    assert_error(client.get("/api/v2/me"), 404, "not_found")


def test_wrong_method_is_405_in_the_error_shape(client: Client) -> None:
    response = client.put("/api/v1/health")
    assert_error(response, 405, "method_not_allowed")
    assert "GET" in response["Allow"]


def test_message_follows_accept_language(client: Client) -> None:
    zh = assert_error(client.get("/api/v1/me"), 401, "unauthenticated")
    en = assert_error(client.get("/api/v1/me", headers={"Accept-Language": "en"}), 401, "unauthenticated")
    assert en["message"] == "Please sign in or send a valid access token."
    assert zh["message"] != en["message"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in zh["message"])  # Chinese by default


def test_malformed_json_is_400_and_writes_nothing(bearer: Callable[..., dict[str, str]]) -> None:
    headers = bearer(Role.RESPONDER)
    before = ApiToken.objects.count()
    response = Client().post(
        "/api/v1/tokens", data='{"name": "x",', content_type="application/json", headers=headers
    )
    assert_error(response, 400, "malformed_json")
    assert ApiToken.objects.count() == before


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "application/xml"]
)
def test_wrong_content_type_is_415_and_writes_nothing(
    content_type: str, bearer: Callable[..., dict[str, str]]
) -> None:
    headers = bearer(Role.RESPONDER)
    before = ApiToken.objects.count()
    response = Client().post(
        "/api/v1/tokens", data='{"name": "x"}', content_type=content_type, headers=headers
    )
    body = assert_error(response, 415, "unsupported_media_type")
    assert body["detail"] == {"content_type": content_type}
    assert ApiToken.objects.count() == before


def test_invalid_fields_are_422_with_their_location(bearer: Callable[..., dict[str, str]]) -> None:
    headers = bearer(Role.RESPONDER)
    before = ApiToken.objects.count()
    response = Client().post(
        "/api/v1/tokens", data={"name": "x", "days": "many"}, content_type="application/json", headers=headers
    )
    body = assert_error(response, 422, "validation_failed")
    assert ["body", "payload", "days"] in [d["loc"] for d in body["detail"]]
    assert ApiToken.objects.count() == before


def test_out_of_range_field_is_422_and_writes_nothing(bearer: Callable[..., dict[str, str]]) -> None:
    headers = bearer(Role.RESPONDER)
    before = ApiToken.objects.count()
    response = Client().post(
        "/api/v1/tokens",
        data={"name": "x", "days": 4000, "scopes": ["accounts:read"]},
        content_type="application/json",
        headers=headers,
    )
    body = assert_error(response, 422, "validation_failed")
    assert [d["loc"] for d in body["detail"]] == [["body", "payload", "days"]]
    assert ApiToken.objects.count() == before


def test_business_rule_refusal_has_its_own_code(client_as: Callable[..., Client]) -> None:
    client = client_as(Role.RESPONDER)
    token_uid = client.post(
        "/api/v1/tokens", data={"name": "x", "scopes": ["accounts:read"]}, content_type="application/json"
    ).json()["uid"]
    assert client.delete(f"/api/v1/tokens/{token_uid}").status_code == 204
    assert_error(client.delete(f"/api/v1/tokens/{token_uid}"), 409, "token_already_revoked")


def test_oversized_body_is_413_before_it_is_read(
    bearer: Callable[..., dict[str, str]], settings: Any
) -> None:
    headers = bearer(Role.RESPONDER)
    before = ApiToken.objects.count()
    big = json.dumps({"name": "x" * (settings.GGZY_MAX_REQUEST_BODY + 10)})
    response = Client().post("/api/v1/tokens", data=big, content_type="application/json", headers=headers)
    body = assert_error(response, 413, "payload_too_large")
    assert body["detail"] == {"limit_bytes": settings.GGZY_MAX_REQUEST_BODY}
    assert ApiToken.objects.count() == before


def test_bad_content_length_is_400(client: Client) -> None:
    response = client.post("/api/v1/tokens", data="{}", content_type="application/json", CONTENT_LENGTH="ten")
    assert_error(response, 400, "bad_request")


def test_missing_token_is_401(client: Client) -> None:
    assert_error(client.get("/api/v1/me"), 401, "unauthenticated")


def test_unknown_token_is_401(client: Client) -> None:
    assert_error(
        client.get("/api/v1/me", headers={"Authorization": "Bearer ggzy_nope"}), 401, "token_invalid"
    )


def test_expired_token_is_401(client: Client, make_user: Callable[..., Any]) -> None:
    token, raw = token_create(user=make_user(Role.RESPONDER), name="old", days=1, scopes=token_scopes())
    ApiToken.objects.filter(pk=token.pk).update(
        created_at=timezone.now() - timedelta(days=3), expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert_error(client.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"}), 401, "token_expired")


def test_revoked_token_is_401(client: Client, make_user: Callable[..., Any]) -> None:
    user = make_user(Role.RESPONDER)
    token, raw = token_create(user=user, name="gone", days=1, scopes=token_scopes())
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
    assert_error(client.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"}), 401, "token_invalid")


def test_token_of_an_inactive_user_is_401(client: Client, make_user: Callable[..., Any]) -> None:
    user = make_user(Role.RESPONDER)
    _, raw = token_create(user=user, name="t", days=1, scopes=token_scopes())
    user.is_active = False
    user.save()
    assert_error(client.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"}), 401, "token_invalid")


def test_session_post_without_csrf_is_403_and_writes_nothing(
    client_for: Callable[..., Client], make_user: Callable[..., Any]
) -> None:
    client = client_for(make_user(Role.RESPONDER), enforce_csrf_checks=True)
    before = ApiToken.objects.count()
    response = client.post("/api/v1/tokens", data={"name": "x"}, content_type="application/json")
    assert_error(response, 403, "csrf_failed")
    assert ApiToken.objects.count() == before


def test_session_post_with_csrf_succeeds(
    client_for: Callable[..., Client], make_user: Callable[..., Any]
) -> None:
    client = client_for(make_user(Role.RESPONDER), enforce_csrf_checks=True)
    client.get("/")  # sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    response = client.post(
        "/api/v1/tokens",
        data={"name": "mine", "scopes": ["accounts:read"]},
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 201, response.content
    assert response.json()["token"].startswith("ggzy_")


def test_page_form_without_csrf_is_403_page(
    client_for: Callable[..., Client], make_user: Callable[..., Any]
) -> None:
    client = client_for(make_user(Role.RESPONDER), enforce_csrf_checks=True)
    response = client.post("/accounts/logout/")
    assert response.status_code == 403
    assert b'data-error-code="csrf_failed"' in response.content
    assert "_auth_user_id" in client.session  # still signed in: nothing changed


def test_wrong_role_is_403_before_the_body_is_read(bearer: Callable[..., dict[str, str]]) -> None:
    response = Client().get("/api/v1/access/endpoints", headers=bearer(Role.RESPONDER))
    assert_error(response, 403, "forbidden")


@pytest.mark.clause("8.1.2")
def test_openapi_document_is_committed_and_current() -> None:
    committed = (REPO / DEFAULT_PATH).read_text(encoding="utf-8")
    assert schema_drift(render_schema(), committed) == []
    schema = json.loads(committed)
    assert schema["openapi"].startswith("3.1")
    for path, operations in schema["paths"].items():
        for method, op in operations.items():
            codes = set(op["responses"])
            assert {"400", "404", "422"} <= codes, (method, path)
            if op["x-ggzy-access"] != "public":
                assert {"401", "403"} <= codes, (method, path)


def test_openapi_check_fails_when_the_api_changes(tmp_path: Path) -> None:
    stale = tmp_path / "openapi.json"
    stale.write_text(render_schema().replace('"/api/v1/me"', '"/api/v1/whoami"'), encoding="utf-8")
    with pytest.raises(CommandError, match="out of date"):
        call_command("openapi", "--check", "--path", str(stale))
    fresh = tmp_path / "fresh.json"
    call_command("openapi", "--path", str(fresh))
    call_command("openapi", "--check", "--path", str(fresh))  # no error


def test_openapi_docs_page_uses_local_assets(client: Client) -> None:
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower()


def test_nul_characters_are_refused_before_they_reach_the_database(
    bearer: Callable[..., dict[str, str]],
) -> None:
    client = Client(headers=bearer(Role.RESPONDER))
    assert_error(
        client.get("/api/v1/calendar/period?rule=a%00b&start=2026-01-01T00:00:00Z"), 400, "bad_request"
    )
    before = ApiToken.objects.count()
    response = client.post("/api/v1/tokens", data='{"name": "a\\u0000b"}', content_type="application/json")
    assert_error(response, 400, "bad_request")
    assert ApiToken.objects.count() == before
