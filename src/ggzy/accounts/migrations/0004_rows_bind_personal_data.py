"""Organisations, persons and login states get a random `uid`, and their encrypted personal data
(bank account, contact phone, identity document number, phone, second-factor secret) is bound to it
(issue 21: a ciphertext copied into another row no longer decrypts)."""

from django.db import migrations

from ggzy.core.migration_support import add_uid, rebind_encrypted


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_operator_proof_access")]

    operations = [
        *add_uid("accounts", "organisation"),
        *add_uid("accounts", "person"),
        *add_uid("accounts", "loginstate"),
        rebind_encrypted("accounts", "organisation", ["contact_phone", "bank_account"]),
        rebind_encrypted("accounts", "person", ["id_number", "phone"]),
        rebind_encrypted("accounts", "loginstate", ["totp_secret", "phone"]),
    ]
