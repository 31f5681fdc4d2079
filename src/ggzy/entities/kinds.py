"""What each kind of library item holds: one table of fields per kind, read by the services (to check
and normalise what is entered), the pages (to build the form and the list) and the data-set mapping
(docs/entities.md §6). A field's `type` says how it is checked:

    text      a non-empty line (at most `max_length` characters)
    longtext  a paragraph (at most `max_length`)
    date      an ISO date (YYYY-MM-DD)
    fen       a whole amount of money in fen (never a float), 0 or more
    bp        a share in basis points (0–10000: 1 % = 100)
    choice    one of `choices`
    code      an organisation's registration code, checked by its kind (`accounts.identifiers`)
    person    an identity document number (checked by `id_kind`), kept encrypted in `Item.secret`
    account   a bank account number (digits, 8–32), kept encrypted in `Item.account`
    qualtype  a qualification type of the code table (`QualificationType`)
    level     a level the qualification type has

`number` names the field that is the item's number (unique per organisation at a time for the kinds of
`models.UNIQUE_NUMBER_KINDS`), `title` the one its lists show, `valid_from`/`valid_to` the fields that are
its validity (expiry care reads `valid_to`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ggzy.entities.models import ItemKind

PERSON_KINDS = (
    ("resident", _("Resident identity card")),
    ("passport", _("Passport")),
    ("hk_macao_permit", _("Mainland travel permit for Hong Kong and Macao residents")),
    ("taiwan_permit", _("Mainland travel permit for Taiwan residents")),
    ("foreign_permanent_resident", _("Foreign permanent resident ID card")),
)


@dataclass(frozen=True)
class Field:
    name: str
    label: str | Promise
    type: str = "text"
    required: bool = True
    max_length: int = 200
    choices: tuple[tuple[str, str | Promise], ...] = ()
    help: str | Promise = ""


@dataclass(frozen=True)
class KindSpec:
    kind: ItemKind
    fields: tuple[Field, ...]
    title: str
    number: str = ""
    valid_from: str = ""
    valid_to: str = ""
    files: bool = True  # evidence files may be attached
    verifiable: str = ""  # the authority's lookup kind ("" none)
    dataset: str = ""  # the national data set (docs/entities.md §6)
    extra: dict[str, str] = field(default_factory=dict)

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)


CONTROL_ROLES = (
    ("shareholder", _("Shareholder")),
    ("controller", _("Actual controller")),
    ("parent", _("Parent company")),
    ("manager", _("Managing body")),
)
PARTY_KINDS = (("organisation", _("Organisation")), ("person", _("Natural person")))
ACCOUNT_KINDS = (("basic", _("Basic account")), ("general", _("General account")))
DOCUMENT_TYPES = (
    ("financial_statement", _("Audited financial statement")),
    ("tax", _("Tax payment certificate")),
    ("social_security", _("Social security payment certificate")),
    ("credit_report", _("Credit report")),
    ("safety_licence", _("Work safety licence")),
    ("other", _("Other")),
)
ROLES_ON_PROJECT = (
    ("contractor", _("Contractor")),
    ("designer", _("Designer")),
    ("supervisor", _("Supervisor")),
    ("supplier", _("Supplier")),
    ("consultant", _("Consultant")),
)

SPECS: dict[str, KindSpec] = {
    ItemKind.LICENCE: KindSpec(
        ItemKind.LICENCE,
        (
            Field("code", _("registration code"), "code", max_length=40),
            Field("name", _("name")),
            Field("entity_type", _("type of entity"), max_length=50),
            Field("legal_representative", _("legal representative"), max_length=50),
            Field("registered_capital_fen", _("registered capital (fen)"), "fen", required=False),
            Field("established", _("established on"), "date"),
            Field("term_to", _("operating term until"), "date", required=False),
            Field("address", pgettext_lazy("library field", "address"), max_length=300),
            Field("scope", _("business scope"), "longtext", max_length=2000),
            Field("registrar", _("registration authority"), max_length=100),
        ),
        title="name",
        number="code",
        valid_from="established",
        valid_to="term_to",
        verifiable="licence",
        dataset="100",
    ),
    ItemKind.CONTROL: KindSpec(
        ItemKind.CONTROL,
        (
            Field("role", _("relationship"), "choice", choices=CONTROL_ROLES),
            Field("party_kind", _("held by"), "choice", choices=PARTY_KINDS),
            Field("party_name", _("name"), max_length=200),
            Field(
                "party_code",
                _("registration code"),
                "code",
                required=False,
                max_length=40,
                help=_("for an organisation"),
            ),
            Field("id_kind", _("identity document"), "choice", required=False, choices=PERSON_KINDS),
            Field(
                "id_number",
                _("document number"),
                "person",
                required=False,
                help=_("for a natural person; kept encrypted"),
            ),
            Field("share_bp", _("share (basis points, 1 percent = 100)"), "bp", required=False),
            Field("since", _("since"), "date"),
            Field("until", _("until"), "date", required=False),
        ),
        title="party_name",
        valid_from="since",
        valid_to="until",
        files=False,
        dataset="100",
    ),
    ItemKind.BANK_ACCOUNT: KindSpec(
        ItemKind.BANK_ACCOUNT,
        (
            Field("bank", _("bank")),
            Field("branch", _("branch"), required=False),
            Field("account_name", _("account name")),
            Field("account_number", _("account number"), "account"),
            Field("account_kind", _("account kind"), "choice", choices=ACCOUNT_KINDS),
            Field("since", _("opened on"), "date", required=False),
        ),
        title="bank",
        valid_from="since",
        files=False,
        dataset="100",
    ),
    ItemKind.QUALIFICATION: KindSpec(
        ItemKind.QUALIFICATION,
        (
            Field("type", _("qualification type"), "qualtype", max_length=64),
            Field("level", _("level"), "level", max_length=20),
            Field("certificate", _("certificate number"), max_length=64),
            Field("issuer", _("issued by"), max_length=100),
            Field("valid_from", pgettext_lazy("library field", "valid from"), "date"),
            Field("valid_to", pgettext_lazy("library field", "valid until"), "date"),
        ),
        title="certificate",
        number="certificate",
        valid_from="valid_from",
        valid_to="valid_to",
        verifiable="qualification",
        dataset="100",
    ),
    ItemKind.PROFESSIONAL: KindSpec(
        ItemKind.PROFESSIONAL,
        (
            Field("name", pgettext_lazy("person", "name"), max_length=50),
            Field("id_kind", _("identity document"), "choice", choices=PERSON_KINDS),
            Field("id_number", _("document number"), "person", help=_("kept encrypted, shown masked")),
            Field(
                "registration",
                pgettext_lazy("library field", "registration"),
                max_length=50,
                help=_("for example 一级注册建造师"),
            ),
            Field("specialty", _("specialty"), max_length=50),
            Field("certificate", _("certificate number"), max_length=64),
            Field("registered_since", _("registered here since"), "date"),
            Field("valid_to", pgettext_lazy("library field", "valid until"), "date"),
        ),
        title="name",
        number="certificate",
        valid_from="registered_since",
        valid_to="valid_to",
        verifiable="professional",
        dataset="111",
    ),
    ItemKind.STAFF: KindSpec(
        ItemKind.STAFF,
        (
            Field("name", pgettext_lazy("person", "name"), max_length=50),
            Field("id_kind", _("identity document"), "choice", choices=PERSON_KINDS),
            Field("id_number", _("document number"), "person", help=_("kept encrypted, shown masked")),
            Field("position", _("position"), max_length=50),
            Field("title_rank", _("professional title"), required=False, max_length=50),
            Field("since", _("employed since"), "date"),
            Field("until", _("employed until"), "date", required=False),
        ),
        title="name",
        valid_from="since",
        valid_to="until",
        dataset="112",
    ),
    ItemKind.TRACK_RECORD: KindSpec(
        ItemKind.TRACK_RECORD,
        (
            Field("project", _("project"), max_length=200),
            Field("client", _("client"), max_length=200),
            Field("role", _("role"), "choice", choices=ROLES_ON_PROJECT),
            Field("contract_fen", _("contract amount (fen)"), "fen"),
            Field("started", _("started on"), "date"),
            Field(
                "completed",
                _("completed on"),
                "date",
                required=False,
                help=_("empty while the project is under way"),
            ),
            Field(
                "manager_certificate",
                _("project manager's certificate number"),
                required=False,
                max_length=64,
            ),
            Field("description", _("description"), "longtext", required=False, max_length=2000),
        ),
        title="project",
        valid_from="started",
        dataset="110",
    ),
    ItemKind.DOCUMENT: KindSpec(
        ItemKind.DOCUMENT,
        (
            Field("doc_type", _("document type"), "choice", choices=DOCUMENT_TYPES),
            Field("title", pgettext_lazy("library field", "title")),
            Field("issuer", _("issued by"), required=False),
            Field("issued", _("issued on"), "date"),
            Field("valid_to", pgettext_lazy("library field", "valid until"), "date", required=False),
        ),
        title="title",
        valid_from="issued",
        valid_to="valid_to",
        dataset="100",
    ),
}


def spec(kind: str) -> KindSpec:
    return SPECS[kind]
