"""Operations the apps' migrations share: give existing rows a random `uid`, and bind encrypted values
to their rows (`core.fields`).

    operations = [*add_uid("question"), rebind_encrypted("service", "question", ["asker_contact"])]

`add_uid` adds the column nullable, gives every existing row its own UUID (a column default would
give them all the same one), then makes it unique with a default for new rows.
"""

from __future__ import annotations

import uuid
from typing import Protocol

from django.db import migrations, models
from django.db.migrations.operations.base import Operation


class _Apps(Protocol):
    def get_model(self, app_label: str, model_name: str) -> type[models.Model]: ...


def add_uid(app_label: str, model_name: str) -> list[Operation]:
    def fill(apps: _Apps, schema_editor: object) -> None:
        model = apps.get_model(app_label, model_name)
        for pk in model._default_manager.filter(uid__isnull=True).values_list("pk", flat=True):
            model._default_manager.filter(pk=pk).update(uid=uuid.uuid4())

    return [
        migrations.AddField(model_name, "uid", models.UUIDField(null=True, editable=False)),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name, "uid", models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
        ),
    ]


def rebind_encrypted(app_label: str, model_name: str, fields: list[str]) -> Operation:
    def rebind(apps: _Apps, schema_editor: object) -> None:
        from ggzy.core.fields import rebind_to_rows

        rebind_to_rows(apps.get_model(app_label, model_name), fields)

    return migrations.RunPython(rebind, migrations.RunPython.noop)
