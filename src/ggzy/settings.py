"""Django settings for ggzy, read from the environment.

| variable | meaning | default |
|---|---|---|
| GGZY_DATABASE_URL | database (sqlite:///… or postgres://…) | SQLite file `var/ggzy.sqlite3` |
| GGZY_MEDIA_ROOT | where uploaded files are kept | `var/media` |
| GGZY_SECRET_KEY | Django's secret key | generated once into `var/secret_key` |
| GGZY_DEBUG | `1` for development | `0` |
| GGZY_PORT | port of `ggzy serve` / `make demo` | `8000` |
| GGZY_VAR_DIR | the folder for the above files | `./var` |
| GGZY_HTTPS | `1` behind TLS: secure cookies, HSTS | `0` |
| GGZY_ALLOWED_HOSTS | comma-separated host names | `127.0.0.1,localhost` |
| GGZY_SANDBOX, GGZY_SANDBOX_SPEED | `1`: a demonstration (fast clock, demo CAs); else production | `0`, `1` |
| GGZY_BEHIND_PROXY | `1` when TLS ends at a proxy that sets X-Forwarded-Proto | `0` |
| GGZY_SIGNING_AGENT_PORT | port of the holders' local signing agent (`ggzy-bid agent`) | `18480` |
| GGZY_SEAL_KEY_FILE, …_CERTIFICATE_FILE, …_PASSPHRASE | the centre's seal (local backend) | unset |
| GGZY_SEAL_BACKEND | another seal backend (a GB/T 38540 seal server) | the local one |
| GGZY_DEMO_CA_DIR | the demo test CA's keys and the demo users' key files (never in `var/`) | unset |
| GGZY_OPENING_REMINDER_DAYS | days before an opening its parties are reminded (1–30; 6.5.1) | `3` |
| GGZY_LIVE_BACKEND | live pages: auto (NOTIFY or polling), postgres, sqlite-poll, redis | `auto` |
| GGZY_REDIS_URL | Redis for GGZY_LIVE_BACKEND=redis (pub/sub for several hosts) | unset |
| GGZY_DISCLOSURE_DAY | day (1–28) the last month's trading figures are published, 09:00 (6.10.2) | `5` |
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _


def _env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


PACKAGE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(os.environ.get("GGZY_VAR_DIR") or Path.cwd() / "var").resolve()
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    """The secret key from the environment, else from `var/secret_key` (created atomically once)."""
    if key := os.environ.get("GGZY_SECRET_KEY"):
        return key
    path = VAR_DIR / "secret_key"
    if not path.exists():
        tmp = path.with_name(f".secret_key.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(secrets.token_urlsafe(50))
        try:
            os.link(tmp, path)  # fails if another process won the race: keep theirs
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return path.read_text(encoding="ascii").strip()


SECRET_KEY = _secret_key()
DEBUG = _env_bool("GGZY_DEBUG")
#: The accelerated clock, test CAs and demo custodians of a demonstration instance (ggzy.core.clock):
#: the explicit choice (`make demo` sets it).
GGZY_SANDBOX = _env_bool("GGZY_SANDBOX")
GGZY_SANDBOX_SPEED = int(os.environ.get("GGZY_SANDBOX_SPEED") or 1)
#: Production is the default: without GGZY_SANDBOX an instance refuses test CAs and demo custodian
#: sets and `ggzy check` reports them. (Only the test suite's settings module chooses neither.)
GGZY_PRODUCTION = not GGZY_SANDBOX
if os.environ.get("GGZY_PRODUCTION", "").strip() and _env_bool("GGZY_PRODUCTION") != GGZY_PRODUCTION:
    raise ImproperlyConfigured(
        "GGZY_SANDBOX cannot be used with GGZY_PRODUCTION: a production instance runs on the real clock"
        if GGZY_SANDBOX
        else "GGZY_PRODUCTION=0 is not a mode: an instance is production unless GGZY_SANDBOX=1 "
        "(a demonstration) — remove GGZY_PRODUCTION"
    )
HTTPS = _env_bool("GGZY_HTTPS")
PORT = int(os.environ.get("GGZY_PORT") or 8000)
ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("GGZY_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]").split(",") if h
]

INSTALLED_APPS = [
    "ggzy.core.admin_apps.GgzyAdminConfig",  # Django's admin on the platform's own terms
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "django_tasks",
    "django_tasks_db",
    "csp",
    "ninja",
    "ggzy.core",
    "ggzy.events",
    "ggzy.calendar",
    "ggzy.witness",
    "ggzy.accounts",
    "ggzy.certs",
    "ggzy.registry",
    "ggzy.entities",
    "ggzy.sealing",
    "ggzy.service",
    "ggzy.notices",
    "ggzy.tendering",
    "ggzy.securities",
    "ggzy.randomness",
    "ggzy.opening",
    "ggzy.experts",
    "ggzy.venues",
    "ggzy.analytics",
    "ggzy.ops",
    "ggzy.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "ggzy.core.middleware.ApiErrorShapeMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "ggzy.core.middleware.RequestBodyLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "ggzy.core.middleware.LanguageMiddleware",  # zh-hans unless the user chose English
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "ggzy.events.context.OriginMiddleware",
    "ggzy.accounts.middleware.LoginPolicyMiddleware",
    "ggzy.core.middleware.AccessMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "ggzy.urls"
WSGI_APPLICATION = "ggzy.wsgi.application"
ASGI_APPLICATION = "ggzy.asgi.application"

TEMPLATES: list[dict[str, Any]] = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "ggzy.core.context_processors.shell",
                "ggzy.events.context_processors.unread",
                "ggzy.accounts.context_processors.acting_for",
            ],
        },
    },
]

# --- database -------------------------------------------------------------------------------------
SQLITE_OPTIONS = {
    # A web server and a task worker write at once: WAL lets readers go on while one writes,
    # IMMEDIATE takes the write lock at BEGIN (no deadlock on lock upgrade), the timeout waits for it.
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": (
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
        "PRAGMA busy_timeout=20000"
    ),
}


def database_config(url: str) -> dict[str, Any]:
    """One database configuration from a URL; the same code for SQLite and PostgreSQL."""
    config: dict[str, Any] = dict(dj_database_url.parse(url))
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["OPTIONS"] = {**SQLITE_OPTIONS, **config.get("OPTIONS", {})}
    else:
        # Under ASGI each request runs in its own thread: a persistent per-thread connection would
        # be left behind with the thread, so connections come from psycopg's pool instead.
        config["CONN_MAX_AGE"] = 0
        pool_size = int(os.environ.get("GGZY_DB_POOL_SIZE") or 10)
        pool = {"min_size": 1, "max_size": pool_size, "timeout": 20}
        # No JIT: the platform's queries are short, and compiling them cost more than running them (an
        # expert draw's one query over 200,000 experts: 1.6 s compiling, benchmarks/expert_draw.py)
        options = {"options": "-c jit=off", **config.get("OPTIONS", {})}
        config["OPTIONS"] = {**options, "pool": pool}
    config["ATOMIC_REQUESTS"] = False  # services own their transactions
    config.setdefault("TEST", {})
    return config


DATABASE_URL = os.environ.get("GGZY_DATABASE_URL") or f"sqlite:///{VAR_DIR / 'ggzy.sqlite3'}"
DATABASES = {"default": database_config(DATABASE_URL)}
#: models.W040 says SQLite ignores an index's INCLUDE columns: the experts' covering index
#: (`experts_employment_avoid`) is PostgreSQL's speed-up, and on SQLite the same index without them is
#: what is wanted — the warning printed at every `migrate` of `make demo` told a new user nothing to do.
SILENCED_SYSTEM_CHECKS = ["models.W040"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- live pages (ggzy.core.live) -----------------------------------------------------------------
#: auto: LISTEN/NOTIFY on PostgreSQL, polling the table on SQLite; or postgres | sqlite-poll | redis
GGZY_LIVE_BACKEND = os.environ.get("GGZY_LIVE_BACKEND", "").strip() or "auto"
#: the Redis server of GGZY_LIVE_BACKEND=redis (redis://host:6379/0): message ids published on `ggzy_live`
GGZY_REDIS_URL = os.environ.get("GGZY_REDIS_URL", "")

# --- tasks ----------------------------------------------------------------------------------------
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
#: A task row left RUNNING longer than this (its worker died mid-task) is run again by the tick job
#: `events.recover_deliveries`; it must exceed the longest a gateway call may take.
GGZY_TASK_LEASE_SECONDS = int(os.environ.get("GGZY_TASK_LEASE_SECONDS") or 300)

# --- auth -----------------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "ggzy.accounts.policy.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "ggzy.accounts.policy.CharacterClassesValidator"},
    {"NAME": "ggzy.accounts.policy.HistoryValidator"},
]
AUTHENTICATION_BACKENDS = ["ggzy.accounts.policy.PolicyBackend"]
#: Signed-in sessions end after this many idle minutes.
GGZY_IDLE_MINUTES = int(os.environ.get("GGZY_IDLE_MINUTES") or 30)
#: An API token unused this many days stops working (its own idle timeout).
GGZY_TOKEN_IDLE_DAYS = int(os.environ.get("GGZY_TOKEN_IDLE_DAYS") or 30)
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:workspace"
LOGOUT_REDIRECT_URL = "core:home"

# --- i18n and time --------------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True

# --- static and media -----------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("GGZY_MEDIA_ROOT") or VAR_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# --- request limits -------------------------------------------------------------------------------
# Bodies above this are refused with 413 before they are read; endpoints that take files stream
# them to disk under the limit each declares (ggzy.core.limits.accepts_files).
GGZY_MAX_REQUEST_BODY = int(os.environ.get("GGZY_MAX_REQUEST_BODY") or 2 * 1024 * 1024)
# The whole body of a registration's filing or supply page (ggzy.core.limits.accepts_files): every file
# of the longest checklist at its item's limit (4 × 50 MiB) with room for the form. The page shows it.
GGZY_MAX_UPLOAD_BODY = int(os.environ.get("GGZY_MAX_UPLOAD_BODY") or 256 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = GGZY_MAX_REQUEST_BODY
API_TOKEN_DEFAULT_DAYS = 90

# --- security headers -----------------------------------------------------------------------------
CSRF_FAILURE_VIEW = "ggzy.core.views.csrf_failure"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS
if _env_bool("GGZY_BEHIND_PROXY"):  # TLS ends at a reverse proxy that sets X-Forwarded-Proto
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = 31536000 if HTTPS else 0
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
#: The holders' local signing agent (`ggzy-bid agent`): pages may call it, nothing else on the machine.
GGZY_SIGNING_AGENT_PORT = int(os.environ.get("GGZY_SIGNING_AGENT_PORT") or 18480)
GGZY_SIGNING_AGENT_URL = f"http://127.0.0.1:{GGZY_SIGNING_AGENT_PORT}"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF, GGZY_SIGNING_AGENT_URL],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("GGZY_LOG_LEVEL", "INFO")},
    "loggers": {"django.request": {"level": "ERROR"}},
}

# --- web server (granian, `ggzy serve`; docs/operations.md) -------------------------------------------
#: A request body that sends nothing for this many seconds is dropped (`ggzy.core.bodyguard`).
GGZY_BODY_IDLE_SECONDS = float(os.environ.get("GGZY_BODY_IDLE_SECONDS") or 30)
#: A body must arrive within this many seconds plus its size at GGZY_BODY_MIN_RATE bytes a second.
GGZY_BODY_BASE_SECONDS = float(os.environ.get("GGZY_BODY_BASE_SECONDS") or 30)
GGZY_BODY_MIN_RATE = int(os.environ.get("GGZY_BODY_MIN_RATE") or 16 * 1024)
#: Milliseconds a client may take to send its request headers; then granian closes the connection.
GGZY_HEADER_READ_TIMEOUT_MS = int(os.environ.get("GGZY_HEADER_READ_TIMEOUT_MS") or 10_000)

# --- notifications ---------------------------------------------------------------------------------
#: Where the default outbox backends write (e-mail as .eml files, SMS and voice as JSON files).
GGZY_OUTBOX_DIR = Path(os.environ.get("GGZY_OUTBOX_DIR") or VAR_DIR / "outbox")
#: E-mail: Django's backends. Default: files in the outbox; set GGZY_EMAIL_URL-style SMTP settings
#: (EMAIL_HOST, …) and EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend for real mail.
EMAIL_BACKEND = os.environ.get("GGZY_EMAIL_BACKEND") or "django.core.mail.backends.filebased.EmailBackend"
EMAIL_FILE_PATH = GGZY_OUTBOX_DIR / "email"
EMAIL_HOST = os.environ.get("GGZY_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("GGZY_EMAIL_PORT") or 25)
DEFAULT_FROM_EMAIL = os.environ.get("GGZY_FROM_EMAIL") or "ggzy@localhost"
#: SMS and voice: a class with send_sms() and call() (see ggzy/events/gateways.py).
GGZY_SMS_GATEWAY = os.environ.get("GGZY_SMS_GATEWAY") or "ggzy.events.gateways.OutboxGateway"

# --- keys ------------------------------------------------------------------------------------------
#: The master key (SM4, 32 hex digits) that wraps every platform key. From the environment in
#: production; where it is absent, ggzy.core.keystore creates var/master_key once (demo, development).
GGZY_MASTER_KEY = os.environ.get("GGZY_MASTER_KEY", "")

# --- the platform ---------------------------------------------------------------------------------
GGZY_CENTRE_NAME = os.environ.get("GGZY_CENTRE_NAME") or "辽宁省公共资源交易中心"
#: Who holds which role (the accounts app; the parties issue makes it per project and centre).
GGZY_ROLE_RESOLVER = "ggzy.accounts.selectors.user_roles"
#: The auth that API operations get from their access declaration.
GGZY_API_AUTH = "ggzy.accounts.auth.api_auth_for"
#: When a period that ends "at the centre's closing time" ends (Asia/Shanghai).
GGZY_CLOSE_OF_BUSINESS = os.environ.get("GGZY_CLOSE_OF_BUSINESS") or "17:00"
#: The centres and jurisdictions a viewer's events are scoped to (the accounts app).
GGZY_VIEWER_SCOPE = "ggzy.accounts.selectors.viewer_scope"
#: The `parties` events a signed-in viewer reads as a party of an opening (the opening app: its records).
GGZY_PARTY_EVENTS = "ggzy.opening.selectors.party_events_q"
#: What the sign-in page adds for signature login (the certs app; empty: password only).
GGZY_LOGIN_EXTRA_CONTEXT = "ggzy.certs.login.page_context"
#: What the portal's home page shows of the trades (the notices app: latest notices, openings, commitments).
GGZY_PORTAL_CONTEXT = "ggzy.notices.portal.home_context"
#: Days before an opening its parties are reminded to prepare (the tendering app, 6.5.1; check ggzy.E401).
_reminder_days = os.environ.get("GGZY_OPENING_REMINDER_DAYS", "").strip() or "3"
GGZY_OPENING_REMINDER_DAYS: int | str = int(_reminder_days) if _reminder_days.isdigit() else _reminder_days
#: The day of the month the previous month's trading figures are published (the analytics app, 6.10.2).
#: (A value that is not a whole number from 1 to 28 is named by the system check ggzy.analytics.E001.)
_disclosure_day = os.environ.get("GGZY_DISCLOSURE_DAY", "").strip() or "5"
GGZY_DISCLOSURE_DAY: int | str = int(_disclosure_day) if _disclosure_day.isdigit() else _disclosure_day
#: What an organisation's own registration (the accounts app) asks of the certs app, without importing
#: it: check a certificate against the CAs the centre accepts, bind it to the new account, and say in
#: words why one was refused.
GGZY_CERTIFICATES = {
    "validate": "ggzy.certs.services.validate",
    "bind": "ggzy.certs.services.certificate_bind",
    "reason": "ggzy.certs.errors.reason_text",
}
#: How far ahead of the platform's clock a detached document signature's claimed signing time may be
#: (seconds): the signer's computer (`ggzy-bid sign-document`, the local signing agent) stamps its own time,
#: a few seconds ahead is not a forgery; the time is the signer's claim, the platform's event its own.
GGZY_SIGNATURE_LEEWAY_SECONDS = int(os.environ.get("GGZY_SIGNATURE_LEEWAY_SECONDS") or 120)
#: The witness log's cadence: one signed tree head per slot of this many seconds (aligned to multiples of
#: it since the Unix epoch), whether or not anything happened; each batches the events since the last.
GGZY_WITNESS_STH_SECONDS = int(os.environ.get("GGZY_WITNESS_STH_SECONDS") or 60)
#: Each head's batch is padded with salted dummy leaves to a multiple of this many leaves (at least one
#: bucket per head), so the tree size does not count events (docs/security.md §8).
GGZY_WITNESS_BUCKET = int(os.environ.get("GGZY_WITNESS_BUCKET") or 32)
#: The witness log's co-signers: other parties' services (`ggzy-cosigner serve`), "name=URL,…".
GGZY_COSIGNERS = os.environ.get("GGZY_COSIGNERS", "")
#: The ggzy-witness-trust-v1 file the platform checks heads and epoch statements with: the pinned
#: operator, co-signer and supervisor keys and the threshold (docs/witness-cosigner.md).
GGZY_WITNESS_TRUST = os.environ.get("GGZY_WITNESS_TRUST", "")
#: The demo's co-signers' folder: `ggzy serve` in the sandbox also starts their processes.
GGZY_DEMO_COSIGNERS_DIR = os.environ.get("GGZY_DEMO_COSIGNERS_DIR", "")
#: The national public service platforms a published notice is pushed to (6.4.2 同步推送,
#: `notices.push`): "ebid=URL,ccgp=URL" (ebid: 中国招标投标公共服务平台, engineering; ccgp: 中国政府采购网,
#: procurement); empty: no push. `ggzy-national serve` simulates them (docs/notices.md §8).
GGZY_NATIONAL_PLATFORMS = os.environ.get("GGZY_NATIONAL_PLATFORMS", "")
#: The ggzy-national-trust-v1 file of their receipt keys ({"receivers": {code: {"name", "key"}}}).
GGZY_NATIONAL_TRUST = os.environ.get("GGZY_NATIONAL_TRUST", "")
#: Seconds a push may take (connect and answer) before it is retried later.
GGZY_NATIONAL_TIMEOUT = int(os.environ.get("GGZY_NATIONAL_TIMEOUT") or 5)
#: The demo's simulated national platforms' folder: `ggzy serve` in the sandbox also starts them.
GGZY_DEMO_NATIONAL_DIR = os.environ.get("GGZY_DEMO_NATIONAL_DIR", "")
#: The authority registry the market-entity library looks entries up in (electronic business licence,
#: qualifications, registered professionals; `entities.authority`): its base URL ("" none: entries are
#: simply not verified), the ggzy-authority-trust-v1 file pinning its key, the entry of that file, and the
#: seconds a lookup may take. `ggzy-authority serve` simulates it (docs/entities.md §4).
GGZY_AUTHORITY_URL = os.environ.get("GGZY_AUTHORITY_URL", "")
GGZY_AUTHORITY_TRUST = os.environ.get("GGZY_AUTHORITY_TRUST", "")
GGZY_AUTHORITY_CODE = os.environ.get("GGZY_AUTHORITY_CODE", "moha")
GGZY_AUTHORITY_TIMEOUT = int(os.environ.get("GGZY_AUTHORITY_TIMEOUT") or 5)
#: The demo's simulated authority's folder: `ggzy serve` in the sandbox also starts it.
GGZY_DEMO_AUTHORITY_DIR = os.environ.get("GGZY_DEMO_AUTHORITY_DIR", "")
#: Bid and performance security (`securities`, docs/securities.md). The banks deposits are paid through:
#: "CODE=URL,…" (the first is the one new sub-accounts are opened at; empty: deposits are not taken), the
#: ggzy-bank-trust-v1 file pinning their keys, and the seconds a request may take. `ggzy-bank serve`
#: simulates a bank (docs/bank-interface.md); its notifications are POSTed to
#: /api/v1/securities/bank/notifications.
GGZY_BANKS = os.environ.get("GGZY_BANKS", "")
#: The centre's video platforms the rooms' cameras are on (`venues`, docs/video-interface.md): "CODE=URL,…",
#: each URL as a browser reaches it (the pages link to its live view and playback; empty: no cameras).
#: `ggzy-video serve` simulates one.
GGZY_VIDEO_PLATFORMS = os.environ.get("GGZY_VIDEO_PLATFORMS", "")
#: The demo's simulated video platform's folder: `ggzy serve` in the sandbox also starts it.
GGZY_DEMO_VIDEO_DIR = os.environ.get("GGZY_DEMO_VIDEO_DIR", "")
GGZY_BANK_TRUST = os.environ.get("GGZY_BANK_TRUST", "")
GGZY_BANK_TIMEOUT = int(os.environ.get("GGZY_BANK_TIMEOUT") or 10)
#: The demand-deposit rate the platform's own interest computation uses (percent a year, a decimal string:
#: "0.05" is 0.05 % p.a.) and its day count (360: actual/360, the People's Bank's convention; or 365) —
#: the bank's own computation (docs/bank-interface.md) must agree to the fen.
GGZY_BANK_RATE_PERCENT = os.environ.get("GGZY_BANK_RATE_PERCENT") or "0.05"
GGZY_BANK_DAY_COUNT = int(os.environ.get("GGZY_BANK_DAY_COUNT") or 360)
#: The electronic-guarantee issuers bidders may apply to (any issuer; none is designated, standard
#: 11.2.6): "CODE=URL,…" (the issuer's unified social credit code), and the ggzy-guarantee-trust-v1 file
#: of the issuer roots the platform accepts (a guarantee from an issuer not listed here is still accepted
#: when its certificate chains to a trusted root: it is uploaded by the bidder).
GGZY_GUARANTEE_ISSUERS = os.environ.get("GGZY_GUARANTEE_ISSUERS", "")
GGZY_GUARANTEE_TRUST = os.environ.get("GGZY_GUARANTEE_TRUST", "")
GGZY_GUARANTEE_TIMEOUT = int(os.environ.get("GGZY_GUARANTEE_TIMEOUT") or 10)
#: The overdue charge on a late procurement refund (财政部令第87号 §38: the People's Bank's benchmark lending
#: rate of the period plus 20 %; which rate the finance department now applies is [verify] — the 1-year LPR,
#: 3.0 % in 2025, × 1.2), in percent a year as a decimal string; the centre may configure it.
GGZY_PROCUREMENT_LATE_RATE_PERCENT = os.environ.get("GGZY_PROCUREMENT_LATE_RATE_PERCENT") or "3.6"
#: Verifiable randomness (`randomness`, docs/randomness.md): the outside randomness services every draw asks
#: ("CODE=URL,…"; `ggzy-beacon serve` is one), the ggzy-beacon-trust-v1 file pinning their keys, and the
#: seconds a request may take. No beacon configured: no draw can be opened (a value needs a party the
#: platform does not control).
GGZY_BEACONS = os.environ.get("GGZY_BEACONS", "")
GGZY_BEACON_TRUST = os.environ.get("GGZY_BEACON_TRUST", "")
GGZY_BEACON_TIMEOUT = int(os.environ.get("GGZY_BEACON_TIMEOUT") or 5)
GGZY_DEMO_BEACON_DIR = os.environ.get("GGZY_DEMO_BEACON_DIR", "")
#: The provincial comprehensive evaluation-expert pool (`experts.provincial`, docs/expert-pool-interface.md):
#: "CODE=URL" (empty: every draw is the centre's own pool), the ggzy-expertpool-trust-v1 file pinning its
#: key, the centres whose draws it makes ("sy,dl,…"; empty: every centre's), and the seconds a request may
#: take. `ggzy-expertpool serve` simulates it; it pins the platform's two keys (`ggzy experts pool-keys`).
GGZY_EXPERT_POOL = os.environ.get("GGZY_EXPERT_POOL", "")
GGZY_EXPERT_POOL_TRUST = os.environ.get("GGZY_EXPERT_POOL_TRUST", "")
GGZY_EXPERT_POOL_CENTRES = os.environ.get("GGZY_EXPERT_POOL_CENTRES", "")
GGZY_EXPERT_POOL_TIMEOUT = int(os.environ.get("GGZY_EXPERT_POOL_TIMEOUT") or 10)
#: The demo's simulated provincial pool's folder: `ggzy serve` in the sandbox also starts it.
GGZY_DEMO_EXPERTPOOL_DIR = os.environ.get("GGZY_DEMO_EXPERTPOOL_DIR", "")
#: The demo's simulated bank and guarantee issuers' folders: `ggzy serve` in the sandbox also starts them.
GGZY_DEMO_BANK_DIR = os.environ.get("GGZY_DEMO_BANK_DIR", "")
GGZY_DEMO_GUARANTEE_DIR = os.environ.get("GGZY_DEMO_GUARANTEE_DIR", "")
#: Processes `ggzy serve` runs beside the web server, the worker and the tick loop: dotted paths (comma
#: separated) to functions giving [(name, command), …] (core asks the app that knows, without importing it).
GGZY_SERVE_ALSO = ",".join(
    path
    for path, wanted in (
        ("ggzy.demo.cosigners.serve_commands", GGZY_DEMO_COSIGNERS_DIR),
        ("ggzy.demo.national.serve_commands", GGZY_DEMO_NATIONAL_DIR),
        ("ggzy.demo.authority.serve_commands", GGZY_DEMO_AUTHORITY_DIR),
        ("ggzy.demo.bank.serve_commands", GGZY_DEMO_BANK_DIR),
        ("ggzy.demo.guarantees.serve_commands", GGZY_DEMO_GUARANTEE_DIR),
        ("ggzy.demo.beacons.serve_commands", GGZY_DEMO_BEACON_DIR),
        ("ggzy.demo.expertpool.serve_commands", GGZY_DEMO_EXPERTPOOL_DIR),
        ("ggzy.demo.video.serve_commands", GGZY_DEMO_VIDEO_DIR),
    )
    if GGZY_SANDBOX and wanted
)
#: The centre's electronic seal (docs/signed-documents.md): a backend class, and the local backend's files.
GGZY_SEAL_BACKEND = os.environ.get("GGZY_SEAL_BACKEND") or "ggzy.certs.seal.LocalSealBackend"
GGZY_SEAL_KEY_FILE = os.environ.get("GGZY_SEAL_KEY_FILE") or None
GGZY_SEAL_CERTIFICATE_FILE = os.environ.get("GGZY_SEAL_CERTIFICATE_FILE") or None
GGZY_SEAL_PASSPHRASE = os.environ.get("GGZY_SEAL_PASSPHRASE") or None
#: A centre funded by the state budget charges no trading service fee (standard 12.1.4).
GGZY_PUBLICLY_FUNDED = _env_bool("GGZY_PUBLICLY_FUNDED", default=True)
#: The demo test CA's folder (`make demo` sets it): its keys and the demo users' key files live here,
#: outside the database and `var/`, as real holders' keys would.
GGZY_DEMO_CA_DIR = os.environ.get("GGZY_DEMO_CA_DIR", "")
#: How the platform speaks to the key custodians (shares, notices, closures, health): a dotted path to
#: an object with the methods of ggzy.sealing.transport.CustodianTransport. HTTP by default; the demo
#: uses its in-process demo custodians.
GGZY_CUSTODIAN_TRANSPORT = os.environ.get("GGZY_CUSTODIAN_TRANSPORT", "ggzy.sealing.transport.HTTP")
GGZY_CUSTODIAN_TIMEOUT = int(os.environ.get("GGZY_CUSTODIAN_TIMEOUT", "10"))
# Resumable upload of sealed bids (tus 1.0, ggzy.sealing.uploads, docs/submission.md).
#: The largest sealed bid a section takes, in bytes (announced as Tus-Max-Size; a larger Upload-Length
#: is refused with 413). Per section from the tender documents later; this is the platform's ceiling.
GGZY_BID_UPLOAD_MAX_BYTES = int(os.environ.get("GGZY_BID_UPLOAD_MAX_BYTES") or 2 * 1024**3)
#: The largest chunk (one PATCH body): the only request body above GGZY_MAX_REQUEST_BODY the upload takes.
GGZY_BID_UPLOAD_CHUNK_MAX = int(os.environ.get("GGZY_BID_UPLOAD_CHUNK_MAX") or 64 * 1024**2)
#: How many unfinished uploads one bidder may hold at once (each reserves disk up to its length).
GGZY_BID_UPLOAD_SESSIONS = int(os.environ.get("GGZY_BID_UPLOAD_SESSIONS") or 3)
#: An upload older than this is refused (410) and removed by `sealing.uploads.uploads_clean`.
GGZY_BID_UPLOAD_EXPIRY_HOURS = int(os.environ.get("GGZY_BID_UPLOAD_EXPIRY_HOURS") or 48)
