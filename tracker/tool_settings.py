"""Settings for the commands that only read the rule table and case files.

``manage.py rules``, ``assess``, ``check_vignettes`` and ``benchmark_engine`` run the triage engine
on plain data and print English: no database, no sessions, no signing, no translations.
``manage.py`` picks these settings for them when ``DJANGO_SETTINGS_MODULE`` is not set, so they work
in a fresh clone with no ``DJANGO_*`` variable. There is deliberately no ``SECRET_KEY``: Django
refuses to read an empty one, so anything that would sign or encrypt fails loudly here instead of
using a made-up key.
"""

INSTALLED_APPS = ["symptoms"]
DATABASES: dict = {}
LANGUAGE_CODE = "en"
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"
