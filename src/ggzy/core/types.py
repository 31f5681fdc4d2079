"""The platform's typed vocabulary for the parameters every service, selector and permission takes.

Services, selectors and permissions are checked by mypy with ``disallow_any_explicit``
(pyproject.toml): they may not write ``Any``. What they take instead:

* ``Actor`` — a signed-in person doing something (``actor=`` of every service). Django's
  ``auth.User`` is the platform's user model (``accounts`` makes its ``get_full_name`` family name
  first).
* ``Viewer`` — whoever reads: a signed-in person or the anonymous public (``viewer=`` of selectors).
  ``request.user`` is a ``Viewer``; a page or endpoint that requires sign-in may pass it as an
  ``Actor`` after its access declaration let it through.
* ``JSONDict`` — a JSON document crossing a boundary: a signed custodian notice, a co-signer's answer,
  an event's data. Its values are whatever JSON allows; the code that reads a field checks its type
  (the packages parse signed documents strictly, ``ggzy_sm.strict``). This alias is the one place
  ``Any`` is written for the checked modules, and it means "a JSON value", nothing else.
"""

from __future__ import annotations

from typing import Any, TypeAlias

from django.contrib.auth.models import AnonymousUser, User

#: A signed-in person acting.
Actor: TypeAlias = User

#: Whoever reads: a signed-in person or the anonymous public.
Viewer: TypeAlias = User | AnonymousUser

#: A JSON object crossing a boundary (signed documents, answers of outside services, event data).
JSONDict: TypeAlias = dict[str, Any]

__all__ = ["Actor", "JSONDict", "Viewer"]
