"""The v2 record migrations carry every v1 record forward (SPEC v2 §2, §3).

The database is taken back to the state before the change (agencies 0004, rulings 0002,
tracker 0006), filled with v1-shaped rows through the historical models — an agency
whose sources are URL strings, rulings with a ``source_url``, one in the old status
``overturned`` with its history, flags — and migrated forward to the latest state.
Nothing may be lost: every URL becomes a source object, the overturned ruling becomes a
published one with one published ``overturned`` proceeding dated from its history, every
count is unchanged, and a full flag recompute is asked for.

Runs with real transactions (the migrations alter tables) on PostgreSQL and SQLite alike.
"""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [
    ("agencies", "0004_indexes_for_lists"),
    ("rulings", "0002_indexes_for_lists"),
    ("tracker", "0006_flag_active_unlawful_index"),
]
SOURCE_KEYS = {"url", "title", "publisher", "published_on", "kind", "archived_url", "quote"}

DECIDED = datetime.date(2022, 5, 18)
PUBLISHED = datetime.datetime(2022, 5, 20, 10, 0, tzinfo=datetime.UTC)
MARKED_OVERTURNED = datetime.datetime(2023, 10, 20, 16, 30, tzinfo=datetime.UTC)
EDITED_LATER = datetime.datetime(2024, 2, 1, 9, 0, tzinfo=datetime.UTC)



def migrate(targets):
    """Migrate to ``targets`` (None: the latest); return the models of that state."""
    executor = MigrationExecutor(connection)
    targets = targets or executor.loader.graph.leaf_nodes()
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps


def history(apps, model_name, instance, *, when, kind="~", **changes):
    """A simple-history row of ``instance`` as it was at ``when``, with ``changes``."""
    historical = apps.get_model(instance._meta.app_label, f"Historical{model_name}")
    names = {field.name for field in historical._meta.concrete_fields}
    values = {field.attname: getattr(instance, field.attname) for field in instance._meta.concrete_fields if field.name in names}
    return historical.objects.create(**{**values, **changes}, history_date=when, history_type=kind)


def source(url):
    return {"url": url, "title": None, "publisher": None, "published_on": None, "kind": None, "archived_url": None, "quote": None}


@pytest.fixture
def v1_records(transactional_db):
    """The database at the state before the change, with v1 rows; ensures the latest state afterwards."""
    old = migrate(BEFORE)
    try:
        Agency = old.get_model("agencies", "Agency")
        Regulator = old.get_model("rulings", "Regulator")
        Ruling = old.get_model("rulings", "Ruling")
        Flag = old.get_model("tracker", "Flag")

        met = Agency.objects.create(
            name="Metropolitan Police Service",
            country_id="GB",
            kind="police",
            first_used=datetime.date(2019, 10, 1),
            sources=["https://www.buzzfeednews.com/article/met", "https://www.met.police.uk/foi/clearview"],
        )
        history(old, "Agency", met, when=PUBLISHED, kind="+")
        interpol = Agency.objects.create(name="INTERPOL", country_id=None, kind="international", sources=[])
        ico = Regulator.objects.create(name="Information Commissioner's Office", short_name="ICO", jurisdiction="GB")
        fine = Ruling.objects.create(
            regulator=ico,
            title="Monetary penalty notice",
            decided_on=DECIDED,
            outcome="unlawful",
            scope="jurisdiction",
            source_url="https://ico.org.uk/media/mpn-20220518.pdf",
            status="published",
            published_at=PUBLISHED,
            status_changed_at=PUBLISHED,
        )
        history(old, "Ruling", fine, when=PUBLISHED, kind="+")
        overturned = Ruling.objects.create(
            regulator=ico,
            title="Enforcement notice",
            decided_on=DECIDED,
            outcome="unlawful",
            scope="agencies",
            source_url="https://ico.org.uk/media/en-20220518.pdf",
            status="overturned",
            published_at=PUBLISHED,
            status_changed_at=EDITED_LATER,  # a later edit of the status must not date the overturning
        )
        overturned.agencies.set([met])
        history(old, "Ruling", overturned, when=PUBLISHED, kind="+", status="published")
        history(old, "Ruling", overturned, when=MARKED_OVERTURNED, status="overturned")
        history(old, "Ruling", overturned, when=EDITED_LATER, status="overturned", title="Enforcement notice")
        draft = Ruling.objects.create(
            regulator=ico,
            title="Draft finding",
            decided_on=DECIDED,
            outcome="likely_unlawful",
            scope="jurisdiction",
            source_url="https://ico.org.uk/media/draft.pdf",
            status="draft",
        )
        active = Flag.objects.create(
            agency=met, ruling=fine, severity="unlawful", timing="ruled_after_use", raised_at=PUBLISHED,
            active=True, explanation="Information Commissioner's Office ruled on 2022-05-18 that …", updated_at=PUBLISHED,
        )  # fmt: skip
        cleared = Flag.objects.create(
            agency=met, ruling=overturned, severity="unlawful", timing="ruled_after_use", raised_at=PUBLISHED,
            cleared_at=MARKED_OVERTURNED, active=False, explanation="Information Commissioner's Office ruled …",
            updated_at=MARKED_OVERTURNED,
        )  # fmt: skip
        counts = {
            "agencies": Agency.objects.count(),
            "regulators": Regulator.objects.count(),
            "rulings": Ruling.objects.count(),
            "flags": Flag.objects.count(),
            "ruling_agencies": Ruling.agencies.through.objects.count(),
            "ruling_history": old.get_model("rulings", "HistoricalRuling").objects.count(),
            "agency_history": old.get_model("agencies", "HistoricalAgency").objects.count(),
        }
        ids = {
            "met": met.pk, "interpol": interpol.pk, "fine": fine.pk, "overturned": overturned.pk, "draft": draft.pk,
            "active": active.pk, "cleared": cleared.pk,
        }  # fmt: skip
        yield ids, counts
    finally:
        migrate(None)


