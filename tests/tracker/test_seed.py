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
from agencies.sources import SOURCE_KEYS, SourceKind, normalize_sources
from rulings.dates import format_date
from rulings.models import Proceeding, Regulator, Ruling
from rulings.standing import Standing
from tracker.models import Flag
from tracker.seed.loader import CHANGE_REASON, SEED_PATH, seed_load
from tracker.services import flags_recompute

ARTICLE_URL = "https://www.buzzfeednews.com/article/ryanmac/clearview-ai-international-search-table"
ARTICLE = {
    "url": ARTICLE_URL,
    "title": "Clearview AI Offered Free Trials To Police Around The World",
    "publisher": "BuzzFeed News",
    "published_on": "2021-08-25",
    "kind": "secondary",
    "archived_url": None,
    "quote": None,
}

# What the previous version of the data set held, under the natural keys databases loaded
# by it still carry: (name, short_name, jurisdiction) of each regulator, (name, country,
# subdivision, kind, searches) of each agency, and each ruling as it was recorded then.
PREVIOUS_REGULATORS = [
    ("Office of the Privacy Commissioner of Canada", "OPC", "CA"),
    ("Swedish Authority for Privacy Protection", "IMY", "SE"),
    ("European Data Protection Board", "EDPB", "EU"),
    ("Hamburg Commissioner for Data Protection and Freedom of Information", "HmbBfDI", "DE-HH"),
    ("Dutch Data Protection Authority", "AP", "NL"),
    ("Commission nationale de l'informatique et des libertés", "CNIL", "FR"),
    ("Information Commissioner's Office", "ICO", "GB"),
    ("Office of the Data Protection Ombudsman", "", "FI"),
]
PREVIOUS_AGENCIES = [
    ("Toronto Police Service", "CA", "CA-ON", "police", 3400),
    ("Timmins Police Service", "CA", "CA-ON", "police", 120),
    ("Saskatchewan Ministry of Justice, Public Prosecutions", "CA", "CA-SK", "prosecutor", 70),
    ("Niagara Regional Police Service", "CA", "CA-ON", "police", 650),
    ("Royal Canadian Mounted Police", "CA", None, "police", 450),
    ("Public Ministry of Pernambuco", "BR", "BR-PE", "prosecutor", 100),
    ("Federal Police of Brazil", "BR", None, "police", None),
    ("National Crime Agency", "GB", None, "police", 500),
    ("Metropolitan Police Service", "GB", None, "police", 150),
    ("Artificial Intelligence Center of Advanced Studies (Thakaa)", "SA", None, "other", 10),
    ("Mubadala Investment Company", "AE", "AE-AZ", "other", 100),
    ("Australian Federal Police", "AU", None, "police", 100),
    ("Victoria Police", "AU", "AU-VIC", "police", 10),
    ("Queensland Police Service", "AU", "AU-QLD", "police", 1000),
    ("Swedish Police Authority", "SE", None, "police", None),
    ("National Bureau of Investigation", "FI", None, "police", 120),
    ("Polizia di Stato", "IT", None, "police", 130),
    ("Ministry of the Interior", "FR", None, "ministry", 400),
    ("INTERPOL", None, None, "international", 300),
]
CANADA_JOINT = "Joint investigation of Clearview AI: its practices violate federal and provincial privacy laws"
RCMP_USE = "The RCMP's use of Clearview AI violated Canada's privacy laws"
SWEDISH_FINE = "The Swedish Police Authority's use of Clearview AI violated the Criminal Data Act"
EDPB_GUIDANCE = "Use of Clearview AI by EU law enforcement likely not consistent with EU data protection law"
HAMBURG_ORDER = "Clearview AI's processing of a complainant's biometric data violates the GDPR"
PREVIOUS_RULINGS = [
    {
        "regulator": "Office of the Privacy Commissioner of Canada",
        "title": CANADA_JOINT,
        "decided_on": datetime.date(2021, 2, 1),
        "outcome": "unlawful",
        "scope": "jurisdiction",
        "source_url": "https://www.priv.gc.ca/en/opc-actions-and-decisions/investigations/investigations-into-businesses/2021/pipeda-2021-001/",
    },
    {
        "regulator": "Office of the Privacy Commissioner of Canada",
        "title": RCMP_USE,
        "decided_on": datetime.date(2021, 6, 1),
        "outcome": "unlawful",
        "scope": "agencies",
        "agencies": [("Royal Canadian Mounted Police", "CA")],
        "source_url": "https://www.priv.gc.ca/en/opc-news/speeches/2021/s-d_20210610/",
    },
    {
        "regulator": "Swedish Authority for Privacy Protection",
        "title": SWEDISH_FINE,
        "decided_on": datetime.date(2021, 2, 1),
        "outcome": "unlawful",
        "scope": "agencies",
        "agencies": [("Swedish Police Authority", "SE")],
        "fine_amount": Decimal("290000"),
        "fine_currency": "USD",
        "source_url": "https://www.imy.se/en/news/police-unlawfully-used-facial-recognition-app/",
    },
    {
        "regulator": "European Data Protection Board",
        "title": EDPB_GUIDANCE,
        "decided_on": datetime.date(2020, 6, 1),
        "outcome": "likely_unlawful",
        "scope": "jurisdiction",
        "source_url": "https://www.edpb.europa.eu/news/news/2020/thirty-first-plenary-session-establishment-taskforce-tiktok-response-meps-use_en",
    },
    {
        "regulator": "Hamburg Commissioner for Data Protection and Freedom of Information",
        "title": HAMBURG_ORDER,
        "decided_on": datetime.date(2021, 1, 1),
        "outcome": "unlawful",
        "scope": "jurisdiction",
        "source_url": ARTICLE_URL,
    },
]
UNFLAGGED = {
    "Artificial Intelligence Center of Advanced Studies (Thakaa)",
    "Mubadala Investment Company",
    "Public Ministry of Pernambuco",
    "Federal Police of Brazil",
    "INTERPOL",
}


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


