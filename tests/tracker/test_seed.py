import datetime
import os
import subprocess
import sys
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pycountry
import pytest
import yaml
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.core.validators import URLValidator

from agencies.models import Agency, Country
from rulings.models import Regulator, Ruling
from tracker.models import Flag
from tracker.seed.loader import CHANGE_REASON, SEED_PATH, seed_load

ARTICLE_URL = "https://www.buzzfeednews.com/article/ryanmac/clearview-ai-international-search-table"


@pytest.fixture(scope="module")
def seed_data():
    return yaml.safe_load(SEED_PATH.read_text(encoding="utf-8"))


def history_row_count() -> int:
    """All simple-history rows of the domain apps, many-to-many snapshots included."""
    return sum(
        model.objects.count()
        for app in ("agencies", "rulings")
        for model in apps.get_app_config(app).get_models()
        if model.__name__.startswith("Historical")
    )


def seeded_agency(name: str, country: str | None) -> Agency:
    return Agency.objects.get(name=name, country_id=country)


def seeded_ruling(title_start: str) -> Ruling:
    return Ruling.objects.get(title__startswith=title_start)


# --- The file itself -------------------------------------------------------------------


def test_every_subdivision_in_the_data_set_is_a_real_iso_code_of_its_country(seed_data):
    for agency in seed_data["agencies"]:
        if agency.get("subdivision"):
            record = pycountry.subdivisions.get(code=agency["subdivision"])
            assert record is not None, agency["name"]
            assert record.country_code == agency["country"], agency["name"]
    for regulator in seed_data["regulators"]:
        if "-" in regulator["jurisdiction"]:
            assert pycountry.subdivisions.get(code=regulator["jurisdiction"]) is not None, regulator["name"]


def test_every_url_in_the_data_set_is_a_valid_https_url(seed_data):
    validate = URLValidator(schemes=["https"])
    urls = [url for agency in seed_data["agencies"] for url in agency["sources"]]
    urls += [ruling["source_url"] for ruling in seed_data["rulings"]]
    urls += [regulator["website"] for regulator in seed_data["regulators"] if regulator.get("website")]
    assert urls
    for url in urls:
        validate(url)


def test_every_agency_cites_a_source_and_every_kind_is_known(seed_data):
    kinds = {choice.value for choice in Agency.Kind}
    for agency in seed_data["agencies"]:
        assert agency["sources"], agency["name"]
        assert agency["kind"] in kinds, agency["name"]


# --- Loading ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_loading_creates_every_record_of_the_data_set(seed_data):
    # Given an empty database (reference countries only)
    # When the seed data set is loaded
    counts = seed_load()

    # Then every regulator, agency and ruling of the file exists, once
    assert counts["regulators"].created == len(seed_data["regulators"]) == Regulator.objects.count()
    assert counts["agencies"].created == len(seed_data["agencies"]) == Agency.objects.count()
    assert counts["rulings"].created == len(seed_data["rulings"]) == Ruling.objects.count()
    assert counts["countries"].updated == len(seed_data["countries"])


@pytest.mark.django_db
def test_the_article_figures_are_on_the_agencies():
    seed_load()

    toronto = seeded_agency("Toronto Police Service", "CA")
    assert (toronto.subdivision, toronto.kind, toronto.searches) == ("CA-ON", "police", 3400)
    assert toronto.sources == [ARTICLE_URL]

    niagara = seeded_agency("Niagara Regional Police Service", "CA")
    assert (niagara.searches, niagara.authorized, niagara.paid) == (650, False, False)

    rcmp = seeded_agency("Royal Canadian Mounted Police", "CA")
    assert (rcmp.searches, rcmp.paid, rcmp.subdivision) == (450, True, None)

    afp = seeded_agency("Australian Federal Police", "AU")
    assert (afp.first_used, afp.last_used) == (datetime.date(2019, 12, 2), datetime.date(2020, 1, 22))

    saskatchewan = seeded_agency("Saskatchewan Ministry of Justice, Public Prosecutions", "CA")
    assert (saskatchewan.subdivision, saskatchewan.kind, saskatchewan.searches) == ("CA-SK", "prosecutor", 70)


@pytest.mark.django_db
def test_interpol_answers_to_no_country_and_its_seat_is_in_its_notes():
    seed_load()

    interpol = seeded_agency("INTERPOL", None)

    assert interpol.kind == Agency.Kind.INTERNATIONAL
    assert interpol.subdivision is None
    assert (interpol.searches, interpol.paid) == (300, False)
    assert "Lyon" in interpol.notes


