"""Role grants, API tokens, enrolment codes and changes to administrators' accounts get a random `uid`:
pages, the API and the back office name them by it, never by their integer key (issue 21: no counts
through ids)."""

from django.db import migrations

from ggzy.core.migration_support import add_uid


class Migration(migrations.Migration):
    dependencies = [("accounts", "0004_rows_bind_personal_data")]

    operations = [
        *add_uid("accounts", "rolegrant"),
        *add_uid("accounts", "apitoken"),
        *add_uid("accounts", "enrolmentcode"),
        *add_uid("accounts", "accountchange"),
    ]
