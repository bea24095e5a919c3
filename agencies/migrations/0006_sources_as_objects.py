"""An agency's sources become objects (SPEC v2 §2): each URL string ``u`` becomes ``{"url": u, …}``."""

from django.db import migrations

SOURCE_KEYS = ("url", "title", "publisher", "published_on", "kind", "archived_url", "quote")


def _as_objects(sources):
    return [
        {key: (item if key == "url" else None) for key in SOURCE_KEYS} if isinstance(item, str) else item
        for item in (sources or [])
    ]


def _as_urls(sources):
    return [item["url"] if isinstance(item, dict) else item for item in (sources or [])]


def _convert(apps, convert):
    for model_name in ("Agency", "HistoricalAgency"):
        model = apps.get_model("agencies", model_name)
        for record in model.objects.all().iterator():
            converted = convert(record.sources)
            if converted != record.sources:
                record.sources = converted
                record.save(update_fields=["sources"])


def forward(apps, schema_editor):
    _convert(apps, _as_objects)


def back(apps, schema_editor):
    _convert(apps, _as_urls)


class Migration(migrations.Migration):
    dependencies = [("agencies", "0005_record_v2")]

    operations = [migrations.RunPython(forward, back)]
