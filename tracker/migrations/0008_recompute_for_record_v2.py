"""Ask for a full flag recompute: flags gain their basis, appeal state and new sentences."""

from django.db import migrations


def request_recompute(apps, schema_editor):
    apps.get_model("tracker", "PendingRecompute").objects.create()


def explain_earlier_clearings(apps, schema_editor):
    """Flags cleared before reasons were recorded say so, with the ruling's state where it tells why."""
    Flag = apps.get_model("tracker", "Flag")
    for flag in Flag.objects.filter(active=False, cleared_reason="").select_related("ruling"):
        if flag.ruling.status == "withdrawn":
            reason = "The ruling was withdrawn."
        elif flag.ruling.status == "draft":
            reason = "The ruling was taken back to draft."
        else:
            reason = f"Cleared on {flag.cleared_at:%Y-%m-%d}, before the reasons for clearing were recorded."
        flag.cleared_reason = reason
        flag.save(update_fields=["cleared_reason"])


class Migration(migrations.Migration):
    dependencies = [("tracker", "0007_flag_basis_appeal_reason"), ("rulings", "0005_drop_source_url_and_overturned")]

    operations = [
        migrations.RunPython(request_recompute, migrations.RunPython.noop),
        migrations.RunPython(explain_earlier_clearings, migrations.RunPython.noop),
    ]
