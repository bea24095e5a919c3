"""Development defaults: debug on unless DJANGO_DEBUG says otherwise."""

import os

os.environ.setdefault("DJANGO_DEBUG", "true")
if os.environ["DJANGO_DEBUG"].lower() in ("1", "true", "yes", "on"):
    # Only a debug server may run on a key that is not secret.
    os.environ.setdefault("DJANGO_SECRET_KEY", "insecure-development-key")

from .base import *  # noqa: E402,F401,F403
