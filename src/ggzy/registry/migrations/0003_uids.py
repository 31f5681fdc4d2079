"""Registrations, leave and document templates get a random `uid`: pages and the API name them by it,
never by their integer key (issue 21: no counts through ids). The deadlines of registrations name their
owner by it too ("registry.registration:<uid>")."""

from django.db import migrations

from ggzy.core.migration_support import add_uid


def owners_by_uid(apps, schema_editor):
    registration = apps.get_model("registry", "Registration")
    deadline = apps.get_model("calendar", "Deadline")
    uids = dict(registration.objects.values_list("pk", "uid"))
    for found in deadline.objects.filter(owner__startswith="registry.registration:"):
        key = found.owner.partition(":")[2]
        if key.isdigit() and int(key) in uids:
            deadline.objects.filter(pk=found.pk).update(owner=f"registry.registration:{uids[int(key)]}")


class Migration(migrations.Migration):
    dependencies = [("registry", "0002_method_order"), ("calendar", "0001_initial")]

    operations = [
        *add_uid("registry", "registration"),
        *add_uid("registry", "leave"),
        *add_uid("registry", "template"),
        migrations.RunPython(owners_by_uid, migrations.RunPython.noop),
    ]
