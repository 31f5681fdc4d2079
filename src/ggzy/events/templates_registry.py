"""Message templates: each declares its key, the data it takes and the channels it suits, and has a
subject and a body in every language of the platform, as Django template files:

    events/templates/notifications/<key>/subject.<language>.txt
    events/templates/notifications/<key>/body.<language>.txt

`notify()` refuses data that does not match the declaration (a missing or an extra key): so a
template written to give a drawn expert the time and place cannot be handed the project's name.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.conf import settings
from django.template import TemplateDoesNotExist
from django.template.loader import get_template

from ggzy.core.errors import DomainError
from ggzy.events.errors import EventsError


@dataclass(frozen=True)
class MessageTemplate:
    key: str
    context_keys: frozenset[str]
    description: str = ""


_TEMPLATES: dict[str, MessageTemplate] = {}


def register(template: MessageTemplate) -> MessageTemplate:
    _TEMPLATES[template.key] = template
    return template


def registered() -> dict[str, MessageTemplate]:
    return dict(_TEMPLATES)


def languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def missing_files(template: MessageTemplate) -> list[str]:
    missing = []
    for language in languages():
        for part in ("subject", "body"):
            name = f"notifications/{template.key}/{part}.{language}.txt"
            try:
                get_template(name)
            except TemplateDoesNotExist:
                missing.append(name)
    return missing


def get(key: str) -> MessageTemplate:
    template = _TEMPLATES.get(key)
    if template is None:
        raise DomainError(EventsError.TEMPLATE_UNKNOWN, detail={"template": key})
    if missing := missing_files(template):
        raise DomainError(EventsError.TEMPLATE_LANGUAGE_MISSING, detail={"missing": missing})
    return template


def render(template: MessageTemplate, language: str, context: Mapping[str, object]) -> tuple[str, str]:
    """(subject, body) in `language`, after checking `context` against the declaration."""
    given = frozenset(context)
    if given != template.context_keys:
        raise DomainError(
            EventsError.CONTEXT_MISMATCH,
            detail={
                "missing": sorted(template.context_keys - given),
                "unexpected": sorted(given - template.context_keys),
            },
        )
    subject = get_template(f"notifications/{template.key}/subject.{language}.txt").render(dict(context))
    body = get_template(f"notifications/{template.key}/body.{language}.txt").render(dict(context))
    return " ".join(subject.split())[:200], body.strip()


# --- the templates of the platform's own messages --------------------------------------------------
TOKEN_CREATED = register(
    MessageTemplate(
        "accounts.token_created",
        frozenset({"name", "prefix", "expires_at"}),
        "Tells a user that an API token was created for their account.",
    )
)
ACCOUNT_OPENED = register(
    MessageTemplate(
        "accounts.account_opened",
        frozenset({"name", "username", "centre", "roles"}),
        "Welcomes a user whose account was opened, with the roles it holds.",
    )
)
