"""Embargoes: an event (or message) may be hidden until an instant that lives elsewhere.

An embargo is a *reference* — a kind and a key, e.g. ("section.opening", "E2101…001") — not a
copied instant, so when the section's opening time moves, every embargo on it moves too. Each app
registers the kinds it owns once, at start-up:

    embargo.register(EmbargoKind("section.opening", "tendering.Section", "code", "opening_at"))

`lifted_q(now)` turns all registered kinds into one SQL condition ("the instant referred to has
passed"), so selectors filter embargoed rows in the database: nothing embargoed is ever counted,
listed or exported. A reference whose instant is unknown (NULL) or whose kind is no longer
registered stays embargoed (fail closed).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.apps import apps
from django.db.models import Model, Q

from ggzy.core.errors import DomainError
from ggzy.events.errors import EventsError


@dataclass(frozen=True)
class EmbargoKind:
    name: str  # "section.opening"
    model: str  # "app_label.ModelName" holding the instant
    ref_field: str  # the field the reference names, e.g. "code"
    instant_field: str  # the instant that lifts the embargo, e.g. "opening_at"
    description: str = ""

    def model_class(self) -> type[Model]:
        return apps.get_model(self.model)


@dataclass(frozen=True)
class Embargo:
    """An embargo on one event: until the instant of `kind` for `ref` has passed."""

    kind: str
    ref: str


_KINDS: dict[str, EmbargoKind] = {}


def register(kind: EmbargoKind) -> None:
    existing = _KINDS.get(kind.name)
    if existing is not None and existing != kind:
        raise ValueError(f"embargo kind {kind.name!r} is already registered differently")
    _KINDS[kind.name] = kind


def kinds() -> dict[str, EmbargoKind]:
    return dict(_KINDS)


def check_reference(embargo: Embargo) -> None:
    """Refuse an embargo that refers to nothing (unknown kind, or no such object)."""
    kind = _KINDS.get(embargo.kind)
    if kind is None or not embargo.ref:
        raise DomainError(EventsError.EMBARGO_UNKNOWN, detail={"kind": embargo.kind, "ref": embargo.ref})
    manager = kind.model_class()._default_manager
    if not manager.filter(**{kind.ref_field: embargo.ref}).exists():
        raise DomainError(EventsError.EMBARGO_UNKNOWN, detail={"kind": embargo.kind, "ref": embargo.ref})


def lifted_q(now: dt.datetime, *, kind_field: str = "embargo_kind", ref_field: str = "embargo_ref") -> Q:
    """Rows not under embargo at `now`: no embargo, or the referenced instant has passed."""
    condition = Q(**{kind_field: ""})
    for kind in _KINDS.values():
        manager = kind.model_class()._default_manager
        lifted_refs = manager.filter(**{f"{kind.instant_field}__lte": now}).values(kind.ref_field)
        condition |= Q(**{kind_field: kind.name, f"{ref_field}__in": lifted_refs})
    return condition


def lifts_at(embargo: Embargo) -> dt.datetime | None:
    """The instant the embargo lifts (None: not set yet, or the reference is gone)."""
    kind = _KINDS.get(embargo.kind)
    if kind is None:
        return None
    manager = kind.model_class()._default_manager
    value = manager.filter(**{kind.ref_field: embargo.ref}).values_list(kind.instant_field, flat=True).first()
    return value if isinstance(value, dt.datetime) else None
