"""Two staff groups: editors (records and drafts) and publishers (also every status change)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

EDITABLE = {
    "agencies": ["country", "bloc", "membership", "agency"],
    "rulings": ["regulator", "ruling"],
}
READ_ONLY = {"tracker": ["flag"]}


def add_groups(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")

    codenames = []
    for models in EDITABLE.values():
        for model in models:
            codenames += [f"add_{model}", f"change_{model}", f"view_{model}"]
            if model != "country":
                codenames.append(f"delete_{model}")
    for models in READ_ONLY.values():
        codenames += [f"view_{model}" for model in models]
    apps_labels = [*EDITABLE, *READ_ONLY]
    editor_permissions = list(Permission.objects.filter(content_type__app_label__in=apps_labels, codename__in=codenames))

    editors, _ = Group.objects.get_or_create(name="editors")
    editors.permissions.set(editor_permissions)
    publishers, _ = Group.objects.get_or_create(name="publishers")
    publish = Permission.objects.get(content_type__app_label="rulings", codename="publish_ruling")
    publishers.permissions.set([*editor_permissions, publish])


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=["editors", "publishers"]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("tracker", "0001_initial"),
        ("agencies", "0003_european_union"),
        ("rulings", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(add_groups, remove_groups)]
