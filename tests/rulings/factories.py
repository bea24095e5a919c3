import datetime

import factory

from rulings.models import Proceeding, Regulator, Ruling


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
    sources = factory.LazyFunction(
        lambda: [{"url": "https://regulator.example.org/decision", "title": "Decision", "publisher": "The regulator",
                  "published_on": None, "kind": "primary", "archived_url": None, "quote": None}]
    )
    status = Ruling.Status.PUBLISHED

    @factory.post_generation
    def agencies(self, create, extracted, **kwargs):
        if create and extracted:
            self.agencies.set(extracted)


class ProceedingFactory(factory.django.DjangoModelFactory):
    """A published proceeding on a ruling, an appeal unless told otherwise, dated after it."""

    class Meta:
        model = Proceeding

    ruling = factory.SubFactory(RulingFactory)
    body = "Administrative Court"
    decided_on = factory.LazyAttribute(lambda o: o.ruling.decided_on + datetime.timedelta(days=30))
    effect = Proceeding.Effect.APPEALED
    sources = factory.LazyFunction(lambda: [{"url": "https://court.example.org/judgment", "title": None, "publisher": None,
                                             "published_on": None, "kind": "primary", "archived_url": None, "quote": None}])
    status = Proceeding.Status.PUBLISHED
