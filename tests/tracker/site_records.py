"""A small newsroom data set for the public-site tests, modelled on the seed reporting.

Flags are written directly, as the flagging rule would raise them (the rule is tested on
its own); ``update_or_create`` keeps this working when the rule has already raised them.
"""

import datetime
from types import SimpleNamespace

from django.utils import timezone

from agencies.models import Agency
from rulings.models import Ruling
from tests.agencies.factories import AgencyFactory, country
from tests.rulings.factories import RegulatorFactory, RulingFactory
from tracker.models import Flag

RAISED = datetime.datetime(2021, 3, 1, 12, 0, tzinfo=datetime.UTC)
CLEARED = datetime.datetime(2022, 5, 4, 9, 30, tzinfo=datetime.UTC)


def put_flag(agency, ruling, *, severity=Flag.Severity.UNLAWFUL, active=True, explanation=None, **fields):
    """Write the flag of ``agency`` under ``ruling`` as given, whether or not it exists."""
    verdict = "unlawful" if severity == Flag.Severity.UNLAWFUL else "likely unlawful"
    defaults = {
        "severity": severity,
        "timing": Flag.Timing.RULED_AFTER_USE,
        "raised_at": RAISED,
        "active": active,
        "cleared_at": None if active else CLEARED,
        "explanation": explanation
        or f"{ruling.regulator.name} ruled on {ruling.decided_on.isoformat()} that the use was {verdict}; "
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
        sources=["https://www.buzzfeednews.com/article/clearview", "https://www.thestar.com/clearview"],
    )
    rcmp = AgencyFactory(
        name="Royal Canadian Mounted Police", country=country("CA"), searches=450, paid=True,
        first_used=datetime.date(2019, 10, 15), last_used=datetime.date(2020, 2, 20),
    )
    saskatchewan = AgencyFactory(
        name="Saskatchewan Ministry of Justice", country=country("CA"), subdivision="CA-SK",
        kind=Agency.Kind.PROSECUTOR, searches=70, first_used=datetime.date(2019, 11, 1), last_used=None,
    )
    swedish_police = AgencyFactory(
        name="Swedish Police Authority", country=country("SE"), searches=None,
        first_used=datetime.date(2019, 10, 20), last_used=datetime.date(2020, 1, 15),
    )
    dutch_police = AgencyFactory(
        name="Netherlands National Police", country=country("NL"), searches=80,
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
        decided_on=datetime.date(2021, 2, 2), summary="Clearview's scraping of images violated federal and provincial privacy law.",
        source_url="https://www.priv.gc.ca/en/opc-actions-and-decisions/investigations/2021/pipeda-2021-001/",
    )
    sweden = RulingFactory(
        regulator=imy, title="Police use of Clearview AI violated the Criminal Data Act",
        decided_on=datetime.date(2021, 2, 10), scope=Ruling.Scope.AGENCIES, agencies=[swedish_police],
        fine_amount=2500000, fine_currency="SEK", source_url="https://www.imy.se/en/news/police-unlawfully-used-facial-recognition-app/",
    )
    netherlands = RulingFactory(
        regulator=ap, title="Police use of Clearview likely unlawful",
        decided_on=datetime.date(2021, 3, 15), outcome=Ruling.Outcome.LIKELY_UNLAWFUL,
        source_url="https://autoriteitpersoonsgegevens.nl/clearview",
    )
    hamburg_draft = RulingFactory(
        regulator=hmbbfdi, title="Draft order against Clearview AI", decided_on=datetime.date(2021, 1, 27),
        status=Ruling.Status.DRAFT, source_url="https://datenschutz-hamburg.de/clearview",
    )
    australia_overturned = RulingFactory(
        regulator=oaic, title="Clearview AI breached Australians' privacy", decided_on=datetime.date(2021, 11, 3),
        source_url="https://www.oaic.gov.au/clearview",
    )
    eu_lawful = RulingFactory(
        regulator=edpb, title="Statement on facial-recognition services in the EU", decided_on=datetime.date(2020, 6, 10),
        outcome=Ruling.Outcome.NO_FINDING, source_url="https://edpb.europa.eu/statement",
    )
    # Published first, overturned later, as the services would do it.
    australia_overturned.status = Ruling.Status.OVERTURNED
    australia_overturned.save()

    flags = SimpleNamespace(
        toronto=put_flag(toronto, canada),
        rcmp=put_flag(rcmp, canada),
        saskatchewan=put_flag(saskatchewan, canada),
        swedish_police=put_flag(swedish_police, sweden),
        dutch_police=put_flag(dutch_police, netherlands, severity=Flag.Severity.ADVISORY),
        # A flag left active on a draft must never reach the public.
        hamburg=put_flag(hamburg, hamburg_draft, explanation="Secret draft explanation."),
        afp=put_flag(afp, australia_overturned, active=False),
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