def seeded_ruling(title: str) -> Ruling:
    return Ruling.objects.get(title=title)


def every_source(data):
    """(record, source) for every source the file cites."""
    for agency in data["agencies"]:
        for source in agency["sources"]:
            yield agency["name"], source
    for ruling in data["rulings"]:
        for source in ruling["sources"]:
            yield ruling["title"], source
        for proceeding in ruling.get("proceedings") or []:
            for source in proceeding["sources"]:
                yield f"{ruling['title']} / {proceeding['body']}", source


def load_previous_version():
    """The database as the previous version of the data set left it, after ``migrate``
    carried it forward: the same natural keys, the old values, sources as bare URLs."""
    regulators = {
        name: Regulator.objects.create(name=name, short_name=short_name, jurisdiction=jurisdiction)
        for name, short_name, jurisdiction in PREVIOUS_REGULATORS
    }
    agencies = {
        (name, country): Agency.objects.create(
            name=name,
            country_id=country,
            subdivision=subdivision,
            kind=kind,
            searches=searches,
            sources=normalize_sources([ARTICLE_URL]),
        )
        for name, country, subdivision, kind, searches in PREVIOUS_AGENCIES
    }
    for previous in PREVIOUS_RULINGS:
        ruling = Ruling.objects.create(
            regulator=regulators[previous["regulator"]],
            title=previous["title"],
            decided_on=previous["decided_on"],
            outcome=previous["outcome"],
            scope=previous["scope"],
            fine_amount=previous.get("fine_amount"),
            fine_currency=previous.get("fine_currency"),
            sources=normalize_sources([previous["source_url"]]),
            status="published",
        )
        ruling.agencies.set([agencies[key] for key in previous.get("agencies", [])])


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


def test_every_source_is_an_object_with_a_valid_https_url_and_its_kind(seed_data):
    validate = URLValidator(schemes=["https"])
    sources = list(every_source(seed_data))
    assert len(sources) > len(seed_data["agencies"]) + len(seed_data["rulings"])
    for record, source in sources:
        assert isinstance(source, dict) and set(source) <= set(SOURCE_KEYS), record
        validate(source["url"])
        assert source["kind"] in SourceKind.values, (record, source["url"])
        assert len(source.get("quote") or "") <= 1000, (record, source["url"])
    for regulator in seed_data["regulators"]:
        validate(regulator["website"])