@pytest.mark.django_db
def test_the_swedish_fine_is_recorded_as_the_article_gives_it_and_says_so():
    seed_load()

    fine = seeded_ruling("The Swedish Police Authority's use")

    assert fine.regulator.jurisdiction == "SE"
    assert (fine.outcome, fine.scope) == (Ruling.Outcome.UNLAWFUL, Ruling.Scope.AGENCIES)
    assert (fine.fine_amount, fine.fine_currency) == (Decimal("290000"), "USD")
    assert list(fine.agencies.all()) == [seeded_agency("Swedish Police Authority", "SE")]
    assert "US dollars" in fine.summary and "SEK" in fine.summary


@pytest.mark.django_db
def test_rulings_are_published_with_the_level_and_scope_the_article_reports():
    seed_load()

    canada = seeded_ruling("Joint investigation of Clearview AI")
    rcmp = seeded_ruling("The RCMP's use")
    edpb = seeded_ruling("Use of Clearview AI by EU law enforcement")
    hamburg = seeded_ruling("Clearview AI's processing")

    assert all(ruling.status == Ruling.Status.PUBLISHED and ruling.published_at for ruling in Ruling.objects.all())
    assert (canada.regulator.jurisdiction, canada.outcome, canada.scope) == ("CA", "unlawful", "jurisdiction")
    assert [agency.name for agency in rcmp.agencies.all()] == ["Royal Canadian Mounted Police"]
    assert (edpb.regulator.jurisdiction, edpb.outcome) == ("EU", "likely_unlawful")
    assert (hamburg.regulator.jurisdiction, hamburg.outcome) == ("DE-HH", "unlawful")


@pytest.mark.django_db
def test_a_date_given_only_as_a_month_is_its_first_day_and_the_ruling_says_so():
    seed_load()

    for ruling in Ruling.objects.filter(decided_on__day=1):
        assert "recorded as" in ruling.summary, ruling.title
    assert seeded_ruling("Joint investigation of Clearview AI").decided_on == datetime.date(2021, 2, 1)
    assert seeded_ruling("Use of Clearview AI by EU law enforcement").decided_on == datetime.date(2020, 6, 1)


@pytest.mark.django_db
def test_agencies_the_article_only_counts_are_in_the_country_notes_not_placeholder_rows():
    seed_load()

    brazil = Country.objects.get(code="BR")
    assert set(brazil.agencies.values_list("name", flat=True)) == {"Public Ministry of Pernambuco", "Federal Police of Brazil"}
    assert "nine Brazilian law enforcement agencies" in brazil.notes and "1,250" in brazil.notes
    assert seeded_agency("Federal Police of Brazil", "BR").searches is None

    canada = Country.objects.get(code="CA")
    assert canada.agencies.count() == 5
    assert "at least 41 entities" in canada.notes

    for name in Agency.objects.values_list("name", flat=True):
        assert not any(word in name.lower() for word in ("unnamed", "unknown", "placeholder", "agency #"))


@pytest.mark.django_db
def test_statements_and_open_investigations_are_notes_not_rulings():
    seed_load()

    assert not Ruling.objects.filter(regulator__jurisdiction__in=["NL", "FR", "GB", "FI"]).exists()
    assert "unlikely" in Country.objects.get(code="NL").notes
    assert "several complaints" in Country.objects.get(code="FR").notes
    assert "joint inquiry" in Country.objects.get(code="GB").notes
    assert "Data Protection Ombudsman" in Country.objects.get(code="FI").notes


@pytest.mark.django_db
def test_flags_follow_what_the_article_implies():
    # Given the seed data set
    seed_load()

    # When the flags are computed
    call_command("recompute_flags", stdout=StringIO())

    # Then Canada's agencies and the Swedish police stand under an unlawful ruling,
    # the EU members' agencies under the EDPB's advice, and nothing else is flagged
    active = Flag.objects.filter(active=True)
    unlawful = set(active.filter(severity="unlawful").values_list("agency__name", "ruling__regulator__short_name"))
    assert unlawful == {
        ("Toronto Police Service", "OPC"),
        ("Timmins Police Service", "OPC"),
        ("Saskatchewan Ministry of Justice, Public Prosecutions", "OPC"),
        ("Niagara Regional Police Service", "OPC"),
        ("Royal Canadian Mounted Police", "OPC"),
        ("Swedish Police Authority", "IMY"),
    }
    assert active.filter(agency__name="Royal Canadian Mounted Police").count() == 2
    advisory = set(active.filter(severity="advisory").values_list("agency__country_id", flat=True))
    assert advisory == {"FR", "IT", "FI", "SE"}
    assert not Flag.objects.filter(ruling__regulator__jurisdiction="DE-HH").exists()
    assert not Flag.objects.filter(agency__name="INTERPOL").exists()


# --- Idempotence -----------------------------------------------------------------------


