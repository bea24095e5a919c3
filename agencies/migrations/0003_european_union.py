"""Install the EU bloc with every member state's accession and exit dates.

Membership is counted from the European Communities: the six founders from 1958-01-01
(the EEC and Euratom treaties in force), then each enlargement. An exit date is the last
day of membership: the United Kingdom left at the end of 2020-01-31.
"""

import datetime

from django.db import migrations

ACCESSIONS = {
    datetime.date(1958, 1, 1): ["BE", "DE", "FR", "IT", "LU", "NL"],
    datetime.date(1973, 1, 1): ["DK", "IE", "GB"],
    datetime.date(1981, 1, 1): ["GR"],
    datetime.date(1986, 1, 1): ["ES", "PT"],
    datetime.date(1995, 1, 1): ["AT", "FI", "SE"],
    datetime.date(2004, 5, 1): ["CY", "CZ", "EE", "HU", "LV", "LT", "MT", "PL", "SK", "SI"],
    datetime.date(2007, 1, 1): ["BG", "RO"],
    datetime.date(2013, 7, 1): ["HR"],
}
EXITS = {"GB": datetime.date(2020, 1, 31)}


def add_european_union(apps, schema_editor):
    Bloc = apps.get_model("agencies", "Bloc")
    Membership = apps.get_model("agencies", "Membership")
    bloc, _ = Bloc.objects.get_or_create(code="EU", defaults={"name": "European Union"})
    for joined, countries in ACCESSIONS.items():
        for country in countries:
            Membership.objects.get_or_create(
                bloc=bloc, country_id=country, joined=joined, defaults={"left": EXITS.get(country)}
            )


class Migration(migrations.Migration):
    dependencies = [("agencies", "0002_countries")]

    operations = [migrations.RunPython(add_european_union, migrations.RunPython.noop)]
