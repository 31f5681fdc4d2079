"""The methods seeded before the method table get their row of it once (`seed.METHOD_RULES`): only a
method never configured (no sources yet) is filled, so a value changed since is kept."""

from django.db import migrations


def fill(apps, schema_editor):
    from ggzy.registry.seed import method_rules_fill

    method_rules_fill(apps.get_model("registry", "TradingMethod"), using=schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [("registry", "0006_method_table")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