def test_every_agency_ruling_and_proceeding_cites_a_source(seed_data):
    kinds = {choice.value for choice in Agency.Kind}
    for agency in seed_data["agencies"]:
        assert agency["sources"], agency["name"]
        assert agency["kind"] in kinds, agency["name"]
    for ruling in seed_data["rulings"]:
        assert ruling["sources"], ruling["title"]
        for proceeding in ruling.get("proceedings") or []:
            assert proceeding["sources"], (ruling["title"], proceeding["body"])
            assert proceeding["status"] == "published"
        assert ruling["status"] in ("draft", "published", "withdrawn"), ruling["title"]


def test_the_natural_keys_of_the_previous_version_are_all_still_there(seed_data):
    # A changed key would make a second copy of the record in databases loaded before.
    regulators = {regulator["name"] for regulator in seed_data["regulators"]}
    agencies = {(agency["name"], agency["country"]) for agency in seed_data["agencies"]}
    rulings = {(ruling["regulator"], ruling["title"]) for ruling in seed_data["rulings"]}

    assert {name for name, _, _ in PREVIOUS_REGULATORS} <= regulators
    assert {(name, country) for name, country, *_ in PREVIOUS_AGENCIES} <= agencies
    assert {(ruling["regulator"], ruling["title"]) for ruling in PREVIOUS_RULINGS} <= rulings


# --- Loading ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_loading_creates_every_record_of_the_data_set(seed_data):
    # Given an empty database (reference countries only)
    # When the seed data set is loaded
    counts = seed_load()

    # Then every regulator, agency, ruling and proceeding of the file exists, once
    proceedings = sum(len(ruling.get("proceedings") or []) for ruling in seed_data["rulings"])
    assert counts["regulators"].created == len(seed_data["regulators"]) == Regulator.objects.count()
    assert counts["agencies"].created == len(seed_data["agencies"]) == Agency.objects.count()
    assert counts["rulings"].created == len(seed_data["rulings"]) == Ruling.objects.count()
    assert counts["proceedings"].created == proceedings == Proceeding.objects.count() > 0
    assert counts["countries"].updated == len(seed_data["countries"])
    assert all(ruling.sources for ruling in Ruling.objects.all())
    assert all(agency.sources for agency in Agency.objects.all())


@pytest.mark.django_db
def test_the_article_figures_are_on_the_agencies_with_how_the_article_states_them():
    seed_load()

    toronto = seeded_agency("Toronto Police Service", "CA")
    assert (toronto.subdivision, toronto.kind, toronto.searches, toronto.searches_qualifier) == ("CA-ON", "police", 3400, "at_least")
    assert toronto.sources == [ARTICLE]

    niagara = seeded_agency("Niagara Regional Police Service", "CA")
    assert (niagara.searches, niagara.authorized, niagara.paid) == (650, False, False)

    rcmp = seeded_agency("Royal Canadian Mounted Police", "CA")
    assert (rcmp.searches, rcmp.paid, rcmp.subdivision) == (450, True, None)
    assert "RCMP" in rcmp.aliases

    saskatchewan = seeded_agency("Saskatchewan Ministry of Justice, Public Prosecutions", "CA")
    assert (saskatchewan.subdivision, saskatchewan.kind, saskatchewan.searches) == ("CA-SK", "prosecutor", 70)
    assert saskatchewan.paid is False  # "a trial version"

    # "nearly 120" is at most 120
    nbi = seeded_agency("National Bureau of Investigation", "FI")
    assert (nbi.searches, nbi.searches_qualifier) == (120, Agency.SearchesQualifier.AT_MOST)

    # The Commissioner's determination dates the trial from 2 November 2019.
    afp = seeded_agency("Australian Federal Police", "AU")
    assert (afp.first_used, afp.last_used) == (datetime.date(2019, 11, 2), datetime.date(2020, 1, 22))
    assert "2 December 2019" in afp.notes and "2 November 2019" in afp.notes


@pytest.mark.django_db
def test_the_belgian_federal_judicial_police_is_recorded_from_the_oversight_report():
    seed_load()

    police = seeded_agency("Federal Judicial Police", "BE")

    assert (police.kind, police.searches, police.searches_qualifier, police.paid) == ("police", 78, "about", False)
    assert all(source["kind"] == "secondary" for source in police.sources)
    assert ARTICLE_URL not in [source["url"] for source in police.sources]
    ruling = police.rulings.get()
    assert (ruling.regulator.short_name, ruling.concerns, ruling.decided_on_precision) == ("COC", "use", "month")


