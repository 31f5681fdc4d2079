"""A guide's centre is required (every existing guide was given one by 0005)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("service", "0005_publishing"),
    ]

    operations = [
        migrations.AlterField(
            model_name="guide",
            name="centre",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, related_name="+", to="accounts.centre"
            ),
        ),
    ]
