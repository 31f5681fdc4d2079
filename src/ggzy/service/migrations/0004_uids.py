"""Ratings, services given, FAQ entries and guides get a random `uid` (issue 21: no counts through ids).
What named a row by its integer key names it by its uid now: a rating's service reference
("service.question:<uid>"), a deadline's owner, and the search entries of FAQ entries, guides and
answered questions (the hall's anchors)."""

from django.db import migrations

from ggzy.core.migration_support import add_uid

#: reference prefix -> (app, model) whose uid replaces the integer key
OWNERS = {
    "registry.registration": ("registry", "Registration"),
    "service.question": ("service", "Question"),
    "service.feedback": ("service", "Feedback"),
    "service.rating": ("service", "Rating"),
    "service.record": ("service", "ServiceRecord"),
}
SEARCH = {"service.faq": "FaqEntry", "service.guide": "Guide", "service.question": "Question"}


def by_uid(apps, schema_editor):
    uids = {
        prefix: {pk: str(uid) for pk, uid in apps.get_model(*model).objects.values_list("pk", "uid")}
        for prefix, model in OWNERS.items()
    }

    def rewrite(text: str) -> str:
        prefix, _sep, key = text.partition(":")
        found = uids.get(prefix, {}).get(int(key)) if key.isdigit() else None
        return f"{prefix}:{found}" if found else text

    rating = apps.get_model("service", "Rating")
    for pk, reference in rating.objects.values_list("pk", "reference"):
        if rewrite(reference) != reference:
            rating.objects.filter(pk=pk).update(reference=rewrite(reference))
    deadline = apps.get_model("calendar", "Deadline")
    for pk, owner in deadline.objects.filter(owner__startswith="service.").values_list("pk", "owner"):
        if rewrite(owner) != owner:
            deadline.objects.filter(pk=pk).update(owner=rewrite(owner))
    entry = apps.get_model("core", "SearchEntry")
    for kind, model in SEARCH.items():
        found = {str(pk): str(uid) for pk, uid in apps.get_model("service", model).objects.values_list("pk", "uid")}
        for pk, object_id in entry.objects.filter(kind=kind).values_list("pk", "object_id"):
            if object_id in found:
                entry.objects.filter(pk=pk).update(object_id=found[object_id])


class Migration(migrations.Migration):
    dependencies = [
        ("service", "0003_rows_bind_contacts"),
        ("registry", "0003_uids"),
        ("calendar", "0001_initial"),
        ("core", "0006_deadline_notice_key"),
    ]

    operations = [
        *add_uid("service", "faqentry"),
        *add_uid("service", "guide"),
        *add_uid("service", "rating"),
        *add_uid("service", "servicerecord"),
        migrations.RunPython(by_uid, migrations.RunPython.noop),
    ]