@pytest.mark.django_db
def test_interpol_answers_to_no_country_and_its_seat_is_in_its_notes():
    seed_load()

    interpol = seeded_agency("INTERPOL", None)

    assert interpol.kind == Agency.Kind.INTERNATIONAL
    assert interpol.subdivision is None
    assert (interpol.searches, interpol.paid) == (300, False)
    assert "Lyon" in interpol.notes


@pytest.mark.django_db
def test_the_swedish_fine_is_in_kronor_as_the_decision_states_it():
    seed_load()

    fine = seeded_ruling(SWEDISH_FINE)

    assert fine.regulator.jurisdiction == "SE"
    assert (fine.outcome, fine.concerns, fine.scope) == ("unlawful", "use", "agencies")
    assert (fine.fine_amount, fine.fine_currency) == (Decimal("2500000"), "SEK")
    assert "$290,000" in fine.fine_notes
    assert (fine.decided_on, fine.announced_on) == (datetime.date(2021, 2, 10), datetime.date(2021, 2, 11))
    assert list(fine.agencies.all()) == [seeded_agency("Swedish Police Authority", "SE")]
    assert fine.sources[0]["kind"] == "primary" and "SEK 2,500,000" in fine.sources[0]["quote"]


@pytest.mark.django_db
def test_the_rulings_of_the_article_have_their_exact_dates_and_subjects():
    seed_load()

    canada = seeded_ruling(CANADA_JOINT)
    rcmp = seeded_ruling(RCMP_USE)
    hamburg = seeded_ruling(HAMBURG_ORDER)

    assert (canada.decided_on, canada.decided_on_precision, canada.announced_on) == (
        datetime.date(2021, 2, 2),
        "day",
        datetime.date(2021, 2, 3),
    )
    assert (canada.concerns, canada.scope, canada.case_reference) == ("vendor", "jurisdiction", "PIPEDA Findings #2021-001")
    assert (rcmp.decided_on, rcmp.concerns) == (datetime.date(2021, 6, 10), "use")
    assert [agency.name for agency in rcmp.agencies.all()] == ["Royal Canadian Mounted Police"]
    assert (hamburg.regulator.jurisdiction, hamburg.decided_on, hamburg.concerns) == ("DE-HH", datetime.date(2021, 1, 27), "vendor")
    assert all(ruling.status == Ruling.Status.PUBLISHED and ruling.published_at for ruling in Ruling.objects.all())
    assert not Ruling.objects.filter(summary__contains="recorded as").exists()


@pytest.mark.django_db
def test_the_edpb_guidance_is_known_to_the_month_only():
    seed_load()

    edpb = seeded_ruling(EDPB_GUIDANCE)

    assert (edpb.regulator.jurisdiction, edpb.outcome, edpb.concerns) == ("EU", "likely_unlawful", "use")
    assert (edpb.decided_on, edpb.decided_on_precision) == (datetime.date(2020, 6, 1), "month")
    assert format_date(edpb.decided_on, edpb.decided_on_precision) == "June 2020"
    for ruling in Ruling.objects.filter(decided_on_precision="month"):
        assert ruling.decided_on.day == 1, ruling.title


@pytest.mark.django_db
def test_the_uk_fine_with_its_tribunal_proceedings_in_order():
    seed_load()

    fine = Ruling.objects.get(regulator__short_name="ICO")

    assert (fine.decided_on, fine.announced_on) == (datetime.date(2022, 5, 18), datetime.date(2022, 5, 23))
    assert (fine.outcome, fine.concerns, fine.scope) == ("unlawful", "vendor", "jurisdiction")
    assert (fine.fine_amount, fine.fine_currency) == (Decimal("7552800"), "GBP")
    # The provisional notice of November 2021 is told, not recorded as a ruling.
    assert "17 million" in fine.fine_notes
    proceedings = list(fine.proceedings.order_by("decided_on", "id"))
    assert [(p.body, p.decided_on, p.effect, p.case_reference) for p in proceedings] == [
        ("First-tier Tribunal (General Regulatory Chamber)", datetime.date(2023, 10, 17), "overturned", "[2023] UKFTT 819 (GRC)"),
        ("Upper Tribunal (Administrative Appeals Chamber)", datetime.date(2025, 10, 6), "remitted", "[2025] UKUT 319 (AAC)"),
    ]
    assert all(p.status == "published" and p.published_at and p.sources for p in proceedings)
    # In force, set aside, and under appeal again once the case was sent back.
    assert fine.standing_on(datetime.date(2023, 1, 1)).standing == Standing.IN_FORCE
    assert fine.standing_on(datetime.date(2024, 1, 1)).standing == Standing.OVERTURNED
    assert fine.standing_on(datetime.date(2025, 10, 6)).standing == Standing.UNDER_APPEAL


