from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0008_alter_platformkey_purpose"),
    ]

    operations = [
        migrations.CreateModel(
            name="LiveMessage",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("channel", models.CharField(max_length=200, verbose_name="channel")),
                ("kind", models.CharField(max_length=64, verbose_name="kind")),
                ("data", models.JSONField(default=dict, verbose_name="data")),
                ("created_at", models.DateTimeField(db_index=True, verbose_name="created at")),
            ],
            options={
                "verbose_name": "live message",
                "verbose_name_plural": "live messages",
                "indexes": [models.Index(fields=["channel", "id"], name="live_channel_id")],
            },
        ),
    ]
