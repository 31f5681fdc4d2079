"""The catalogue of event types: the recorder refuses what it does not list, the code records only what it
lists (with the scope columns its rule names), and docs/events.md is the catalogue.

Every type recorded anywhere in the test suite is catalogued: the recorder refuses any other
(`test_the_recorder_refuses_a_type_not_catalogued`), so a test recording one fails. The types only tests
record are in `tests/testapp/event_types.py`.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.utils import translation
from django.utils.translation import pgettext_lazy

from ggzy.accounts.event_types import AccountsEvents
from ggzy.core.errors import DomainError
from ggzy.events import catalogue
from ggzy.events.catalogue import CatalogueError, EventType, EventTypes, Scopes
from ggzy.events.embargo import Embargo
from ggzy.events.errors import EventsError
from ggzy.events.models import Event
from ggzy.events.services import event_record
from ggzy.events.states import EventClass, Visibility
from ggzy.sealing.event_types import SealingEvents
from tests.testapp.models import SealedThing

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src" / "ggzy"
DOCS = ROOT / "docs" / "events.md"


# --- the recorder checks every event against the catalogue ---------------------------------------------


def refused(**kwargs: Any) -> DomainError:
    """Record in a transaction that also writes a row; the refusal must leave neither."""

    @transaction.atomic
    def change() -> None:
        Group.objects.create(name="written with the event")
        event_record(**kwargs)

    with pytest.raises(DomainError) as caught:
        change()
    assert not Group.objects.filter(name="written with the event").exists()
    assert not Event.objects.exists()
    return caught.value


@pytest.mark.django_db
def test_the_recorder_refuses_a_type_not_catalogued() -> None:
    error = refused(type="tendering.bid.submitted", event_class="domain", visibility="parties")
    assert error.code is EventsError.TYPE_NOT_CATALOGUED
    assert error.detail == {"type": "tendering.bid.submitted"}
    assert error.status == 500  # a programming error, in production as in tests


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kwargs", "detail"),
    [
        ({"event_class": EventClass.DOMAIN}, {"class": "domain", "catalogue": "security"}),
        ({"visibility": Visibility.PUBLIC}, {"visibility": "public", "catalogue": "audit"}),
        ({"event_class": "security", "visibility": "supervisors"}, {"visibility": "supervisors"}),
    ],
)
def test_the_recorder_refuses_a_class_or_visibility_other_than_the_catalogue(
    kwargs: dict[str, Any], detail: dict[str, str]
) -> None:
    error = refused(type="accounts.token.created", **kwargs)
    assert error.code is EventsError.TYPE_NOT_AS_CATALOGUED
    assert detail.items() <= error.detail.items()


@pytest.mark.django_db
def test_the_recorder_refuses_an_embargo_other_than_the_catalogue() -> None:
    SealedThing.objects.create(code="S-1", opens_at=None)
    # a type never embargoed
    error = refused(type=AccountsEvents.TOKEN_CREATED, embargo=Embargo("testapp.opening", "S-1"))
    assert error.code is EventsError.TYPE_NOT_AS_CATALOGUED
    assert error.detail["catalogue"] == "none"
    # a bid event is always embargoed until the section's opening, never on anything else
    for embargo in (None, Embargo("testapp.opening", "S-1")):
        error = refused(type=SealingEvents.BID_RECEIVED, embargo=embargo)
        assert error.code is EventsError.TYPE_NOT_AS_CATALOGUED
        assert error.detail["catalogue"] == "until opening"


@pytest.mark.django_db
def test_given_the_constant_the_recorder_takes_class_and_visibility_from_the_catalogue() -> None:
    with transaction.atomic():
        event = event_record(type=AccountsEvents.TOKEN_CREATED, data={"token": 1})
        named = event_record(type="accounts.token.created", event_class="security", visibility="audit")
    assert (event.type, event.event_class, event.visibility) == (
        "accounts.token.created",
        "security",
        "audit",
    )
    assert (named.event_class, named.visibility) == ("security", "audit")


@pytest.mark.django_db
def test_an_entry_not_the_catalogues_is_refused() -> None:
    forged = EventType(
        "accounts.token.created", EventClass.SECURITY, Visibility.AUDIT, Scopes.ACCOUNT, "forged"
    )
    assert refused(type=forged).code is EventsError.TYPE_NOT_AS_CATALOGUED


def test_a_type_cannot_be_catalogued_twice() -> None:
    before = catalogue.types()
    with pytest.raises(CatalogueError, match="catalogued twice"):

        class Again(EventTypes, app="again"):
            TOKEN_CREATED = EventType(
                "accounts.token.created",
                EventClass.SECURITY,
                Visibility.AUDIT,
                Scopes.ACCOUNT,
                "again",
                title="Again",
            )

    with pytest.raises(CatalogueError, match="listed twice"):

        class Twice(EventTypes, app="twice"):
            ONE = EventType(
                "twice.thing.done", EventClass.DOMAIN, Visibility.PUBLIC, Scopes.PLATFORM, "one", title="One"
            )
            TWO = EventType(
                "twice.thing.done", EventClass.DOMAIN, Visibility.PUBLIC, Scopes.PLATFORM, "two", title="Two"
            )

    assert catalogue.types() == before


@pytest.mark.parametrize("untitled", [{}, {"title": ""}, {"title": "  "}], ids=["omitted", "empty", "blank"])
def test_a_type_without_a_title_is_refused(untitled: dict[str, str]) -> None:
    before, catalogues = catalogue.types(), catalogue.catalogues()
    with pytest.raises(CatalogueError, match=r"'untitled\.thing\.done' in .* has no title"):

        class Untitled(EventTypes, app="untitled"):
            TITLED = EventType(
                "untitled.thing.titled",
                EventClass.DOMAIN,
                Visibility.PUBLIC,
                Scopes.PLATFORM,
                "A thing with a title.",
                title=pgettext_lazy("event", "Signed in"),
            )
            DONE = EventType(
                "untitled.thing.done",
                EventClass.DOMAIN,
                Visibility.PUBLIC,
                Scopes.PLATFORM,
                "A thing.",
                **untitled,
            )

    assert (catalogue.types(), catalogue.catalogues()) == (before, catalogues)  # not even the titled one


def test_every_entry_is_its_catalogues_constant_and_means_something() -> None:
    for found in catalogue.catalogues():
        for entry in found.types:
            assert catalogue.lookup(entry.type) is entry
            assert entry.app == found.app
            assert entry.meaning.endswith("."), entry


# --- docs/events.md is the catalogue -------------------------------------------------------------------


def test_docs_list_the_catalogue() -> None:
    docs = DOCS.read_text(encoding="utf-8")
    assert docs == catalogue.markdown(), "run `ggzy events_catalogue`"
    with translation.override("zh-hans"):
        titles = {name: str(entry.title) for name, entry in catalogue.types().items()}
    assert titles["auth.login.succeeded"] == "登录"  # the title as the zh-hans pages show it
    for entry in catalogue.types().values():
        title = titles[entry.type]
        row = f"| `{entry.type}` | {title} | {entry.event_class.value} | {entry.visibility.value} |"
        assert (row in docs) is (entry.app != "testapp"), entry.type  # the tests' own types are not listed


def test_the_command_checks_the_docs(tmp_path: Path) -> None:
    call_command("events_catalogue", "--check", path=DOCS)
    stale = tmp_path / "events.md"
    stale.write_text("# Event types\n", encoding="utf-8")
    with pytest.raises(CommandError, match="differs"):
        call_command("events_catalogue", "--check", path=stale)
    call_command("events_catalogue", path=stale)
    assert stale.read_text(encoding="utf-8") == catalogue.markdown()


# --- the code records only catalogued types, with the scope columns of their rule -----------------------


@dataclass(frozen=True)
class Recording:
    """One `event_record(...)` call in src/, resolved to the types it can record."""

    where: str
    types: frozenset[str]
    columns: frozenset[str]  # of catalogue.SCOPE_COLUMNS, passed and not ""
    given: dict[str, str]  # event_class / visibility as written, when written


class UnresolvedError(Exception):
    pass


def _catalogue_classes() -> dict[str, type[EventTypes]]:
    return {c.__name__: c for c in catalogue.catalogues()}


def _literal(node: ast.expr) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):  # EventClass.DOMAIN
        enum = {"EventClass": EventClass, "Visibility": Visibility}.get(node.value.id)
        return str(enum[node.attr]) if enum else None
    return None


class Module:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.tree = ast.parse(path.read_text(encoding="utf-8"))
        self.parents: dict[ast.AST, ast.AST] = {}
        for parent in ast.walk(self.tree):
            for child in ast.iter_child_nodes(parent):
                self.parents[child] = parent
        self.functions: dict[str, ast.FunctionDef] = {
            n.name: n for n in ast.walk(self.tree) if isinstance(n, ast.FunctionDef)
        }

    def enclosing(self, node: ast.AST) -> ast.FunctionDef | None:
        while node in self.parents:
            node = self.parents[node]
            if isinstance(node, ast.FunctionDef):
                return node
        return None

    def calls_to(self, name: str) -> Iterator[ast.Call]:
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Call):
                func = node.func
                if (isinstance(func, ast.Name) and func.id == name) or (
                    isinstance(func, ast.Attribute) and func.attr == name
                ):
                    yield node

    def resolve(self, node: ast.expr, depth: int = 0) -> set[str]:
        """The type names an expression can take: literals, catalogue constants, both arms of an `if`,
        and a parameter of the enclosing function, from the calls to it in the same module."""
        if depth > 3:
            raise UnresolvedError(ast.unparse(node))
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return {node.value}
        if isinstance(node, ast.IfExp):
            return self.resolve(node.body, depth) | self.resolve(node.orelse, depth)
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            holder = _catalogue_classes().get(node.value.id)
            if holder is not None and isinstance(getattr(holder, node.attr, None), EventType):
                return {getattr(holder, node.attr).type}
        if isinstance(node, ast.Name):
            function = self.enclosing(node)
            if function is not None:
                return self._from_callers(function, node.id, depth)
        raise UnresolvedError(ast.unparse(node))

    def callers(self, name: str) -> list[tuple[Module, ast.Call]]:
        """The calls to `name` in this module and in the other modules of its package (a services
        package split by seam calls its shared recorders from each of its modules)."""
        own = [(self, call) for call in self.calls_to(name)]
        if self.path.parent.name != "services":  # only a services package split by seam
            return own
        siblings = (Module(p) for p in sorted(self.path.parent.glob("*.py")) if p != self.path)
        return own + [(module, call) for module in siblings for call in module.calls_to(name)]

    def _from_callers(self, function: ast.FunctionDef, parameter: str, depth: int) -> set[str]:
        positional = [a.arg for a in (*function.args.posonlyargs, *function.args.args)]
        if positional[:1] in (["self"], ["cls"]):
            positional = positional[1:]
        found: set[str] = set()
        for module, call in self.callers(function.name):
            arguments = {k.arg: k.value for k in call.keywords}
            if parameter in positional and positional.index(parameter) < len(call.args):
                arguments[parameter] = call.args[positional.index(parameter)]
            if parameter not in arguments:
                raise UnresolvedError(f"{function.name}({parameter}=…) at line {call.lineno}")
            found |= module.resolve(arguments[parameter], depth + 1)
        if not found:
            raise UnresolvedError(f"nothing calls {function.name}")
        return found


def recordings() -> list[Recording]:
    found: list[Recording] = []
    for path in sorted(SRC.rglob("*.py")):
        module = Module(path)
        for call in module.calls_to("event_record"):
            keywords = {k.arg: k.value for k in call.keywords if k.arg}
            where = f"{path.relative_to(ROOT)}:{call.lineno}"
            if "type" not in keywords:
                raise AssertionError(f"{where}: event_record without type=")
            try:
                names = module.resolve(keywords["type"])
            except UnresolvedError as exc:
                raise AssertionError(f"{where}: the type cannot be read from the code ({exc})") from exc
            columns = frozenset(
                c
                for c in catalogue.SCOPE_COLUMNS
                if c in keywords and not (isinstance(keywords[c], ast.Constant) and keywords[c].value == "")
            )
            given = {
                k: v for k in ("event_class", "visibility") if k in keywords and (v := _literal(keywords[k]))
            }
            found.append(Recording(where, frozenset(names), columns, given))
    return found


def test_the_code_records_catalogued_types_with_their_class_visibility_and_scope_columns() -> None:
    found = recordings()
    assert len(found) > 50  # the walk saw the recorders
    problems = []
    for recording in found:
        for name in sorted(recording.types):
            entry = catalogue.lookup(name)
            if entry is None:
                problems.append(f"{recording.where}: {name} is not catalogued")
                continue
            listed = {"event_class": str(entry.event_class), "visibility": str(entry.visibility)}
            problems += [
                f"{recording.where}: {name} recorded with {key} {value}, catalogued {listed[key]}"
                for key, value in recording.given.items()
                if value != listed[key]
            ]
            if recording.columns != entry.scope.columns:
                problems.append(
                    f"{recording.where}: {name} fills {sorted(recording.columns)}, its scope "
                    f"{entry.scope.name!r} names {sorted(entry.scope.columns)}"
                )
    assert not problems, "\n".join(problems)


def test_every_catalogued_type_is_recorded_somewhere() -> None:
    recorded = set().union(*(r.types for r in recordings()))
    listed = {
        entry.type for c in catalogue.catalogues() if c.__module__.startswith("ggzy.") for entry in c.types
    }
    assert listed - recorded == set(), "catalogued but never recorded: drop the entry or record it"


def test_every_catalogued_types_scope_is_decided_and_recorded() -> None:
    """Issue 21 item 3: no scope is left "not recorded". A type whose events name a centre, a project, a
    section, a bid or a deadline belongs to that centre: its rule fills both columns (and the test above
    holds every recording to its rule), so visibility keeps the centres apart (standard 9.2.5); only
    platform-wide, account and organisation events belong to no centre, and those fill no centre."""
    rules = [v for v in vars(Scopes).values() if isinstance(v, catalogue.ScopeRule)]
    for rule in rules:
        words = f"{rule.name} {rule.centre} {rule.region}"
        assert "not recorded" not in words, rule
        assert set(rule.columns) <= set(catalogue.SCOPE_COLUMNS), rule
        if rule.about in catalogue.IN_A_CENTRE:
            assert rule.columns == set(catalogue.SCOPE_COLUMNS), f"{rule.name}: records no centre/region"
        else:
            assert rule.about in {"platform", "account", "organisation"}, rule
            assert "centre" not in rule.columns, rule
    undecided = [
        f"{entry.type}: {entry.scope.name}"
        for found in catalogue.catalogues()
        if found.__module__.startswith("ggzy.")
        for entry in found.types
        if entry.scope not in rules
        or (
            entry.scope.about in catalogue.IN_A_CENTRE and entry.scope.columns != set(catalogue.SCOPE_COLUMNS)
        )
    ]
    assert not undecided, "\n".join(undecided)
    # the types that belong to no centre are the platform's, an account's or an organisation's: none of
    # them is a trade's (a bid's, a section's, a window's or a project's)
    trade_words = (
        *("sealing.bid.", "sealing.window.", "sealing.share.", "sealing.release."),
        *("registry.registration.", "registry.item.", "calendar.deadline.", "witness.media."),
    )
    for entry in catalogue.types().values():
        if entry.app != "testapp" and entry.type.startswith(trade_words):
            assert entry.scope.about in catalogue.IN_A_CENTRE, entry.type
