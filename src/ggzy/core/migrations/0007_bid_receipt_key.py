"""The platform key purpose `bid_receipt`: signing receipts of sealed bids (the key itself is made after
migrate, as every purpose's is: `keys_ensure`)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0006_deadline_notice_key'),
    ]

    operations = [
        migrations.AlterField(
            model_name='platformkey',
            name='purpose',
            field=models.CharField(choices=[('witness_signing', 'Witness log signing (SM2)'), ('webhook', 'Webhook signatures (HMAC-SM3)'), ('field_encryption', 'Encrypted fields (SM4-GCM)'), ('field_lookup', 'Search hashes of encrypted fields (HMAC-SM3)'), ('bid_opening', "Receiving custodians' key shares at openings (SM2)"), ('deadline_notice', 'Signing bid deadline and opening notices for custodians (SM2)'), ('bid_receipt', 'Signing receipts of sealed bids (SM2)')], max_length=32, verbose_name='purpose'),
        ),
    ]
