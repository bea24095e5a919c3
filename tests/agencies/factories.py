import datetime

import factory

from agencies.models import Agency, Bloc, Country, Membership


def country(code: str) -> Country:
    """A reference country (every ISO country is installed by migration)."""
    return Country.objects.get(code=code)


class BlocFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Bloc
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: "B" + "".join(chr(ord("A") + int(d)) for d in f"{n:03d}"))
    name = factory.LazyAttribute(lambda o: f"Bloc {o.code}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    bloc = factory.SubFactory(BlocFactory)
    country = factory.LazyFunction(lambda: country("FR"))
    joined = datetime.date(2000, 1, 1)
    left = None


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency

    name = factory.Sequence(lambda n: f"Police Service {n}")
    country = factory.LazyFunction(lambda: country("CA"))
    subdivision = None
    kind = Agency.Kind.POLICE
    searches = 10
    first_used = datetime.date(2019, 10, 1)
    sources = factory.LazyFunction(
        lambda: [{"url": "https://example.org/source", "title": None, "publisher": None, "published_on": None,
                  "kind": None, "archived_url": None, "quote": None}]
    )
