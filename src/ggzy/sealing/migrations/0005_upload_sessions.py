"""Resumable uploads of sealed bids (tus 1.0, `ggzy.sealing.uploads`): one row per upload in progress,
complete or refused, until it expires."""

import django.db.models.deletion
import uuid
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0007_method_rules"),
        ("sealing", "0004_uids"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="UploadSession",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("uid", models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                ("length", models.PositiveBigIntegerField(verbose_name="length (bytes)")),
                ("offset", models.PositiveBigIntegerField(default=0, verbose_name="bytes received")),
                ("filename", models.CharField(blank=True, max_length=255, verbose_name="file name")),
                ("acknowledgements", models.JSONField(default=list)),
                (
                    "state",
                    models.CharField(
                        choices=[
                            ("open", "Uploading"),
                            ("complete", "Complete: the bid was received"),
                            ("closed", "Closed: the bid was refused"),
                        ],
                        default="open",
                        max_length=16,
                        verbose_name="state",
                    ),
                ),
                ("created_at", models.DateTimeField(verbose_name="created at")),
                ("finished_at", models.DateTimeField(blank=True, null=True, verbose_name="finished at")),
                ("refusal", models.CharField(blank=True, max_length=64, verbose_name="refusal")),
                (
                    "bid",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="sealing.sealedbid",
                    ),
                ),
                (
                    "section",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="registry.section"
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "bid upload",
                "verbose_name_plural": "bid uploads",
                "indexes": [models.Index(fields=["user", "state"], name="sealing_upload_user_state")],
            },
        ),
    ]
