"""A small newsroom data set for the public-site tests, modelled on the seed reporting.

Flags are written directly, as the flagging rule would raise them (the rule is tested on
its own); ``update_or_create`` keeps this working when the rule has already raised them.
:func:`build_uk_case` adds the real case of the spec — a fine of the vendor set aside by a
tribunal, that decision set aside in turn and the case sent back — with the flag the
engine itself computes.
"""

import datetime
from types import SimpleNamespace

from django.utils import timezone

from agencies.models import Agency
from rulings.dates import date_phrase
from rulings.models import Proceeding, Ruling
from tests.agencies.factories import AgencyFactory, country
from tests.rulings.factories import ProceedingFactory, RegulatorFactory, RulingFactory
from tracker.models import Flag
from tracker.services import flags_recompute

RAISED = datetime.datetime(2021, 3, 1, 12, 0, tzinfo=datetime.UTC)
CLEARED = datetime.datetime(2022, 5, 4, 9, 30, tzinfo=datetime.UTC)


def source(url, *, title=None, publisher=None, published_on=None, kind=None, archived_url=None, quote=None) -> dict:
    """One source as records store it."""
    return {
        "url": url, "title": title, "publisher": publisher, "published_on": published_on, "kind": kind,
        "archived_url": archived_url, "quote": quote,
    }


def put_flag(agency, ruling, *, severity=Flag.Severity.UNLAWFUL, active=True, explanation=None, **fields):
    """Write the flag of ``agency`` under ``ruling`` as given, whether or not it exists."""
    verdict = "unlawful" if severity == Flag.Severity.UNLAWFUL else "likely unlawful"
    defaults = {
        "severity": severity,
        "timing": Flag.Timing.RULED_AFTER_USE,
        "basis": ruling.concerns,
        "raised_at": RAISED,
        "active": active,
        "cleared_at": None if active else CLEARED,
        "explanation": explanation
        or f"{ruling.regulator.name} ruled {date_phrase(ruling.decided_on, ruling.decided_on_precision)} that the use was {verdict}; "
        f"this agency is in {agency.country.name if agency.country else 'no country'}.",
        "updated_at": timezone.now(),
        **fields,
    }
    flag, _ = Flag.objects.update_or_create(agency=agency, ruling=ruling, defaults=defaults)
    return flag


