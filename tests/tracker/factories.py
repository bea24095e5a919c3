import factory
from django.utils import timezone

from tests.agencies.factories import AgencyFactory
from tests.rulings.factories import RulingFactory
from tracker.models import Flag


class FlagFactory(factory.django.DjangoModelFactory):
    """An active unlawful flag, written directly (the flagging rule is tested on its own)."""

    class Meta:
        model = Flag

    agency = factory.SubFactory(AgencyFactory)
    ruling = factory.SubFactory(RulingFactory)
    severity = Flag.Severity.UNLAWFUL
    timing = Flag.Timing.RULED_AFTER_USE
    raised_at = factory.LazyFunction(timezone.now)
    cleared_at = None
    active = True
    basis = Flag.Basis.USE
    under_appeal = False
    explanation = factory.LazyAttribute(
        lambda o: f"{o.ruling.regulator} found all use in {o.ruling.regulator.jurisdiction} unlawful on {o.ruling.decided_on}."
    )
    updated_at = factory.LazyFunction(timezone.now)
