"""Editors and publishers curate proceedings as they curate rulings (publishing a proceeding
still needs *publish ruling*, which only publishers hold)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CODENAMES = ["add_proceeding", "change_proceeding", "view_proceeding", "delete_proceeding"]


def add_proceeding_permissions(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = list(Permission.objects.filter(content_type__app_label="rulings", codename__in=CODENAMES))
    for group in Group.objects.filter(name__in=["editors", "publishers"]):
        group.permissions.add(*permissions)


def remove_proceeding_permissions(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.filter(content_type__app_label="rulings", codename__in=CODENAMES)
    for group in Group.objects.filter(name__in=["editors", "publishers"]):
        group.permissions.remove(*permissions)


class Migration(migrations.Migration):
    dependencies = [("tracker", "0008_recompute_for_record_v2"), ("rulings", "0005_drop_source_url_and_overturned")]

    operations = [migrations.RunPython(add_proceeding_permissions, remove_proceeding_permissions)]
