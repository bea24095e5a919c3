"""Settings of the web, worker and beat processes that the fault tests start and break.

Production's settings (debug off, jobs over the broker), served over plain HTTP on
loopback, with static files read from the apps as nothing is collected.
"""

import os

os.environ.setdefault("DJANGO_SECURE", "false")

from config.settings.production import *  # noqa: E402,F401,F403

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
