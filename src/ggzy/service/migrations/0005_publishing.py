"""Guides and commitments are written by a centre's staff from pages (issue 22): each has a state (draft,
published, withdrawn); a guide belongs to a centre; a commitment gets a random `uid` for its pages;
technical staff record when they were designated; `ServiceType` names expert draws and online bid
opening (not offered yet, with venue booking).

Rows written before: every commitment was published when written, so it stays published — except those
for a service not offered yet, which become drafts (the public hall shows none of them). Guides had no
centre: they go to the first centre by code (the province's in the demo) and stay published. The next
migration makes a guide's centre required (apart: PostgreSQL alters no table with the pending checks of
the rows updated here)."""

import django.db.models.deletion
from django.db import migrations, models
from django.utils import timezone

from ggzy.core.migration_support import add_uid

NOT_OFFERED_YET = ("booking", "expert_draw", "online_opening")
SERVICE_CHOICES = [
    ("registration", "Project registration"),
    ("consultation", "Consultation"),
    ("booking", "Venue booking"),
    ("expert_draw", "Expert draw"),
    ("online_opening", "Online bid opening"),
    ("green_channel", "Green channel"),
    ("extended_hours", "Extended hours"),
    ("on_behalf", "Acting on someone's behalf"),
]
STATE_CHOICES = [("draft", "Draft"), ("published", "Published"), ("withdrawn", "Withdrawn")]


def existing_rows(apps, schema_editor):
    now = timezone.now()
    commitment = apps.get_model("service", "Commitment")
    commitment.objects.exclude(service__in=NOT_OFFERED_YET).update(
        state="published", published_at=now, updated_at=now
    )
    commitment.objects.filter(service__in=NOT_OFFERED_YET).update(state="draft", updated_at=now)
    guide = apps.get_model("service", "Guide")
    first = apps.get_model("accounts", "Centre").objects.order_by("code").first()
    if first is None:
        guide.objects.all().delete()  # a guide of no centre can be shown nowhere
        return
    for pk, updated_at in guide.objects.values_list("pk", "updated_at"):
        guide.objects.filter(pk=pk).update(centre=first, state="published", published_at=updated_at)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_uids"),
        ("service", "0004_uids"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="guide",
            options={
                "ordering": ("centre", "category", "kind", "title"),
                "verbose_name": "service guide",
                "verbose_name_plural": "service guides",
            },
        ),
        *add_uid("service", "commitment"),
        migrations.AddField(
            model_name="commitment",
            name="state",
            field=models.CharField(choices=STATE_CHOICES, default="draft", max_length=16, verbose_name="state"),
        ),
        migrations.AddField(
            model_name="commitment",
            name="updated_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="updated at"),
        ),
        migrations.AddField(
            model_name="commitment",
            name="published_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="published at"),
        ),
        migrations.AddField(
            model_name="guide",
            name="centre",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="accounts.centre",
            ),
        ),
        migrations.AddField(
            model_name="guide",
            name="state",
            field=models.CharField(choices=STATE_CHOICES, default="draft", max_length=16, verbose_name="state"),
        ),
        migrations.AddField(
            model_name="guide",
            name="published_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="published at"),
        ),
        migrations.AddField(
            model_name="technicalstaff",
            name="designated_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="designated at"),
        ),
        migrations.AlterField(
            model_name="commitment",
            name="service",
            field=models.CharField(choices=SERVICE_CHOICES, max_length=32, verbose_name="service"),
        ),
        migrations.AlterField(
            model_name="rating",
            name="service",
            field=models.CharField(choices=SERVICE_CHOICES, max_length=32, verbose_name="service"),
        ),
        migrations.AlterField(
            model_name="selfevaluation",
            name="service",
            field=models.CharField(choices=SERVICE_CHOICES, max_length=32, verbose_name="service"),
        ),
        migrations.AlterField(
            model_name="servicerecord",
            name="service",
            field=models.CharField(choices=SERVICE_CHOICES, max_length=32, verbose_name="service"),
        ),
        migrations.RunPython(existing_rows, migrations.RunPython.noop),
    ]
