"""Sources as objects and proceedings instead of the status “overturned” (SPEC v2)."""

from django.db import migrations


# Reads as the subject of "… set the ruling aside on …".
NOT_RECORDED_BODY = "A body not recorded (the ruling was marked overturned before proceedings were tracked)"


def _source(url):
    return {"url": url, "title": None, "publisher": None, "published_on": None, "kind": None, "archived_url": None, "quote": None}


def carry_records_forward(apps, schema_editor):
    """Each ruling's ``source_url`` becomes its first source; each overturned ruling becomes
    a published one with an ``overturned`` proceeding dated from its history."""
    Ruling = apps.get_model("rulings", "Ruling")
    HistoricalRuling = apps.get_model("rulings", "HistoricalRuling")
    Proceeding = apps.get_model("rulings", "Proceeding")
    for ruling in Ruling.objects.all().iterator():
        ruling.sources = [_source(ruling.source_url)]
        ruling.save(update_fields=["sources"])
    for entry in HistoricalRuling.objects.exclude(source_url="").iterator():
        entry.sources = [_source(entry.source_url)]
        entry.save(update_fields=["sources"])
    for ruling in Ruling.objects.filter(status="overturned"):
        # When it was marked overturned: its first history entry in that status.
        marked = HistoricalRuling.objects.filter(id=ruling.pk, status="overturned").order_by("history_date").first()
        moment = marked.history_date if marked else (ruling.status_changed_at or ruling.updated_at)
        day = max(moment.date(), ruling.decided_on)
        Proceeding.objects.create(
            ruling=ruling,
            body=NOT_RECORDED_BODY,
            decided_on=day,
            decided_on_precision="day",
            effect="overturned",
            summary=(
                f"This ruling was marked overturned on {day.isoformat()}, before proceedings were recorded; "
                "the body that set it aside and the date of its decision were not recorded then."
            ),
            sources=ruling.sources,
            status="published",
            published_at=moment,
        )
        ruling.status = "published"
        ruling.save(update_fields=["status"])


def carry_records_back(apps, schema_editor):
    Ruling = apps.get_model("rulings", "Ruling")
    Proceeding = apps.get_model("rulings", "Proceeding")
    for ruling in Ruling.objects.all().iterator():
        ruling.source_url = ruling.sources[0]["url"] if ruling.sources else ""
        if Proceeding.objects.filter(ruling=ruling, body=NOT_RECORDED_BODY).exists():
            ruling.status = "overturned"
        ruling.save(update_fields=["source_url", "status"])
    Proceeding.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("rulings", "0003_record_v2")]

    operations = [migrations.RunPython(carry_records_forward, carry_records_back)]
