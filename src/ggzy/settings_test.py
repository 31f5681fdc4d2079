"""Settings for the test suite: the real settings with the few changes tests need.

SQLite always; PostgreSQL when `GGZY_TEST_POSTGRES` is set (`1` for the local server, or a URL).
"""

from __future__ import annotations

import os

from ggzy.settings import *  # noqa: F403
from ggzy.settings import database_config

_pg = os.environ.get("GGZY_TEST_POSTGRES", "").strip()
if _pg:
    _url = _pg if "://" in _pg else "postgres://postgres@127.0.0.1:5432/test"
    DATABASES = {"default": database_config(_url)}
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # The suite's own connections are plain (pytest-django makes and drops test databases); the
    # processes tests start run the production settings, pool included.
    DATABASES["default"]["OPTIONS"].pop("pool", None)
    # Django's PostgreSQL backend, except that emptying the database after a transactional test deletes
    # rows instead of truncating every table (3 s each time; see the module)
    DATABASES["default"]["ENGINE"] = "ggzy.core.testdb"

# Plain static storage with finders: tests must not depend on a collectstatic having run.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed; production keeps PBKDF2
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405  (WhiteNoise warns when it is missing)
INSTALLED_APPS = [*INSTALLED_APPS, "tests.testapp"]  # noqa: F405  (a model carrying embargo instants)
GGZY_OUTBOX_DIR = VAR_DIR / "test-outbox"  # noqa: F405  (tests point it at a temporary folder)
# The suite is neither a production instance nor a demonstration: it uses test CAs and demo
# custodian sets on the real clock; tests that need a mode set it (no environment variable can).
GGZY_PRODUCTION = False
