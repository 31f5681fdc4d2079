"""Questions a lower app asks the apps above it (docs/architecture.md, "Layers").

An app may import only the apps below it, yet some of its pages show what a higher app knows: the
preparation page (tendering) the rooms booked (venues), the opening hall (opening) and the event log
(events) the recordings of their moments (venues). The lower app declares a `Hook` with the signature it
calls; a higher app `provide`s an answer in its `AppConfig.ready`; the lower app asks every provider and
shows nothing when there is none. Every hook is listed in `HOOKS` by name."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

F = TypeVar("F", bound=Callable[..., object])


class Hook(Generic[F]):
    def __init__(self, name: str) -> None:
        if name in HOOKS:
            raise ValueError(f"hook {name!r} declared twice")
        self.name = name
        self._providers: list[F] = []
        HOOKS[name] = self

    def provide(self, provider: F) -> None:
        """Register `provider` (once, however many times an app starts)."""
        if provider not in self._providers:
            self._providers.append(provider)

    @property
    def providers(self) -> list[F]:
        return list(self._providers)

    def __repr__(self) -> str:
        return f"Hook({self.name!r}, {len(self._providers)} providers)"


HOOKS: dict[str, Hook[Any]] = {}
