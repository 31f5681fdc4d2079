"""The catalogue of event types: every type the platform records, with its class, visibility, embargo
and scope rule, named once (like Saleor's `OrderEvents` or Zulip's audit-log constants).

Each app lists the types it records in `<app>/event_types.py`, as a class deriving from `EventTypes`:

    class RegistryEvents(EventTypes, app="registry"):
        REGISTRATION_FILED = EventType(
            "registry.registration.filed", EventClass.DOMAIN, Visibility.PARTIES, Scopes.PROJECT,
            "The agent filed the registration.",
            title=pgettext_lazy("event", "Project registration filed"),
        )

The **title** is what people read on the pages (the event log): short, in the reader's language
("提交项目登记"), translated in the context "event" — written `pgettext_lazy("event", "…")` in each app's
file, so `makemessages` finds it there. The `meaning` is an English sentence for docs/events.md, the type
(`registry.registration.filed`) a key for machines; the pages show neither.

Defining the class registers its types; `ggzy.events` imports every installed app's `event_types` module
at start-up (like the admin's autodiscovery), so nothing else needs listing. The app that records a
type owns it, whatever its prefix (`auth.login.succeeded` is recorded by `events` from Django's signal).

A type without a title is refused when its catalogue registers (`CatalogueError`), so a new type
comes with its title. The recorder (`events.services.event_record`) refuses a type that is not
catalogued, and one whose class, visibility or embargo differ from its entry, in tests and in
production alike. Callers pass the constant (`type=AccountsEvents.TOKEN_CREATED`, class and
visibility then come from the catalogue) or the type's name with its class and visibility, which must
agree. `docs/events.md` is generated from the catalogue (`ggzy events_catalogue`; `--check` and a test
fail on drift).

**Scope** says which centre and which region an event belongs to — who may see it is decided from the
visibility and these two columns (`events.selectors.event_visibility_q`): centre staff see `parties`
events of their centres (and of no other centre), supervisors `parties`/`supervisors` events of their
regions; the delivery log follows the events its messages are about. Every event about a trade or a
centre — one naming a centre, a project, a section, a bid or a deadline — records its centre and that
centre's region (its rule fills both columns, and tests/events/test_catalogue.py fails on a rule that
does not); only platform-wide, account and organisation events belong to no centre. So the staff and
supervisors of one centre see nothing of another's trades (standard 9.2.5).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, ClassVar

from django.utils import translation
from django.utils.functional import Promise

from ggzy.events.embargo import Embargo
from ggzy.events.states import EventClass, Visibility

#: A title: a lazy translatable string (`pgettext_lazy("event", "…")`); a plain `str` only in tests.
Title = str | Promise

#: The columns of `Event` that place an event in a centre and a region (what visibility reads).
SCOPE_COLUMNS = ("centre", "region")


#: What an event of a centre is about: it records the centre and that centre's region.
IN_A_CENTRE = frozenset({"centre", "project", "section", "bid", "deadline"})


@dataclass(frozen=True)
class ScopeRule:
    """Which centre and which region an event of a type belongs to, and which columns carry them."""

    name: str
    about: str  # what the event names: platform, account, organisation, or one of IN_A_CENTRE
    centre: str  # whose centre, in words (for docs/events.md)
    region: str  # whose region (a supervisor's jurisdiction), in words
    columns: frozenset[str] = frozenset()  # the subset of SCOPE_COLUMNS every recording fills

    def describe(self) -> str:
        return f"centre: {self.centre}; region: {self.region}"


_CENTRE_AND_REGION = frozenset(SCOPE_COLUMNS)


class Scopes:
    """The scope rules (one constant each; an event type names one)."""

    PLATFORM = ScopeRule("platform", "platform", "none (platform-wide)", "none")
    ACCOUNT = ScopeRule("account", "account", "none (the user account or person concerned)", "none")
    ORGANISATION = ScopeRule(
        "organisation",
        "organisation",
        "none (the organisation concerned, before any centre: an entrustment between two)",
        "the region of its registration (USCC digits 3–8)",
        frozenset({"region"}),
    )
    CENTRE_REGION = ScopeRule(
        "centre", "centre", "the centre concerned", "that centre's region", _CENTRE_AND_REGION
    )
    PROJECT = ScopeRule(
        "project", "project", "the project's centre", "that centre's region", _CENTRE_AND_REGION
    )
    SECTION = ScopeRule(
        "section", "section", "the section's centre", "that centre's region", _CENTRE_AND_REGION
    )
    BID = ScopeRule(
        "bid", "bid", "the centre of the bid's section", "that centre's region", _CENTRE_AND_REGION
    )
    DEADLINE = ScopeRule(
        "deadline",
        "deadline",
        "the deadline's centre (none for a deadline of no centre)",
        "that centre's region",
        _CENTRE_AND_REGION,
    )


@dataclass(frozen=True)
class EmbargoRule:
    """Whether an event of a type is embargoed, on what, and whether always."""

    name: str
    description: str
    kind: str = ""  # the embargo kind (`events.embargo`); "" and not `inherited`: never embargoed
    required: bool = False  # always embargoed (else only when the recording has something to wait for)
    inherited: bool = False  # the embargo of what the event is about, whatever its kind

    def allows(self, embargo: Embargo | None) -> bool:
        if embargo is None:
            return not self.required
        if self.inherited:
            return True
        return bool(self.kind) and embargo.kind == self.kind


class Embargoes:
    """The embargo rules (one constant each; an event type names one)."""

    NONE = EmbargoRule("none", "never embargoed")
    UNTIL_OPENING = EmbargoRule(
        "until opening", "until the section's opening (`section.opening`)", "section.opening", required=True
    )
    UNTIL_OPENING_IF_WINDOW = EmbargoRule(
        "until opening, if set",
        "until the section's opening (`section.opening`), when the section has a bid window",
        "section.opening",
    )
    UNTIL_EVALUATION = EmbargoRule(
        "until the evaluation",
        "until the evaluation an expert draw is for begins (`experts.evaluation`)",
        "experts.evaluation",
        required=True,
    )
    AS_MESSAGE = EmbargoRule(
        "as the message", "the embargo of the message it is about, if any", inherited=True
    )


@dataclass(frozen=True)
class EventType:
    """One event type: its name, class, visibility, scope rule, meaning, embargo and title."""

    type: str
    event_class: EventClass
    visibility: Visibility
    scope: ScopeRule
    meaning: str  # one English sentence, for docs/events.md
    embargo: EmbargoRule = field(default=Embargoes.NONE)
    app: str = ""  # filled when its catalogue registers it
    # what the pages call it, in the reader's language (required: registering refuses a type without);
    # not compared, as a lazy string's hash follows the active language
    title: Title = field(default="", kw_only=True, compare=False)

    def __str__(self) -> str:
        return self.type


_TYPES: dict[str, EventType] = {}
_CATALOGUES: dict[str, type[EventTypes]] = {}


class CatalogueError(ValueError):
    """A catalogue that contradicts itself or is incomplete: a type listed twice, or under two names, or
    without a title."""


class EventTypes:
    """Base of an app's catalogue: subclassing it with `app=` registers every `EventType` attribute."""

    app: ClassVar[str] = ""
    types: ClassVar[tuple[EventType, ...]] = ()

    def __init_subclass__(cls, *, app: str, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        found: list[EventType] = []
        for attribute, value in list(vars(cls).items()):
            if isinstance(value, EventType):
                owned = replace(value, app=app)
                setattr(cls, attribute, owned)
                found.append(owned)
        cls.app, cls.types = app, tuple(found)
        register(cls)


def _titled(event_type: EventType) -> bool:
    """Whether a type has a title: a lazy string (not read here: the catalogues register while the apps
    load, before translations may be), or a non-blank `str`."""
    title = event_type.title
    return isinstance(title, Promise) or (isinstance(title, str) and bool(title.strip()))


def register(catalogue: type[EventTypes]) -> None:
    """Add an app's catalogue; a type without a title, or already listed (by another catalogue, or
    differently), is an error, and then nothing is added. Registering the same catalogue again changes
    nothing."""
    name = f"{catalogue.__module__}.{catalogue.__qualname__}"
    seen: set[str] = set()
    for event_type in catalogue.types:
        if not _titled(event_type):
            raise CatalogueError(f"event type {event_type.type!r} in {name} has no title")
        if event_type.type in seen:
            raise CatalogueError(f"event type {event_type.type!r} is listed twice in {name}")
        seen.add(event_type.type)
        existing = _TYPES.get(event_type.type)
        if existing is not None and existing != event_type:
            raise CatalogueError(
                f"event type {event_type.type!r} is catalogued twice ({existing.app}, {name})"
            )
    for event_type in catalogue.types:
        _TYPES[event_type.type] = event_type
    _CATALOGUES[name] = catalogue


def lookup(type_name: str) -> EventType | None:
    return _TYPES.get(type_name)


def event_title(type_name: str) -> str:
    """What the pages call an event of `type_name`, in the active language; a type no longer catalogued
    (an old event of a removed type) reads as its name."""
    found = _TYPES.get(type_name)
    return str(found.title) if found is not None else type_name


def types() -> dict[str, EventType]:
    return dict(_TYPES)


def catalogues() -> list[type[EventTypes]]:
    return list(_CATALOGUES.values())


def autodiscover() -> None:
    """Import every installed app's `event_types` module (called by `events`' AppConfig.ready)."""
    from django.utils.module_loading import autodiscover_modules

    autodiscover_modules("event_types")


# --- docs/events.md -----------------------------------------------------------------------------------


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _rules(holder: type, kind: type) -> list[Any]:
    return [value for value in vars(holder).values() if isinstance(value, kind)]


def markdown() -> str:
    """docs/events.md: the scope and embargo rules, then a table per app (the platform's apps only,
    never a test app's types), each type with its title as the zh-hans pages show it."""
    by_app: dict[str, list[EventType]] = {}
    for found in catalogues():
        if found.__module__.startswith("ggzy."):
            by_app.setdefault(found.app, []).extend(found.types)
    lines = [
        "# Event types",
        "",
        "<!-- Generated from the catalogue (`src/ggzy/<app>/event_types.py`) by `ggzy events_catalogue`;",
        "     do not edit by hand: `ggzy events_catalogue --check` and tests/events/test_catalogue.py fail",
        "     when this page and the code differ. -->",
        "",
        "Every event the platform records has a type listed here, in the catalogue of the app that records",
        "it (`src/ggzy/<app>/event_types.py`). The recorder (`ggzy.events.services.event_record`) refuses a",
        "type that is not listed, and one recorded with another class, visibility or embargo than its entry.",
        "",
        "- **title**: what the pages (the event log) call it, in the reader's language; shown here as the",
        '  zh-hans pages show it (`pgettext_lazy("event", …)` in the app\'s `event_types.py`);',
        "- **class**: `domain` (a trading event) or `security`;",
        "- **visibility**: `public`; `parties` (of the project: centre staff and supervisors in scope);",
        "  `supervisors` (in scope); `audit` (the audit administrator). Everyone sees their own `domain`",
        "  events, and their own `security` events once any embargo on them has lifted;",
        "- **embargo**: hidden until the referenced instant has passed, from everyone but the actor of a",
        "  `domain` event (a bidder sees the receipt of its own bid; a refusal waits for its actor too);",
        "- **scope**: which centre and which region the event belongs to, through the columns `centre` and",
        "  `region` that visibility reads: centre staff see the events of their centres only, supervisors",
        "  those of their regions. An event naming a centre, a project, a section, a bid or a deadline",
        "  records both; platform-wide, account and organisation events belong to no centre.",
        "",
        "## Scope rules",
        "",
        "| scope | centre | region | columns filled |",
        "|---|---|---|---|",
    ]
    lines += [
        f"| {rule.name} | {_cell(rule.centre)} | {_cell(rule.region)} | "
        f"{', '.join(f'`{c}`' for c in SCOPE_COLUMNS if c in rule.columns) or 'none'} |"
        for rule in _rules(Scopes, ScopeRule)
    ]
    lines += ["", "## Embargo rules", "", "| embargo | meaning |", "|---|---|"]
    lines += [f"| {rule.name} | {_cell(rule.description)} |" for rule in _rules(Embargoes, EmbargoRule)]
    lines.append("")
    for app in sorted(by_app):
        lines += [
            f"## `{app}`",
            "",
            "| type | title (zh-hans) | class | visibility | embargo | scope | meaning |",
            "|---|---|---|---|---|---|---|",
        ]
        with translation.override("zh-hans"):
            lines += [
                f"| `{t.type}` | {_cell(str(t.title))} | {t.event_class.value} | {t.visibility.value} "
                f"| {t.embargo.name} | {t.scope.name} | {_cell(t.meaning)} |"
                for t in sorted(by_app[app], key=lambda t: t.type)
            ]
        lines.append("")
    return "\n".join(lines)
