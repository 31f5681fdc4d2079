"""The platform's signed receipt of each sealed bid (ggzy-bid-receipt-v1, `ggzy.sealing.receipts`)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0007_bid_receipt_key"),
        ("sealing", "0005_upload_sessions"),
    ]

    operations = [
        migrations.AddField(
            model_name="sealedbid",
            name="receipt",
            field=models.JSONField(blank=True, null=True),
        ),
    ]
