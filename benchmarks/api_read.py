#!/usr/bin/env python3
"""Authenticated API read (GET /api/v1/me with a bearer token) against a bare Django view that
authenticates the same token and returns the same JSON, both through the full middleware stack.

    python benchmarks/api_read.py [--quick] [--in-process]

By default both are served by the production web server — granian with `ggzy.asgi` and the flags
`ggzy serve` uses, 2 workers — and read over HTTP by 8 client threads on keep-alive connections;
`--in-process` uses Django's test client instead (no server). Prints one JSON object last: value =
our requests/s, baseline_value = the bare view's, ratio = ours / bare (goal >= 0.5). A fresh SQLite
database in a temporary folder, rounds alternated so that both see the same machine state.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="a short run (under a minute)")
    parser.add_argument("--in-process", action="store_true", help="Django's test client, no server")
    args = parser.parse_args()
    requests, rounds = (300, 3) if args.quick else (2000, 5)
    if not args.in_process:
        requests *= 2

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
    from django.test import Client
    from django.urls import clear_url_caches

    from ggzy.accounts.services import token_create
    from ggzy.core.access import token_scopes

    call_command("migrate", verbosity=0)
    user = get_user_model().objects.create_user(
        username="bench", password="x", first_name="测", last_name="试"
    )
    user.groups.add(Group.objects.create(name="supervisor"))
    _, raw = token_create(user=user, name="bench", days=1, scopes=token_scopes())

    if args.in_process:
        # the same bare view the served mode mounts (BARE_URLS), imported from the folder it is written to
        (Path(tmp) / "bench_urls.py").write_text(BARE_URLS)
        sys.path.insert(0, tmp)
        settings.ROOT_URLCONF = "bench_urls"
        settings.ALLOWED_HOSTS = ["testserver"]
        clear_url_caches()
        client = Client(headers={"Authorization": f"Bearer {raw}"})

        def get(url: str) -> tuple[int, bytes]:
            response = client.get(url)
            return response.status_code, response.content

        def rate(url: str) -> float:
            start = time.perf_counter()
            for _ in range(requests):
                assert get(url)[0] == 200
            return requests / (time.perf_counter() - start)

        server = None
    else:
        get, rate, server = served(Path(tmp), raw, requests)
    try:
        ours_body, bare_body = json.loads(get("/api/v1/me")[1]), json.loads(get("/bare/me")[1])
        assert ours_body == bare_body, (ours_body, bare_body)
        rate("/api/v1/me")
        rate("/bare/me")  # warm up both
        ours, bare = [], []
        for _ in range(rounds):
            ours.append(rate("/api/v1/me"))
            bare.append(rate("/bare/me"))
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=15)
    value, baseline = statistics.median(ours), statistics.median(bare)
    print(f"ours {[round(x) for x in ours]} req/s, bare {[round(x) for x in bare]} req/s")
    print(
        json.dumps(
            {
                "benchmark": "api_read",
                "value": round(value, 1),
                "unit": "requests/s",
                "baseline": "bare Django view, same token check and JSON",
                "server": "in-process test client" if args.in_process else "granian (ggzy serve), 2 workers",
                "baseline_value": round(baseline, 1),
                "ratio": round(value / baseline, 3),
            }
        )
    )


BARE_URLS = """
from typing import Any

from django.http import HttpRequest, JsonResponse
from django.urls import include, path
from django.utils import timezone
from django.utils.translation import get_language

from ggzy.accounts.models import ApiToken
from ggzy.accounts.selectors import user_roles
from ggzy.accounts.services import token_digest
from ggzy.core.access import public
from ggzy.core.formatting import person_name


@public
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


urlpatterns = [path("bare/me", bare_me), path("", include("ggzy.urls"))]
"""


def served(tmp: Path, raw: str, requests: int) -> tuple[Any, Any, Any]:
    """Start granian as `ggzy serve` does over the benchmark's database, with the bare view mounted;
    return get(url), rate(url) and the server process."""
    import http.client
    import socket
    import subprocess
    import threading

    from ggzy.core.management.commands.serve import web_command

    (tmp / "bench_urls.py").write_text(BARE_URLS)
    (tmp / "bench_settings.py").write_text(
        "from ggzy.settings import *  # noqa: F403\nROOT_URLCONF = 'bench_urls'\n"
    )
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    repo = str(Path(__file__).resolve().parents[1])
    env = {k: v for k, v in os.environ.items() if not k.startswith("GGZY_")}
    env.update(
        {
            "GGZY_VAR_DIR": str(tmp),
            "GGZY_DEBUG": "0",
            "DJANGO_SETTINGS_MODULE": "bench_settings",
            "PYTHONPATH": os.pathsep.join([str(tmp), repo]),
        }
    )
    command = [a if a != "--access-log" else "--no-access-log" for a in web_command("127.0.0.1", port, 2)]
    server = subprocess.Popen(command, env=env, cwd=tmp, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: S603
    headers = {"Authorization": f"Bearer {raw}"}

    def get(url: str, conn: http.client.HTTPConnection | None = None) -> tuple[int, bytes]:
        own = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        own.request("GET", url, headers=headers)
        response = own.getresponse()
        return response.status, response.read()

    deadline = time.monotonic() + 60
    while True:
        try:
            if get("/api/v1/health")[0] == 200:
                break
        except OSError:
            if time.monotonic() > deadline:
                server.kill()
                raise
            time.sleep(0.2)
    threads = 8

    def rate(url: str) -> float:
        each = requests // threads
        failures: list[BaseException] = []

        def client() -> None:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            try:
                for _ in range(each):
                    status, _body = get(url, conn)
                    assert status == 200, status
            except BaseException as exc:  # noqa: BLE001  (reported below)
                failures.append(exc)
            finally:
                conn.close()

        workers = [threading.Thread(target=client) for _ in range(threads)]
        start = time.perf_counter()
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        if failures:
            raise failures[0]
        return each * threads / (time.perf_counter() - start)

    return get, rate, server


if __name__ == "__main__":
    main()