@pytest.mark.django_db
def test_later_proceedings_that_upheld_a_ruling_leave_it_in_force():
    seed_load()

    australia = Ruling.objects.get(case_reference="[2021] AICmr 54")
    british_columbia = Ruling.objects.get(case_reference="Order P21-08")

    assert [p.effect for p in australia.proceedings.all()] == ["appealed", "upheld"]
    assert australia.standing_on(datetime.date(2022, 1, 1)).standing == Standing.UNDER_APPEAL
    assert australia.standing == Standing.IN_FORCE
    assert [(p.case_reference, p.effect) for p in british_columbia.proceedings.all()] == [
        ("2024 BCSC 2311", "upheld"),
        ("2026 BCCA 67", "upheld"),
    ]


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
def test_statements_to_the_press_stay_notes_and_the_us_note_claims_no_year_the_article_lacks():
    seed_load()

    assert "unlikely" in Country.objects.get(code="NL").notes
    assert "several complaints" in Country.objects.get(code="FR").notes
    assert "joint investigation" in Country.objects.get(code="GB").notes
    assert "Data Protection Ombudsman" in Country.objects.get(code="FI").notes
    united_states = Country.objects.get(code="US").notes
    assert "1,800" in united_states and "2020" not in united_states
    # A settlement is no ruling on lawfulness, and none is recorded.
    assert not Ruling.objects.filter(outcome__in=["lawful", "no_finding"]).exists()


@pytest.mark.django_db
def test_flags_follow_the_findings_about_the_vendor_and_about_the_agencies_use():
    # Given the seed data set
    seed_load()

    # When the flags are computed
    flags_recompute()

    # Then every agency in a place with a finding stands flagged, with what it was about
    active = Flag.objects.filter(active=True, severity="unlawful").select_related("agency", "ruling__regulator")
    found = {(flag.agency.name, flag.ruling.regulator.short_name or flag.ruling.regulator.name, flag.basis) for flag in active}
    vendor_findings = {
        ("Toronto Police Service", "OPC", "vendor"),
        ("Timmins Police Service", "OPC", "vendor"),
        ("Saskatchewan Ministry of Justice, Public Prosecutions", "OPC", "vendor"),
        ("Niagara Regional Police Service", "OPC", "vendor"),
        ("Royal Canadian Mounted Police", "OPC", "vendor"),
        ("National Crime Agency", "ICO", "vendor"),
        ("Metropolitan Police Service", "ICO", "vendor"),
        ("Polizia di Stato", "Garante", "vendor"),
        ("Ministry of the Interior", "CNIL", "vendor"),
        ("Australian Federal Police", "OAIC", "vendor"),
        ("Victoria Police", "OAIC", "vendor"),
        ("Queensland Police Service", "OAIC", "vendor"),
    }
    use_findings = {
        ("Royal Canadian Mounted Police", "OPC", "use"),
        ("Swedish Police Authority", "IMY", "use"),
        ("National Bureau of Investigation", "Office of the Data Protection Ombudsman", "use"),
        ("Australian Federal Police", "OAIC", "use"),
        ("Federal Judicial Police", "COC", "use"),
    }
    assert found == vendor_findings | use_findings
    # The CNIL's formal notice and its later fine each flag the ministry.
    assert active.filter(agency__name="Ministry of the Interior").count() == 2

    # The UK agencies stand flagged under appeal since the Upper Tribunal sent the case back
    for name in ("National Crime Agency", "Metropolitan Police Service"):
        flag = active.get(agency__name=name)
        assert flag.under_appeal
        assert "under appeal since 6 October 2025" in flag.explanation
        assert "not about this agency's own use" in flag.explanation
    assert not active.exclude(agency__country_id="GB").filter(under_appeal=True).exists()

    # The EU members' agencies are also under the EDPB's advice; nothing else is flagged
    advisory = set(Flag.objects.filter(active=True, severity="advisory").values_list("agency__country_id", flat=True))
    assert advisory == {"FR", "IT", "FI", "SE", "BE"}
    assert not Flag.objects.filter(ruling__regulator__jurisdiction__in=["DE-HH", "GR", "AT", "NL", "CA-BC", "CA-AB", "CA-QC"]).exists()
    assert not Flag.objects.filter(agency__name__in=UNFLAGGED).exists()


