"""Settings, read from the environment (twelve-factor) with django-environ.

DJANGO_DEBUG          "true" for local development; off by default.
DJANGO_SECRET_KEY     required when debug is off.
DJANGO_ALLOWED_HOSTS  comma-separated host names (default: localhost names only).
DATABASE_URL          default: a SQLite file beside manage.py;
                      PostgreSQL: postgres://postgres@127.0.0.1:5432/NAME
DJANGO_CONN_MAX_AGE   seconds a database connection is kept for reuse (default 60; 0: one per
                      request).
DJANGO_SITE_URL       the address people open the app at, for links in e-mails and passkeys
                      (default http://127.0.0.1:8000; passkeys need https or http://localhost).
DJANGO_STAFF_SESSION_MINUTES  idle minutes before a nurse's or staff member's session ends (15).
DJANGO_PATIENT_SESSION_HOURS  idle hours before a patient's or carer's session ends (12).
DJANGO_REMEMBER_DEVICE_DAYS   the same, on a phone where they ticked "Keep me signed in" (30).
DJANGO_PROXY_COUNT    reverse proxies in front of the app that set X-Forwarded-For (default 0:
                      the app sees the client directly). See docs/operations.md.
"""

from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DEBUG = env.bool("DJANGO_DEBUG", default=False)

SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. With DJANGO_DEBUG off the app needs a secret key: "
            "set DJANGO_SECRET_KEY to a long random string (for example the output of "
            "`python -c 'import secrets; print(secrets.token_urlsafe(50))'`), "
            "or set DJANGO_DEBUG=true for local development."
        )
    SECRET_KEY = "insecure-development-key-only-used-with-debug-on"  # noqa: S105

ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_tasks_db",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_otp_webauthn",
    "simple_history",
    "phonenumber_field",
    "symptoms",
    "tracker",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "tracker.middleware.SignInVersionMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "tracker.middleware.SecondFactorMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "tracker.middleware.CareTeamTimeZoneMiddleware",
    "tracker.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "tracker.middleware.SessionExpiryMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "tracker.urls"
WSGI_APPLICATION = "tracker.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tracker.access.roles",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = True
# Keep a connection for a while (0 opens one per request), and check it before each request
# reuses it: after a database restart a dead connection is replaced instead of failing a request.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite has one writer at a time, and the task worker writes every second. As Django's SQLite
    # notes advise: each transaction takes the write lock when it begins ("IMMEDIATE"), so a request
    # that has read never fails upgrading to a write ("database is locked"); a writer waits up to
    # "timeout" seconds for its turn; and in WAL mode reads go on while someone writes.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
        **DATABASES["default"].get("OPTIONS", {}),
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Each process keeps its own small caches in memory: nothing is shared between app servers, so
# nothing needs clearing there. "worklists" holds the nurses' dashboard lists as last drawn, each
# under the version of the data it shows (tracker.worklist); at ~70-250 KB a list, 200 of
# them stay under ~50 MB a process. "template_fragments" ({% cache %}) holds pieces of pages whose
# inputs never change, or whose key holds everything they show: a report's findings in words (a
# report is never edited once sent), the empty check-in form, timeline cards and charts. ~1-5 KB
# each; 10,000 of them stay under ~40 MB a process (a whole course on the timeline is ~100).
# Being in memory, both are empty after each restart, so a new release never sends old markup.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "default"},
    "worklists": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "worklists",
        "OPTIONS": {"MAX_ENTRIES": 200},
    },
    "template_fragments": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "template_fragments",
        "OPTIONS": {"MAX_ENTRIES": 10000},
    },
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Logins: django-axes counts failed logins (wrong passwords, and wrong second-factor codes) per user
# name AND network address, and locks that pair for a while. A stranger who types a patient's user
# name five times locks out only themself; the patient, from their own phone, can still log in.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=30)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# The lock lifts the stated time after it started: trying again meanwhile does not extend it.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "tracker.views.locked_out"
# Its log lines name the user name (an e-mail address): no personal data in logs. The attempts
# and lockouts are listed in the admin instead.
AXES_VERBOSE = False
# The client's address, through django-ipware. Behind N reverse proxies the address is read from
# X-Forwarded-For, and only when the header has exactly the N entries those proxies write (strict):
# a client who adds their own entries falls back to the proxy's address instead of choosing one.
PROXY_COUNT = env.int("DJANGO_PROXY_COUNT", default=0)
if PROXY_COUNT:
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")
    AXES_IPWARE_PROXY_ORDER = "left-most"
    AXES_IPWARE_PROXY_COUNT = PROXY_COUNT - 1