def test_every_v1_record_is_carried_forward(v1_records):
    ids, counts = v1_records

    # When the database is migrated to the latest state
    new = migrate(None)

    Agency = new.get_model("agencies", "Agency")
    Ruling = new.get_model("rulings", "Ruling")
    Proceeding = new.get_model("rulings", "Proceeding")
    Flag = new.get_model("tracker", "Flag")
    # Then nothing is lost
    assert {
        "agencies": Agency.objects.count(),
        "regulators": new.get_model("rulings", "Regulator").objects.count(),
        "rulings": Ruling.objects.count(),
        "flags": Flag.objects.count(),
        "ruling_agencies": Ruling.agencies.through.objects.count(),
        "ruling_history": new.get_model("rulings", "HistoricalRuling").objects.count(),
        "agency_history": new.get_model("agencies", "HistoricalAgency").objects.count(),
    } == counts

    # Every URL is now a source object, in the records and in their history
    met = Agency.objects.get(pk=ids["met"])
    assert met.sources == [source("https://www.buzzfeednews.com/article/met"), source("https://www.met.police.uk/foi/clearview")]
    assert new.get_model("agencies", "HistoricalAgency").objects.get(id=ids["met"]).sources == met.sources
    assert Agency.objects.get(pk=ids["interpol"]).sources == []
    for key, url in [
        ("fine", "https://ico.org.uk/media/mpn-20220518.pdf"),
        ("overturned", "https://ico.org.uk/media/en-20220518.pdf"),
        ("draft", "https://ico.org.uk/media/draft.pdf"),
    ]:
        assert Ruling.objects.get(pk=ids[key]).sources == [source(url)], key
    for entry in new.get_model("rulings", "HistoricalRuling").objects.all():
        assert [s["url"] for s in entry.sources] == [Ruling.objects.get(pk=entry.id).sources[0]["url"]]
        assert set(entry.sources[0]) == SOURCE_KEYS

    # The overturned ruling is published, with one published `overturned` proceeding dated from its history
    overturned = Ruling.objects.get(pk=ids["overturned"])
    assert overturned.status == "published" and overturned.published_at == PUBLISHED
    assert list(overturned.agencies.values_list("pk", flat=True)) == [ids["met"]]
    [proceeding] = Proceeding.objects.filter(ruling_id=ids["overturned"])
    assert (proceeding.effect, proceeding.status) == ("overturned", "published")
    assert (proceeding.decided_on, proceeding.decided_on_precision) == (MARKED_OVERTURNED.date(), "day")
    assert proceeding.published_at == MARKED_OVERTURNED
    assert proceeding.sources == overturned.sources and proceeding.body
    assert Proceeding.objects.count() == 1

    # The others keep their status; the flags keep their ids and state, with the new fields' defaults
    assert Ruling.objects.get(pk=ids["fine"]).status == "published"
    assert Ruling.objects.get(pk=ids["draft"]).status == "draft"
    assert set(Flag.objects.values_list("pk", "active", "basis", "under_appeal")) == {
        (ids["active"], True, "use", False),
        (ids["cleared"], False, "use", False),
    }

    # And a full recompute is asked for
    assert new.get_model("tracker", "PendingRecompute").objects.filter(ruling=None, agency=None).exists()


def test_the_recompute_asked_for_brings_the_flags_to_the_v2_rule(v1_records):
    from rulings.models import Ruling
    from rulings.standing import Standing
    from tracker.models import Flag, PendingRecompute
    from tracker.services.flags import flags_process_pending

    ids, _ = v1_records
    migrate(None)

    flags_process_pending()

    assert not PendingRecompute.objects.exists()
    assert Ruling.objects.get(pk=ids["overturned"]).standing == Standing.OVERTURNED
    fine = Flag.objects.get(pk=ids["active"])
    assert (fine.active, fine.basis, fine.under_appeal) == (True, "use", False)
    assert fine.explanation == (
        "The Information Commissioner's Office found on 18 May 2022 that all use of the technology by public bodies "
        "in the United Kingdom was unlawful; the ruling covers this agency because it is in the United Kingdom."
    )
    assert not Flag.objects.get(pk=ids["cleared"]).active


def test_a_flag_cleared_before_the_migration_still_says_why(v1_records):
    """SPEC §3: a cleared flag carries its `cleared_reason` — flags cleared under v1 too."""
    from tracker.models import Flag
    from tracker.services.flags import flags_process_pending

    ids, _ = v1_records
    migrate(None)
    flags_process_pending()

    assert Flag.objects.get(pk=ids["cleared"]).cleared_reason != ""
