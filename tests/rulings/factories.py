import datetime

import factory

from rulings.models import Regulator, Ruling


class RegulatorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Regulator

    name = factory.Sequence(lambda n: f"Data Protection Authority {n}")
    short_name = factory.Sequence(lambda n: f"DPA{n}")
    jurisdiction = "CA"
    website = "https://regulator.example.org"


class RulingFactory(factory.django.DjangoModelFactory):
    """A published jurisdiction-wide finding of unlawfulness unless told otherwise."""

    class Meta:
        model = Ruling
        skip_postgeneration_save = True

    regulator = factory.SubFactory(RegulatorFactory)
    title = factory.Sequence(lambda n: f"Finding {n} on the use of facial recognition")
    decided_on = datetime.date(2021, 2, 2)
    outcome = Ruling.Outcome.UNLAWFUL
    scope = Ruling.Scope.JURISDICTION
    source_url = "https://regulator.example.org/decision"
    status = Ruling.Status.PUBLISHED

    @factory.post_generation
    def agencies(self, create, extracted, **kwargs):
        if create and extracted:
            self.agencies.set(extracted)