def build_records():
    """Agencies in six places, rulings of every public status and a draft, and their flags."""
    opc = RegulatorFactory(
        name="Office of the Privacy Commissioner of Canada", short_name="OPC", jurisdiction="CA",
        website="https://www.priv.gc.ca/",
    )
    cai = RegulatorFactory(name="Commission d'accès à l'information du Québec", short_name="CAI", jurisdiction="CA-QC")
    imy = RegulatorFactory(name="Swedish Authority for Privacy Protection", short_name="IMY", jurisdiction="SE")
    ap = RegulatorFactory(name="Dutch Data Protection Authority", short_name="AP", jurisdiction="NL")
    hmbbfdi = RegulatorFactory(name="Hamburg Commissioner for Data Protection", short_name="HmbBfDI", jurisdiction="DE-HH")
    oaic = RegulatorFactory(name="Office of the Australian Information Commissioner", short_name="OAIC", jurisdiction="AU")
    edpb = RegulatorFactory(name="European Data Protection Board", short_name="EDPB", jurisdiction="EU")

    toronto = AgencyFactory(
        name="Toronto Police Service", country=country("CA"), subdivision="CA-ON", searches=3400,
        first_used=datetime.date(2019, 10, 1), last_used=datetime.date(2020, 2, 1), authorized=False, paid=False,
        notes="Listed as having run more than 3,400 searches.",
        sources=[
            source("https://www.buzzfeednews.com/article/clearview", title="Surveillance Nation", publisher="BuzzFeed News",
                   published_on="2021-04-06", kind="secondary",
                   archived_url="https://web.archive.org/web/2021/https://www.buzzfeednews.com/article/clearview",
                   quote="more than 3,400 searches"),
            source("https://www.tps.ca/media-centre/news-releases/clearview", title="Statement on Clearview AI",
                   publisher="Toronto Police Service", published_on="2020-02-13", kind="primary"),
            source("https://www.thestar.com/clearview"),
        ],
        last_verified_on=datetime.date(2024, 3, 8),
    )
    rcmp = AgencyFactory(
        name="Royal Canadian Mounted Police", aliases=["RCMP", "GRC"], country=country("CA"), searches=450,
        searches_qualifier=Agency.SearchesQualifier.EXACT, paid=True,
        first_used=datetime.date(2019, 10, 15), last_used=datetime.date(2020, 2, 20),
    )
    saskatchewan = AgencyFactory(
        name="Saskatchewan Ministry of Justice", country=country("CA"), subdivision="CA-SK",
        kind=Agency.Kind.PROSECUTOR, searches=70, searches_qualifier=Agency.SearchesQualifier.AT_MOST,
        first_used=datetime.date(2019, 11, 1), last_used=None,
    )
    swedish_police = AgencyFactory(
        name="Swedish Police Authority", country=country("SE"), searches=None,
        first_used=datetime.date(2019, 10, 20), last_used=datetime.date(2020, 1, 15),
    )
    dutch_police = AgencyFactory(
        name="Netherlands National Police", country=country("NL"), searches=80,
        searches_qualifier=Agency.SearchesQualifier.ABOUT,
        first_used=datetime.date(2019, 12, 1), last_used=datetime.date(2020, 1, 31),
    )
    hamburg = AgencyFactory(
        name="Hamburg Police", country=country("DE"), subdivision="DE-HH", searches=12,
        first_used=datetime.date(2020, 1, 5), last_used=datetime.date(2020, 1, 20),
    )
    afp = AgencyFactory(
        name="Australian Federal Police", country=country("AU"), searches=100,
        first_used=datetime.date(2019, 12, 2), last_used=datetime.date(2020, 1, 22),
    )
    interpol = AgencyFactory(
        name="INTERPOL", country=None, kind=Agency.Kind.INTERNATIONAL, searches=320,
        first_used=datetime.date(2019, 11, 20), last_used=datetime.date(2020, 2, 10),
        notes="Seat: Lyon, France.",
    )

    canada = RulingFactory(
        regulator=opc, title="Joint investigation of Clearview AI by Canadian privacy authorities",
        decided_on=datetime.date(2021, 2, 2), announced_on=datetime.date(2021, 2, 3), concerns=Ruling.Concerns.VENDOR,
        case_reference="PIPEDA-2021-001",
        summary="Clearview's scraping of images violated federal and provincial privacy law.",
        sources=[source(
            "https://www.priv.gc.ca/en/opc-actions-and-decisions/investigations/2021/pipeda-2021-001/",
            title="Joint investigation of Clearview AI, Inc.", publisher="Office of the Privacy Commissioner of Canada",
            published_on="2021-02-03", kind="primary",
        )],
    )
    sweden = RulingFactory(
        regulator=imy, title="Police use of Clearview AI violated the Criminal Data Act",
        decided_on=datetime.date(2021, 2, 10), scope=Ruling.Scope.AGENCIES, agencies=[swedish_police],
        case_reference="DI-2020-2719", fine_amount=2500000, fine_currency="SEK",
        fine_notes="An administrative fine under the Criminal Data Act.",
        last_verified_on=datetime.date(2024, 5, 2),
        sources=[
            source("https://www.imy.se/en/news/police-unlawfully-used-facial-recognition-app/",
                   title="Police unlawfully used facial recognition app", publisher="IMY", published_on="2021-02-11",
                   kind="primary", archived_url="https://web.archive.org/web/2021/https://www.imy.se/en/news/police-unlawfully-used-facial-recognition-app/"),
            source("https://www.reuters.com/clearview-sweden", title="Swedish police fined", publisher="Reuters", kind="secondary"),
        ],
    )
    netherlands = RulingFactory(
        regulator=ap, title="Police use of Clearview likely unlawful",
        decided_on=datetime.date(2021, 3, 1), decided_on_precision="month", outcome=Ruling.Outcome.LIKELY_UNLAWFUL,
        sources=[source("https://autoriteitpersoonsgegevens.nl/clearview")],
    )
    hamburg_draft = RulingFactory(
        regulator=hmbbfdi, title="Draft order against Clearview AI", decided_on=datetime.date(2021, 1, 27),
        status=Ruling.Status.DRAFT, sources=[source("https://datenschutz-hamburg.de/clearview")],
    )
    australia_overturned = RulingFactory(
        regulator=oaic, title="Clearview AI breached Australians' privacy", decided_on=datetime.date(2021, 11, 3),
        sources=[source("https://www.oaic.gov.au/clearview", kind="primary")],
    )
    eu_lawful = RulingFactory(
        regulator=edpb, title="Statement on facial-recognition services in the EU", decided_on=datetime.date(2020, 6, 10),
        outcome=Ruling.Outcome.NO_FINDING, sources=[source("https://edpb.europa.eu/statement")],
    )
    # Published first, set aside on review later, as the services would record it.
    ProceedingFactory(
        ruling=australia_overturned, body="Administrative Appeals Tribunal", decided_on=datetime.date(2022, 5, 4),
        effect=Proceeding.Effect.OVERTURNED, case_reference="[2022] AATA 1234",
        summary="The Tribunal set the determination aside.",
    )

    flags = SimpleNamespace(
        toronto=put_flag(toronto, canada),
        rcmp=put_flag(rcmp, canada),
        saskatchewan=put_flag(saskatchewan, canada),
        swedish_police=put_flag(swedish_police, sweden),
        dutch_police=put_flag(dutch_police, netherlands, severity=Flag.Severity.ADVISORY),
        # A flag left active on a draft must never reach the public.
        hamburg=put_flag(hamburg, hamburg_draft, explanation="Secret draft explanation."),
        afp=put_flag(
            afp, australia_overturned, active=False,
            cleared_reason="The Administrative Appeals Tribunal set the ruling aside on 4 May 2022 ([2022] AATA 1234).",
        ),
    )
    return SimpleNamespace(
        regulators=SimpleNamespace(opc=opc, cai=cai, imy=imy, ap=ap, hmbbfdi=hmbbfdi, oaic=oaic, edpb=edpb),
        agencies=SimpleNamespace(
            toronto=toronto, rcmp=rcmp, saskatchewan=saskatchewan, swedish_police=swedish_police,
            dutch_police=dutch_police, hamburg=hamburg, afp=afp, interpol=interpol,
        ),
        rulings=SimpleNamespace(
            canada=canada, sweden=sweden, netherlands=netherlands, hamburg_draft=hamburg_draft,
            australia_overturned=australia_overturned, eu_lawful=eu_lawful,
        ),
        flags=flags,
    )


