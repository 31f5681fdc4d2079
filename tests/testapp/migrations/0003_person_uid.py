from django.db import migrations

from ggzy.core.migration_support import add_uid, rebind_encrypted


class Migration(migrations.Migration):
    dependencies = [("testapp", "0002_person")]

    operations = [*add_uid("testapp", "person"), rebind_encrypted("testapp", "person", ["phone", "id_number"])]
