"""`ggzy check` (and every management command) refuses to run with an endpoint whose access is
not declared, or a public endpoint missing from the reviewed allowlist."""

from __future__ import annotations

from typing import Any

from django.core.checks import Error, register

from ggzy.core.access import problems, read_allowlist, walk_endpoints


@register("ggzy_access")
def access_declared(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    return [
        Error(problem, hint="Declare @public, @signed_in or @allow(...) on the view", id="ggzy.E001")
        for problem in problems(walk_endpoints(), read_allowlist())
    ]


@register("ggzy_fields")
def encrypted_fields_have_rows(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    """Every model with an encrypted field has the random `uid` its values are bound to."""
    from django.apps import apps
    from django.db import models

    from ggzy.core.fields import EncryptedField

    errors = []
    for model in apps.get_models():
        if not any(isinstance(f, EncryptedField) for f in model._meta.get_fields()):
            continue
        uid = next((f for f in model._meta.get_fields() if f.name == "uid"), None)
        if not isinstance(uid, models.UUIDField) or not uid.unique:
            errors.append(
                Error(
                    f"{model._meta.label} has an encrypted field but no unique `uid` UUIDField to bind it to",
                    hint="Add uid = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)",
                    id="ggzy.E002",
                )
            )
    return errors
