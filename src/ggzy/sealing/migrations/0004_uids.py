"""Sealed bids and notice-key transitions get a random `uid`: pages and the API name them by it, never by
their integer key (issue 21: no counts through ids — a bidder counted others' bids from the gaps)."""

from django.db import migrations

from ggzy.core.migration_support import add_uid


class Migration(migrations.Migration):
    dependencies = [("sealing", "0003_format2")]

    operations = [*add_uid("sealing", "sealedbid"), *add_uid("sealing", "noticekeytransition")]