@pytest.mark.django_db
def test_loading_twice_creates_and_changes_nothing():
    # Given the seed data set, loaded once
    seed_load()
    records = (Regulator.objects.count(), Agency.objects.count(), Ruling.objects.count())
    history = history_row_count()
    assert history > 0
    published_at = dict(Ruling.objects.values_list("pk", "published_at"))

    # When it is loaded again
    counts = seed_load()

    # Then nothing is created or updated, and no history row is added
    assert all(tally.created == tally.updated == 0 for tally in counts.values())
    assert (Regulator.objects.count(), Agency.objects.count(), Ruling.objects.count()) == records
    assert history_row_count() == history
    assert dict(Ruling.objects.values_list("pk", "published_at")) == published_at


@pytest.mark.django_db
def test_loading_again_restores_an_edited_record_in_place():
    # Given a seeded agency whose figure was changed, and a seeded ruling unpublished
    seed_load()
    toronto = seeded_agency("Toronto Police Service", "CA")
    Agency.objects.filter(pk=toronto.pk).update(searches=1)
    Ruling.objects.filter(title__startswith="The RCMP's use").update(status="draft")

    # When the data set is loaded again
    counts = seed_load()

    # Then the same records are updated, not duplicated
    assert (counts["agencies"].updated, counts["agencies"].created) == (1, 0)
    assert (counts["rulings"].updated, counts["rulings"].created) == (1, 0)
    assert seeded_agency("Toronto Police Service", "CA").searches == 3400
    assert seeded_ruling("The RCMP's use").status == Ruling.Status.PUBLISHED
    # and their history says the seed data made the change
    assert toronto.history.first().history_change_reason == CHANGE_REASON
    assert seeded_ruling("The RCMP's use").history.first().history_change_reason == CHANGE_REASON


@pytest.mark.django_db
def test_a_faulty_record_is_named_and_nothing_is_written(tmp_path, seed_data):
    # Given a data set whose last agency has a subdivision of another country
    faulty = {**seed_data, "agencies": [*seed_data["agencies"], {**seed_data["agencies"][0], "name": "Typo Police", "subdivision": "AU-QLD"}]}
    path = tmp_path / "seed.yaml"
    path.write_text(yaml.safe_dump(faulty), encoding="utf-8")

    # When it is loaded through the command
    with pytest.raises(CommandError) as error:
        call_command("load_seed", path=str(path), stdout=StringIO())

    # Then the error names the record and the field, and the whole load is rolled back
    assert "Typo Police" in str(error.value) and "subdivision" in str(error.value)
    assert not Agency.objects.exists() and not Regulator.objects.exists()


@pytest.mark.django_db
def test_an_unknown_field_is_refused_by_name(tmp_path, seed_data):
    misspelt = {**seed_data, "agencies": [{**seed_data["agencies"][0], "serches": 3}]}
    path = tmp_path / "seed.yaml"
    path.write_text(yaml.safe_dump(misspelt), encoding="utf-8")

    with pytest.raises(ValidationError, match="unknown field.*serches"):
        seed_load(path=path)


def test_load_seed_and_recompute_flags_run_on_the_embedded_sqlite_database(tmp_path):
    # Given a fresh SQLite database and no broker, as `make run` has on a fresh machine
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DJANGO_DEBUG", "DJANGO_SECRET_KEY", "DATABASE_URL", "CELERY_BROKER_URL")
    }
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'tracker.sqlite3'}",
        DJANGO_SETTINGS_MODULE="config.settings.local",
        CELERY_BROKER_URL="",
    )

    def manage(*args):
        return subprocess.run(
            [sys.executable, "manage.py", *args], cwd=Path(settings.BASE_DIR), env=env, capture_output=True, text=True, timeout=120
        )

    # When it is migrated and the seed data set is loaded twice
    migrated = manage("migrate", "--noinput")
    first = manage("load_seed")
    second = manage("load_seed")
    count = manage("shell", "-c", "from agencies.models import Agency; print(Agency.objects.count())")
    recomputed = manage("recompute_flags")

    # Then every step succeeds and the second load changes nothing
    assert migrated.returncode == 0, migrated.stderr
    assert first.returncode == 0, first.stderr
    assert "agencies: 19 created" in first.stdout
    assert second.returncode == 0, second.stderr
    assert "agencies: 0 created, 0 updated, 19 unchanged" in second.stdout
    assert count.stdout.strip().splitlines()[-1] == "19"
    # And the flag rule runs on SQLite too: the loads already raised the 11 flags, in-process
    assert recomputed.returncode == 0, recomputed.stderr
    assert recomputed.stdout.split() == ["raised:", "0", "cleared:", "0", "updated:", "0", "kept:", "11"]