# --- Idempotence -----------------------------------------------------------------------


@pytest.mark.django_db
def test_loading_twice_creates_and_changes_nothing():
    # Given the seed data set, loaded once
    seed_load()
    records = (Regulator.objects.count(), Agency.objects.count(), Ruling.objects.count(), Proceeding.objects.count())
    history = history_row_count()
    assert history > 0
    published_at = dict(Ruling.objects.values_list("pk", "published_at"))

    # When it is loaded again
    counts = seed_load()

    # Then nothing is created or updated, and no history row is added
    assert all(tally.created == tally.updated == 0 for tally in counts.values())
    assert counts["proceedings"].unchanged == Proceeding.objects.count()
    assert (Regulator.objects.count(), Agency.objects.count(), Ruling.objects.count(), Proceeding.objects.count()) == records
    assert history_row_count() == history
    assert dict(Ruling.objects.values_list("pk", "published_at")) == published_at


@pytest.mark.django_db
def test_loading_again_restores_an_edited_record_in_place():
    # Given a seeded agency whose figure was changed, a seeded ruling unpublished and a
    # seeded proceeding whose summary was edited
    seed_load()
    toronto = seeded_agency("Toronto Police Service", "CA")
    Agency.objects.filter(pk=toronto.pk).update(searches=1, searches_qualifier="exact")
    Ruling.objects.filter(title=RCMP_USE).update(status="draft")
    tribunal = Proceeding.objects.get(case_reference="[2023] UKFTT 819 (GRC)")
    Proceeding.objects.filter(pk=tribunal.pk).update(summary="Edited.")

    # When the data set is loaded again
    counts = seed_load()

    # Then the same records are updated, not duplicated
    assert (counts["agencies"].updated, counts["agencies"].created) == (1, 0)
    assert (counts["rulings"].updated, counts["rulings"].created) == (1, 0)
    assert (counts["proceedings"].updated, counts["proceedings"].created) == (1, 0)
    toronto.refresh_from_db()
    assert (toronto.searches, toronto.searches_qualifier) == (3400, "at_least")
    assert seeded_ruling(RCMP_USE).status == Ruling.Status.PUBLISHED
    tribunal.refresh_from_db()
    assert tribunal.summary.startswith("Clearview's appeal allowed")
    # and their history says the seed data made the change
    assert toronto.history.first().history_change_reason == CHANGE_REASON
    assert seeded_ruling(RCMP_USE).history.first().history_change_reason == CHANGE_REASON
    assert tribunal.history.first().history_change_reason == CHANGE_REASON


