"""Settings of the server under benchmark: the local settings with debug off, the
service's URLs plus the bare baseline views (``bench.urls``), and no throttling (the load
comes from one address on purpose)."""

import os

os.environ.setdefault("DJANGO_DEBUG", "false")
os.environ.setdefault("DJANGO_SECRET_KEY", "bench")

from config.settings.local import *  # noqa: E402,F401,F403
from config.settings.local import LOGGING, REST_FRAMEWORK  # noqa: E402

DEBUG = False
ROOT_URLCONF = "bench.urls"
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_CLASSES": []}
# Static files are not under test: no collectstatic manifest needed to render pages.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Logging every request would be part of what is measured.
LOGGING = {**LOGGING, "root": {**LOGGING["root"], "level": "WARNING"}}
