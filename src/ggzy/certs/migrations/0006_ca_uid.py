"""Certificate authorities get a random `uid`: the administrators' pages and the API name them by it
(issue 21: no counts through ids)."""

from django.db import migrations

from ggzy.core.migration_support import add_uid


class Migration(migrations.Migration):
    dependencies = [("certs", "0005_decoy_challenges")]

    operations = [*add_uid("certs", "certificateauthority")]
