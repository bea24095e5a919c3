"""The explanation sentences, pinned word for word (SPEC §3).

Journalists quote these sentences: one per basis × level × scope × appeal state, plus the
date precisions, an advisory finding, coverage through a bloc, a remitted case and the
reason a flag was cleared. Any change of wording must fail here and be made on purpose.
The same sentences must come out of SQLite (``make run``) as out of PostgreSQL: the last
test builds the same records in a fresh SQLite database and compares.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from tests.tracker.explanation_cases import CASES, computed_explanations

PINNED = {
    "use/national/jurisdiction/in_force": (
        "The Information Commissioner's Office found on 18 May 2022 that all use of the technology by public bodies in the United Kingdom was unlawful; the ruling covers this agency because it is in the United Kingdom."
    ),
    "use/national/jurisdiction/under_appeal": (
        "The Information Commissioner's Office found on 18 May 2022 that all use of the technology by public bodies in the United Kingdom was unlawful; the ruling covers this agency because it is in the United Kingdom; under appeal since 13 June 2022."
    ),
    "use/national/agencies/in_force": (
        "The Information Commissioner's Office found on 18 May 2022 that this agency's own use of the technology was unlawful; the ruling names this agency."
    ),
    "use/national/agencies/under_appeal": (
        "The Information Commissioner's Office found on 18 May 2022 that this agency's own use of the technology was unlawful; the ruling names this agency; under appeal since 13 June 2022."
    ),
    "vendor/national/jurisdiction/in_force": (
        "The Information Commissioner's Office found on 18 May 2022 that the vendor's service in the United Kingdom was unlawful (a finding about the vendor, not about this agency's own use); the ruling covers this agency because it is in the United Kingdom."
    ),
    "vendor/national/jurisdiction/under_appeal": (
        "The Information Commissioner's Office found on 18 May 2022 that the vendor's service in the United Kingdom was unlawful (a finding about the vendor, not about this agency's own use); the ruling covers this agency because it is in the United Kingdom; under appeal since 13 June 2022."
    ),
    "use/subnational/jurisdiction/in_force": (
        "The Hamburg Commissioner for Data Protection and Freedom of Information found on 18 May 2022 that all use of the technology by public bodies in Hamburg, Germany, was unlawful; the ruling covers this agency because it is in Hamburg, Germany."
    ),
    "use/subnational/jurisdiction/under_appeal": (
        "The Hamburg Commissioner for Data Protection and Freedom of Information found on 18 May 2022 that all use of the technology by public bodies in Hamburg, Germany, was unlawful; the ruling covers this agency because it is in Hamburg, Germany; under appeal since 13 June 2022."
    ),
    "use/subnational/agencies/in_force": (
        "The Hamburg Commissioner for Data Protection and Freedom of Information found on 18 May 2022 that this agency's own use of the technology was unlawful; the ruling names this agency."
    ),
    "use/subnational/agencies/under_appeal": (
        "The Hamburg Commissioner for Data Protection and Freedom of Information found on 18 May 2022 that this agency's own use of the technology was unlawful; the ruling names this agency; under appeal since 13 June 2022."
    ),
    "vendor/subnational/jurisdiction/in_force": (
        "The Hamburg Commissioner for Data Protection and Freedom of Information found on 18 May 2022 that the vendor's service in Hamburg, Germany, was unlawful (a finding about the vendor, not about this agency's own use); the ruling covers this agency because it is in Hamburg, Germany."
    ),
    "vendor/subnational/jurisdiction/under_appeal": (
        "The Hamburg Commissioner for Data Protection and Freedom of Information found on 18 May 2022 that the vendor's service in Hamburg, Germany, was unlawful (a finding about the vendor, not about this agency's own use); the ruling covers this agency because it is in Hamburg, Germany; under appeal since 13 June 2022."
    ),
    "use/supranational/jurisdiction/in_force": (
        "The European Data Protection Board found on 18 May 2022 that all use of the technology by public bodies in the European Union was unlawful; the ruling covers this agency because France was a member of the European Union on that date."
    ),
    "use/supranational/jurisdiction/under_appeal": (
        "The European Data Protection Board found on 18 May 2022 that all use of the technology by public bodies in the European Union was unlawful; the ruling covers this agency because France was a member of the European Union on that date; under appeal since 13 June 2022."
    ),
    "use/supranational/agencies/in_force": (
        "The European Data Protection Board found on 18 May 2022 that this agency's own use of the technology was unlawful; the ruling names this agency."
    ),
    "use/supranational/agencies/under_appeal": (
        "The European Data Protection Board found on 18 May 2022 that this agency's own use of the technology was unlawful; the ruling names this agency; under appeal since 13 June 2022."
    ),
    "vendor/supranational/jurisdiction/in_force": (
        "The European Data Protection Board found on 18 May 2022 that the vendor's service in the European Union was unlawful (a finding about the vendor, not about this agency's own use); the ruling covers this agency because France was a member of the European Union on that date."
    ),
    "vendor/supranational/jurisdiction/under_appeal": (
        "The European Data Protection Board found on 18 May 2022 that the vendor's service in the European Union was unlawful (a finding about the vendor, not about this agency's own use); the ruling covers this agency because France was a member of the European Union on that date; under appeal since 13 June 2022."
    ),
    "likely_unlawful/supranational/month": (
        "The European Data Protection Board said in February 2021 that all use of the technology by public bodies in the European Union was likely unlawful; the ruling covers this agency because France was a member of the European Union on that date."
    ),
    "unlawful/national/year": (
        "The Information Commissioner's Office found in 2021 that all use of the technology by public bodies in the United Kingdom was unlawful; the ruling covers this agency because it is in the United Kingdom."
    ),
    "use/supranational/uk-before-exit": (
        "The European Data Protection Board found on 1 March 2019 that all use of the technology by public bodies in the European Union was unlawful; the ruling covers this agency because the United Kingdom was a member of the European Union on that date."
    ),
    "use/supranational/article": (
        "The European Data Protection Board found on 18 May 2022 that all use of the technology by public bodies in the European Union was unlawful; the ruling covers this agency because the Netherlands was a member of the European Union on that date."
    ),
    "use/national/appeal-month": (
        "The Information Commissioner's Office found on 18 May 2022 that all use of the technology by public bodies in the United Kingdom was unlawful; the ruling covers this agency because it is in the United Kingdom; under appeal since July 2022."
    ),
    "vendor/national/remitted": (
        "The Information Commissioner's Office found on 18 May 2022 that the vendor's service in the United Kingdom was unlawful (a finding about the vendor, not about this agency's own use); the ruling covers this agency because it is in the United Kingdom; under appeal since 6 October 2025."
    ),
    "cleared/overturned": (
        "The First-tier Tribunal (General Regulatory Chamber) set the ruling aside on 17 October 2023 ([2023] UKFTT 819 (GRC))."
    ),
}



@pytest.mark.django_db
def test_every_explanation_is_the_pinned_sentence():
    # Given a ruling of every basis, level, scope and appeal state (and the other cases)
    # When flags are recomputed (and recomputed again after the later proceedings)
    sentences = computed_explanations()

    # Then each stored sentence is exactly the pinned one
    assert set(PINNED) == {case.key for case in CASES}
    for key, sentence in PINNED.items():
        assert sentences[key] == sentence, key


@pytest.mark.parametrize("key", sorted(PINNED))
def test_each_sentence_says_what_a_journalist_may_quote(key):
    sentence = PINNED[key]

    # One sentence, opening with the body, never a month printed as its first day
    assert sentence.startswith("The ") and sentence.endswith(".") and ". " not in sentence
    assert "1 February 2021" not in sentence and "-0" not in sentence
    # A finding about the vendor is never described as one about the agency's use
    if key.startswith("vendor/"):
        assert "the vendor's service in" in sentence
        assert "(a finding about the vendor, not about this agency's own use)" in sentence
        assert "own use of the technology was" not in sentence and "all use of the technology" not in sentence
    # A bloc reads with its article
    if "/supranational/" in key and "/agencies/" not in key:
        assert "the European Union" in sentence
        assert "in European Union" not in sentence and "of European Union" not in sentence
    # The appeal state is said only when the ruling stands under appeal
    under_appeal = key.endswith("/under_appeal") or key in ("use/national/appeal-month", "vendor/national/remitted")
    assert ("; under appeal since " in sentence) == under_appeal


def test_a_month_precision_ruling_reads_in_that_month():
    assert " said in February 2021 that " in PINNED["likely_unlawful/supranational/month"]
    assert PINNED["use/national/appeal-month"].endswith("; under appeal since July 2022.")


def test_sqlite_writes_the_same_sentences(tmp_path):
    """The rule runs on the embedded SQLite of `make run` too, with the same words."""
    if connection.vendor == "sqlite":
        pytest.skip("this run is on SQLite: test_every_explanation_is_the_pinned_sentence already checks it")
    env = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'tracker.sqlite3'}", DJANGO_SETTINGS_MODULE="config.settings.test")

    def manage(*args):
        return subprocess.run(
            [sys.executable, "manage.py", *args], cwd=Path(settings.BASE_DIR), env=env, capture_output=True, text=True, timeout=180
        )

    migrated = manage("migrate", "--noinput", "--skip-checks", "-v", "0")
    assert migrated.returncode == 0, migrated.stderr
    printed = manage("shell", "-c", "from tests.tracker.explanation_cases import print_explanations; print_explanations()")
    assert printed.returncode == 0, printed.stderr

    sentences = json.loads(printed.stdout.strip().splitlines()[-1])
    assert sentences == PINNED