@pytest.mark.django_db
def test_loading_over_the_previous_version_updates_its_records_in_place(seed_data):
    # Given a database loaded by the previous version of the data set
    load_previous_version()
    previous_ids = {
        "regulators": set(Regulator.objects.values_list("pk", flat=True)),
        "agencies": set(Agency.objects.values_list("pk", flat=True)),
        "rulings": set(Ruling.objects.values_list("pk", flat=True)),
    }

    # When this version is loaded
    counts = seed_load()

    # Then the old records are updated where they stand and only new ones are created
    assert counts["regulators"].created == len(seed_data["regulators"]) - len(PREVIOUS_REGULATORS)
    assert counts["agencies"].created == len(seed_data["agencies"]) - len(PREVIOUS_AGENCIES)
    assert counts["rulings"].created == len(seed_data["rulings"]) - len(PREVIOUS_RULINGS)
    assert counts["rulings"].updated == len(PREVIOUS_RULINGS)
    assert Regulator.objects.count() == len(seed_data["regulators"])
    assert Agency.objects.count() == len(seed_data["agencies"])
    assert Ruling.objects.count() == len(seed_data["rulings"])
    assert previous_ids["rulings"] <= set(Ruling.objects.values_list("pk", flat=True))
    assert previous_ids["agencies"] <= set(Agency.objects.values_list("pk", flat=True))
    assert previous_ids["regulators"] <= set(Regulator.objects.values_list("pk", flat=True))

    sweden = seeded_ruling(SWEDISH_FINE)
    assert (sweden.decided_on, sweden.fine_amount, sweden.fine_currency) == (datetime.date(2021, 2, 10), Decimal("2500000"), "SEK")
    assert seeded_ruling(HAMBURG_ORDER).concerns == "vendor"
    assert seeded_agency("Toronto Police Service", "CA").sources == [ARTICLE]

    # And a further load changes nothing
    history = history_row_count()
    again = seed_load()
    assert all(tally.created == tally.updated == 0 for tally in again.values())
    assert history_row_count() == history


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
def test_a_faulty_proceeding_is_named_with_its_ruling(tmp_path, seed_data):
    # Given a proceeding dated before the ruling it follows
    rulings = [dict(ruling) for ruling in seed_data["rulings"]]
    uk = next(ruling for ruling in rulings if ruling["regulator"] == "Information Commissioner's Office")
    uk["proceedings"] = [{**uk["proceedings"][0], "decided_on": datetime.date(2021, 1, 1)}]
    path = tmp_path / "seed.yaml"
    path.write_text(yaml.safe_dump({**seed_data, "rulings": rulings}), encoding="utf-8")

    with pytest.raises(ValidationError) as error:
        seed_load(path=path)

    message = " ".join(error.value.messages)
    assert uk["title"] in message and "First-tier Tribunal" in message and "decided_on" in message
    assert not Ruling.objects.exists()


@pytest.mark.django_db
def test_an_unknown_field_is_refused_by_name(tmp_path, seed_data):
    misspelt = {**seed_data, "agencies": [{**seed_data["agencies"][0], "serches": 3}]}
    path = tmp_path / "seed.yaml"
    path.write_text(yaml.safe_dump(misspelt), encoding="utf-8")

    with pytest.raises(ValidationError, match="unknown field.*serches"):
        seed_load(path=path)


@pytest.mark.django_db
def test_a_source_with_an_unknown_key_is_refused_by_name(tmp_path, seed_data):
    agency = {**seed_data["agencies"][0], "sources": [{"url": ARTICLE_URL, "auther": "Someone"}]}
    path = tmp_path / "seed.yaml"
    path.write_text(yaml.safe_dump({**seed_data, "agencies": [agency]}), encoding="utf-8")

    with pytest.raises(ValidationError, match=r"Toronto Police Service.*auther"):
        seed_load(path=path)


def test_load_seed_and_recompute_flags_run_on_the_embedded_sqlite_database(tmp_path, seed_data):
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
            [sys.executable, "manage.py", *args], cwd=Path(settings.BASE_DIR), env=env, capture_output=True, text=True, timeout=180
        )

    agencies = len(seed_data["agencies"])
    proceedings = sum(len(ruling.get("proceedings") or []) for ruling in seed_data["rulings"])

    # When it is migrated and the seed data set is loaded twice
    migrated = manage("migrate", "--noinput")
    first = manage("load_seed")
    second = manage("load_seed")
    count = manage("shell", "-c", "from agencies.models import Agency; print(Agency.objects.count())")
    recomputed = manage("recompute_flags")

    # Then every step succeeds and the second load changes nothing
    assert migrated.returncode == 0, migrated.stderr
    assert first.returncode == 0, first.stderr
    assert f"agencies: {agencies} created" in first.stdout
    assert f"proceedings: {proceedings} created" in first.stdout
    assert second.returncode == 0, second.stderr
    assert f"agencies: 0 created, 0 updated, {agencies} unchanged" in second.stdout
    assert f"proceedings: 0 created, 0 updated, {proceedings} unchanged" in second.stdout
    assert count.stdout.strip().splitlines()[-1] == str(agencies)
    # And the flag rule runs on SQLite too: the loads already raised the flags, in-process
    assert recomputed.returncode == 0, recomputed.stderr
    words = recomputed.stdout.split()
    assert words[:6] == ["raised:", "0", "cleared:", "0", "updated:", "0"] and words[6] == "kept:" and int(words[7]) > 0
