"""Install every ISO 3166-1 country (reference data, not seed data)."""

import pycountry
from django.db import migrations


def add_countries(apps, schema_editor):
    Country = apps.get_model("agencies", "Country")
    existing = set(Country.objects.values_list("code", flat=True))
    Country.objects.bulk_create(
        Country(code=country.alpha_2, name=getattr(country, "common_name", None) or country.name)
        for country in pycountry.countries
        if country.alpha_2 not in existing
    )


class Migration(migrations.Migration):
    dependencies = [("agencies", "0001_initial")]

    operations = [migrations.RunPython(add_countries, migrations.RunPython.noop)]
