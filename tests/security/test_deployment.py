"""Production settings: Django's deployment checks pass, the secret comes only from the
environment, debug is off unless asked for, and every dependency is pinned exactly."""

import json
import os
import re
import secrets
import subprocess
import sys
import tomllib
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent.parent
PRODUCTION_ENVIRONMENT = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "DJANGO_ALLOWED_HOSTS": "tracker.example.org",
}


def run_django(*arguments: str, **environment: str) -> subprocess.CompletedProcess:
    """``python *arguments`` in the repository, with only the environment a server would have."""
    base = {name: os.environ[name] for name in ("PATH", "HOME", "LANG") if name in os.environ}
    return subprocess.run(
        [sys.executable, *arguments],
        cwd=REPOSITORY,
        env={**base, **PRODUCTION_ENVIRONMENT, **environment},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_deployment_checks_pass_with_production_settings():
    # Given the production settings, a random secret and the public host name
    # When Django's deployment checks run, warnings counting as failures
    result = run_django("manage.py", "check", "--deploy", "--fail-level", "WARNING", DJANGO_SECRET_KEY=secrets.token_urlsafe(50))
    # Then there is nothing to report
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


SHOW_SETTINGS = """
import django, json
django.setup()
from django.conf import settings as s
print(json.dumps({
    "DEBUG": s.DEBUG, "SECURE_SSL_REDIRECT": s.SECURE_SSL_REDIRECT, "SECURE_PROXY_SSL_HEADER": s.SECURE_PROXY_SSL_HEADER,
    "SECURE_HSTS_SECONDS": s.SECURE_HSTS_SECONDS, "SESSION_COOKIE_SECURE": s.SESSION_COOKIE_SECURE,
    "CSRF_COOKIE_SECURE": s.CSRF_COOKIE_SECURE, "X_FRAME_OPTIONS": s.X_FRAME_OPTIONS,
}))
"""


def test_production_is_https_only_with_debug_off_by_default():
    # Given production settings with nothing but the secret and host set
    result = run_django("-c", SHOW_SETTINGS, DJANGO_SECRET_KEY=secrets.token_urlsafe(50))
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout.strip().splitlines()[-1])
    # Then debug is off, plain HTTP is redirected (behind a proxy saying X-Forwarded-Proto), HSTS is on
    assert shown == {
        "DEBUG": False,
        "SECURE_SSL_REDIRECT": True,
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
        "SECURE_HSTS_SECONDS": 31536000,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "X_FRAME_OPTIONS": "DENY",
    }


def test_production_refuses_to_start_without_a_secret_key():
    # Given production settings and no DJANGO_SECRET_KEY
    # When the WSGI application is loaded, as gunicorn would
    result = run_django("-c", "import config.wsgi")
    # Then it stops, saying why
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


# --- Pinned dependencies ----------------------------------------------------------------

PIN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(\[[A-Za-z0-9,._-]+\])?==[A-Za-z0-9.+!-]+$")


def test_every_line_of_the_lock_file_pins_one_exact_version():
    lines = [line.strip() for line in (REPOSITORY / "requirements.lock").read_text().splitlines()]
    packages = [line for line in lines if line and not line.startswith("#")]
    assert packages
    assert [line for line in packages if not PIN.match(line)] == []
    names = [re.split(r"[\[=]", line)[0].lower().replace("_", "-") for line in packages]
    assert len(names) == len(set(names)), "a package is pinned twice"


def test_every_dependency_in_pyproject_is_pinned_and_locked_at_that_version():
    project = tomllib.loads((REPOSITORY / "pyproject.toml").read_text())["project"]
    declared = project["dependencies"] + [req for group in project["optional-dependencies"].values() for req in group]
    locked = {
        re.split(r"[\[=]", line)[0].lower().replace("_", "-"): line.split("==")[1]
        for line in (REPOSITORY / "requirements.lock").read_text().split()
        if "==" in line
    }
    assert [req for req in declared if not PIN.match(req)] == []
    for requirement in declared:
        name, version = re.split(r"\[[^\]]*\]|==", requirement)[0], requirement.split("==")[1]
        assert locked.get(name.lower().replace("_", "-")) == version, requirement


def test_make_install_installs_from_the_lock_file():
    makefile = (REPOSITORY / "Makefile").read_text()
    assert re.search(r"pip install .*-c requirements\.lock", makefile)