def add_flagged_agencies(count, *, ruling, name_prefix="Regional Police"):
    """``count`` more agencies in the ruling's country, each flagged by it."""
    agencies = []
    for number in range(count):
        agency = AgencyFactory(name=f"{name_prefix} {number:03d}", country=country(ruling.regulator.jurisdiction))
        put_flag(agency, ruling)
        agencies.append(agency)
    return agencies


def build_uk_case(*, met=None):
    """The UK regulator's 2022 fine of the vendor, set aside by the First-tier Tribunal on
    17 October 2023, that decision set aside and the case sent back by the Upper Tribunal on
    6 October 2025 (so: under appeal since then); a draft proceeding after it; and a London
    police service (``met``, or a new one) flagged by the engine, as is every UK agency."""
    ico = RegulatorFactory(
        name="Information Commissioner's Office", short_name="ICO", jurisdiction="GB", website="https://ico.org.uk/",
    )
    if met is None:
        met = AgencyFactory(
            name="Metropolitan Police Service", aliases=["the Met", "MPS"], country=country("GB"), searches=170,
            searches_qualifier=Agency.SearchesQualifier.ABOUT, first_used=datetime.date(2019, 12, 1),
        )
    fine = RulingFactory(
        regulator=ico, title="Fine and enforcement notice against Clearview AI", decided_on=datetime.date(2022, 5, 18),
        announced_on=datetime.date(2022, 5, 23), concerns=Ruling.Concerns.VENDOR, fine_amount=7552800,
        fine_currency="GBP", fine_notes="Also an enforcement notice to delete the data of UK residents.",
        summary="The vendor's collection of images of people in the UK was unlawful.",
        sources=[
            source("https://ico.org.uk/clearview-fine", title="ICO fines Clearview AI", publisher="Information Commissioner's Office",
                   published_on="2022-05-23", kind="primary"),
            source("https://techuk.org/clearview", publisher="techUK", kind="secondary"),
        ],
    )
    tribunal = ProceedingFactory(
        ruling=fine, body="First-tier Tribunal (General Regulatory Chamber)", decided_on=datetime.date(2023, 10, 17),
        effect=Proceeding.Effect.OVERTURNED, case_reference="[2023] UKFTT 819 (GRC)",
        summary="The Commissioner had no jurisdiction to issue the notices.",
        sources=[source("https://awo.agency/clearview", publisher="AWO", kind="secondary",
                        archived_url="https://web.archive.org/web/2024/https://awo.agency/clearview")],
    )
    upper = ProceedingFactory(
        ruling=fine, body="Upper Tribunal (Administrative Appeals Chamber)", decided_on=datetime.date(2025, 10, 6),
        effect=Proceeding.Effect.REMITTED, case_reference="[2025] UKUT 319 (AAC)",
        summary="The First-tier Tribunal's decision set aside; the case sent back to decide the appeal on its merits.",
        sources=[source("https://www.gov.uk/clearview-ut", title="ICO v Clearview AI", publisher="GOV.UK", kind="primary")],
    )
    draft = ProceedingFactory(
        ruling=fine, body="First-tier Tribunal (General Regulatory Chamber)", decided_on=datetime.date(2026, 6, 1),
        decided_on_precision="month", effect=Proceeding.Effect.UPHELD, status=Proceeding.Status.DRAFT,
        summary="Unchecked note of a hearing.",
    )
    flags_recompute(ruling_ids=[fine.pk])
    return SimpleNamespace(
        ico=ico, met=met, ruling=fine, tribunal=tribunal, upper=upper, draft=draft,
        flag=Flag.objects.get(agency=met, ruling=fine),
    )
