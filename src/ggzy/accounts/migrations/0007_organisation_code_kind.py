# An organisation without a 统一社会信用代码 (Hong Kong, Macao, Taiwan, abroad) registers with its own
# registration code: `code_kind` says which kind the `uscc` column (name kept) holds; `country` is a
# registration abroad's ISO 3166 code. Existing rows are USCCs: the default.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0006_organisation_applications"),
    ]

    operations = [
        migrations.AddField(
            model_name="organisation",
            name="code_kind",
            field=models.CharField(
                choices=[
                    ("uscc", "Unified social credit code"),
                    ("hk_br", "Hong Kong business registration number"),
                    ("macao", "Macao commercial registration number"),
                    ("taiwan_ubn", "Taiwan unified business number"),
                    ("foreign", "Registration number abroad"),
                ],
                default="uscc",
                max_length=16,
                verbose_name="kind of registration code",
            ),
        ),
        migrations.AddField(
            model_name="organisation",
            name="country",
            field=models.CharField(
                blank=True,
                help_text="ISO 3166 code, only for an organisation registered abroad",
                max_length=2,
                verbose_name="country of registration",
            ),
        ),
        migrations.AlterField(
            model_name="organisation",
            name="uscc",
            field=models.CharField(max_length=40, verbose_name="registration code"),
        ),
        migrations.AlterField(
            model_name="organisation",
            name="region",
            field=models.CharField(
                blank=True,
                help_text="GB/T 2260 code, from the registration code; none for an organisation registered abroad",
                max_length=6,
                verbose_name="region",
            ),
        ),
        migrations.AddConstraint(
            model_name="organisation",
            constraint=models.UniqueConstraint(
                fields=("code_kind", "country", "uscc"), name="one_organisation_per_code"
            ),
        ),
        migrations.AddConstraint(
            model_name="organisation",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(
                        ("code_kind", "foreign"),
                        models.Q(("country__in", ["", "CN", "HK", "MO", "TW"]), _negated=True),
                    ),
                    models.Q(models.Q(("code_kind", "foreign"), _negated=True), ("country", "")),
                    _connector="OR",
                ),
                name="organisation_country_only_abroad",
            ),
        ),
    ]