else:
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("REMOTE_ADDR",)

# A second factor (django-otp): staff and nurses must verify a code from an authenticator app, or
# a one-time recovery code, after their password (tracker.middleware.SecondFactorMiddleware).
OTP_TOTP_ISSUER = "Cell therapy check-in"
# A wrong code makes the next try wait 1, 2, 4, … seconds on that device (django-otp's throttle).
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1

# Passkeys and security keys (django-otp-webauthn), as a second factor only: after the password,
# never instead of it. A passkey belongs to one site name (the host of DJANGO_SITE_URL) and works
# only on pages opened at that address: set DJANGO_SITE_URL before staff add passkeys, since a new
# host means adding them again. Browsers allow passkeys on https, and on http://localhost.
OTP_WEBAUTHN_RP_NAME = OTP_TOTP_ISSUER
OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = False

# Sessions end after a time without activity: soon for staff and nurses (shared ward computers),
# later for patients and carers at home. SessionExpiryMiddleware renews them on each request, except
# the dashboard's own 30-second refresh, which is not activity.
STAFF_SESSION_MINUTES = env.int("DJANGO_STAFF_SESSION_MINUTES", default=15)
PATIENT_SESSION_HOURS = env.int("DJANGO_PATIENT_SESSION_HOURS", default=12)
# "Keep me signed in on this phone", ticked at login by a patient or carer (staff: no effect).
REMEMBER_DEVICE_DAYS = env.int("DJANGO_REMEMBER_DEVICE_DAYS", default=30)
SESSION_COOKIE_AGE = 60 * 60 * PATIENT_SESSION_HOURS

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en"
# Each user chooses one (tracker.Preferences); anyone else gets their browser's (Accept-Language).
# Adding a language: README "Languages".
LANGUAGES = [("en", "English"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# No inline script or style anywhere: scripts and styles come from our own origin, and the one
# <script> tag htmx needs carries the per-request nonce.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "object-src": [CSP.NONE],
}
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_HTTPONLY = True

if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# E-mail: the console in development; SMTP in production, configured from the environment.
if DEBUG:
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
else:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": env.str("DJANGO_EMAIL_HOST", default="localhost"),
                "port": env.int("DJANGO_EMAIL_PORT", default=587),
                "username": env.str("DJANGO_EMAIL_USER", default=""),
                "password": env.str("DJANGO_EMAIL_PASSWORD", default=""),
                "use_tls": env.bool("DJANGO_EMAIL_USE_TLS", default=True),
            },
        }
    }
DEFAULT_FROM_EMAIL = env.str("DJANGO_DEFAULT_FROM_EMAIL", default="no-reply@localhost")

# Links in e-mails are absolute: a worker or cron job has no request to build them from.
SITE_URL = env.str("DJANGO_SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
# Passkeys work at one address: the host of SITE_URL, on https (or http://localhost, for trying
# them out). At any other address (the demo's http://127.0.0.1:8000) they are not offered, and the
# origin below is one no page is ever served from.
OTP_WEBAUTHN_RP_ID = urlsplit(SITE_URL).hostname
PASSKEYS = SITE_URL.startswith("https://") or OTP_WEBAUTHN_RP_ID == "localhost"
OTP_WEBAUTHN_ALLOWED_ORIGINS = [SITE_URL if PASSKEYS else f"https://{OTP_WEBAUTHN_RP_ID}"]

# An invitation link sets a patient's first password, and a "forgot your password" link a new one:
# each works once, and only for this long (Django's own setting, for both).
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24 * env.int("DJANGO_INVITATION_DAYS", default=3)

# Background work (e-mails) runs through django.tasks; `manage.py worker` runs the queue that
# django-tasks-db keeps in the database.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
    # django-axes logs every login at INFO; the attempts are in the admin, the log keeps warnings.
    "loggers": {"axes": {"level": "WARNING"}},
}
