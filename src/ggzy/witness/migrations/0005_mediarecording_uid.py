"""Recordings get a random `uid`: the API names them by it, never by their integer key (issue 21: no
counts through ids)."""

from django.db import migrations

from ggzy.core.migration_support import add_uid


class Migration(migrations.Migration):
    dependencies = [("witness", "0004_padding_and_recording_centres")]

    operations = add_uid("witness", "mediarecording")
