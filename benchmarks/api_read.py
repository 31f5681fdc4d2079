#!/usr/bin/env python3
"""Authenticated API read (GET /api/v1/me with a bearer token) against a bare Django view that
authenticates the same token and returns the same JSON, both through the full middleware stack.

    python benchmarks/api_read.py [--quick]

Prints one JSON object last: value = our requests/s, baseline_value = the bare view's, ratio =
ours / bare (goal >= 0.5). In-process (Django's test client), a fresh SQLite database in a
temporary folder, rounds alternated so that both see the same machine state.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import types
from pathlib import Path
from typing import Any


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="a short run (under a minute)")
    args = parser.parse_args()
    requests, rounds = (300, 3) if args.quick else (2000, 5)

    tmp = tempfile.mkdtemp(prefix="ggzy-bench-")
    os.environ.update(
        {"GGZY_VAR_DIR": tmp, "GGZY_DEBUG": "0", "DJANGO_SETTINGS_MODULE": "ggzy.settings_test"}
    )
    os.environ.pop("GGZY_TEST_POSTGRES", None)
    os.environ.pop("GGZY_DATABASE_URL", None)
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.core.management import call_command
    from django.http import HttpRequest, JsonResponse
    from django.test import Client
    from django.urls import clear_url_caches, include, path
    from django.utils import timezone
    from django.utils.translation import get_language

    from ggzy.accounts.models import ApiToken
    from ggzy.accounts.selectors import user_roles
    from ggzy.accounts.services import token_create, token_digest
    from ggzy.core.access import public, token_scopes
    from ggzy.core.formatting import person_name

    call_command("migrate", verbosity=0)
    user = get_user_model().objects.create_user(
        username="bench", password="x", first_name="测", last_name="试"
    )
    user.groups.add(Group.objects.create(name="supervisor"))
    _, raw = token_create(user=user, name="bench", days=1, scopes=token_scopes())

    @public  # it authenticates the token itself, as a hand-written view would
    def bare_me(request: HttpRequest) -> JsonResponse:
        header = request.headers.get("Authorization", "")
        token = ApiToken.objects.select_related("user").filter(digest=token_digest(header[7:])).first()
        if token is None or token.revoked_at or token.expires_at <= timezone.now():
            return JsonResponse({"code": "token_invalid"}, status=401)
        u: Any = token.user
        return JsonResponse(
            {
                "username": u.get_username(),
                "full_name": person_name(u),
                "roles": sorted(r.value for r in user_roles(u)),
                "language": get_language(),
            }
        )

    urls = types.ModuleType("bench_urls")
    urls.urlpatterns = [path("bare/me", bare_me), path("", include("ggzy.urls"))]  # type: ignore[attr-defined]
    sys.modules["bench_urls"] = urls
    settings.ROOT_URLCONF = "bench_urls"
    settings.ALLOWED_HOSTS = ["testserver"]
    clear_url_caches()

    client = Client(headers={"Authorization": f"Bearer {raw}"})
    ours_body = client.get("/api/v1/me").json()
    bare_body = client.get("/bare/me").json()
    assert ours_body == bare_body, (ours_body, bare_body)

    def rate(url: str) -> float:
        start = time.perf_counter()
        for _ in range(requests):
            response = client.get(url)
            assert response.status_code == 200
        return requests / (time.perf_counter() - start)

    rate("/api/v1/me")
    rate("/bare/me")  # warm up both
    ours, bare = [], []
    for _ in range(rounds):
        ours.append(rate("/api/v1/me"))
        bare.append(rate("/bare/me"))
    value, baseline = statistics.median(ours), statistics.median(bare)
    print(f"ours {[round(x) for x in ours]} req/s, bare {[round(x) for x in bare]} req/s")
    print(
        json.dumps(
            {
                "benchmark": "api_read",
                "value": round(value, 1),
                "unit": "requests/s",
                "baseline": "bare Django view, same token check and JSON",
                "baseline_value": round(baseline, 1),
                "ratio": round(value / baseline, 3),
            }
        )
    )


if __name__ == "__main__":
    main()
