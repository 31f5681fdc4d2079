"""Questions and feedback get a random `uid`, and their encrypted contacts are bound to it (issue 21:
a ciphertext copied into another row no longer decrypts)."""

from django.db import migrations

from ggzy.core.migration_support import add_uid, rebind_encrypted


class Migration(migrations.Migration):
    dependencies = [("service", "0002_self_evaluation")]

    operations = [
        *add_uid("service", "question"),
        *add_uid("service", "feedback"),
        rebind_encrypted("service", "question", ["asker_contact"]),
        rebind_encrypted("service", "feedback", ["author_contact"]),
    ]
