"""What each role's workspace offers. An entry without a `url_name` is not built yet: it stays here
with the clause of the standard it will serve (docs/compliance.md has the row), but the workspace shows
only built entries, so no navigation leads to a page that does not exist."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from ggzy.core.roles import Role


@dataclass(frozen=True)
class Task:
    title: Promise
    clause: str
    url_name: str = ""  # empty: not built yet (not shown)
    query: str = ""  # appended to the URL, e.g. "class=security"

    @property
    def built(self) -> bool:
        return bool(self.url_name)


def tasks_for(role: Role) -> tuple[Task, ...]:
    """The built tasks of `role`'s workspace, then the ones every role has."""
    return tuple(task for task in (*WORKSPACE_TASKS[role], *COMMON_TASKS) if task.built)


def all_tasks() -> tuple[Task, ...]:
    """Every task of every workspace, built or not."""
    return (*(task for tasks in WORKSPACE_TASKS.values() for task in tasks), *COMMON_TASKS)


WORKSPACE_TASKS: dict[Role, tuple[Task, ...]] = {
    Role.CENTRE_STAFF: (
        Task(_("Project registrations to review"), "6.2", "registry:list"),
        Task(_("Desk heads"), "12.1.2", "registry:desk-heads"),
        Task(_("Registration templates"), "6.2.6", "registry:template-admin"),
        Task(_("Trading categories served"), "12.1.5", "registry:categories"),
        Task(_("Checklists"), "6.2.2", "registry:checklists"),
        Task(_("My leave"), "12.1.2", "registry:leave"),
        Task(_("Venue bookings"), "6.3", "venues:bookings"),
        Task(_("Rooms and equipment"), "7.9.1", "venues:rooms"),
        Task(_("Venue inspections"), "9.1.1", "venues:inspections"),
        Task(_("Opening halls"), "8.1.3", "opening:halls"),
        Task(_("Openings and evaluations today"), "6.5"),
        Task(_("Witness records"), "6.7"),
        Task(_("Archives"), "6.9"),
        Task(_("Consultations I own"), "6.1", "service:desk"),
        Task(_("Organisations to verify"), "11.2.6", "accounts:organisations-to-verify"),
        Task(_("Service guides"), "6.1.2", "service:guides"),
        Task(_("Service commitments"), "12.1.3", "service:commitments"),
        Task(_("Technical staff"), "6.1.2.4", "service:technical"),
        Task(_("Delivery log of messages"), "6.5.1", "events:delivery-log"),
        Task(_("Notices at my centre"), "6.4.2", "notices:centre"),
        Task(_("Pauses of procedures"), "6.5.9", "notices:procedures"),
        Task(_("Preparing the trade"), "6.5.1", "tendering:preparation"),
        Task(_("Local period rules"), "4.2.1", "calendar:local-rules"),
        Task(_("Bid security reconciliation and refunds"), "11.2.6", "securities:centre"),
        Task(_("Bid securities of opened sections"), "11.2.6", "securities:sections"),
        Task(_("Expert draws"), "6.6", "experts:requests"),
        Task(_("The centre's expert pool"), "6.6", "experts:pool"),
    ),
    Role.INITIATOR: (
        Task(_("Opening halls"), "8.1.3", "opening:halls"),
        Task(_("Entrust an agent"), "6.2", "accounts:entrustments"),
        Task(_("Register a project"), "6.2", "registry:new"),
        Task(_("My project registrations"), "6.2", "registry:list"),
        Task(_("Registration templates"), "6.2.6", "registry:templates"),
        Task(_("Publish notices"), "6.4", "notices:mine"),
        Task(_("Tender documents"), "6.5.1", "tendering:documents"),
        Task(_("Objections to answer"), "6.4.3", "notices:objections"),
        Task(_("Pauses of procedures"), "6.5.8", "notices:procedures"),
        Task(_("Book rooms"), "6.3", "venues:mine"),
        Task(_("Request an expert draw"), "6.6", "experts:mine"),
        Task(_("Results and award"), "6.4.1"),
        Task(_("Bid securities of opened sections"), "11.2.6", "securities:sections"),
    ),
    Role.AGENT: (
        Task(_("Opening halls"), "8.1.3", "opening:halls"),
        Task(_("Entrusted projects"), "6.2", "accounts:entrusted"),
        Task(_("Register a project"), "6.2", "registry:new"),
        Task(_("My project registrations"), "6.2", "registry:list"),
        Task(_("Registration templates"), "6.2.6", "registry:templates"),
        Task(_("Publish notices"), "6.4", "notices:mine"),
        Task(_("Tender documents"), "6.5.1", "tendering:documents"),
        Task(_("Objections to answer"), "6.4.3", "notices:objections"),
        Task(_("Pauses of procedures"), "6.5.8", "notices:procedures"),
        Task(_("Book rooms"), "6.3", "venues:mine"),
        Task(_("Request an expert draw"), "6.6", "experts:mine"),
        Task(_("Bid securities of opened sections"), "11.2.6", "securities:sections"),
    ),
    Role.RESPONDER: (
        Task(_("Find notices"), "6.4", "notices:public-list"),
        Task(_("Download documents"), "11.2.6", "tendering:obtainable"),
        Task(_("My sealed bids"), "8.1.3", "sealing:mine"),
        Task(_("Upload a sealed bid"), "8.1.3", "sealing:submit"),
        Task(_("My bid securities"), "11.2.6", "securities:mine"),
        Task(_("My library (market-entity library)"), "11.2.5", "entities:library"),
        Task(_("Remote bid opening"), "8.1.3", "opening:halls"),
        Task(_("Objections"), "6.5.8", "notices:objections"),
    ),
    Role.EXPERT: (
        Task(_("Draw confirmations"), "6.6", "experts:calls"),
        Task(_("My expert profile"), "6.6", "experts:profile"),
        Task(_("Evaluations assigned to me"), "6.5.5"),
    ),
    Role.SUPERVISOR: (
        Task(_("Opening halls"), "8.1.3", "opening:halls"),
        Task(_("Complaints routed to me"), "6.5.8", "notices:objections"),
        Task(_("Pauses of procedures"), "6.5.8", "notices:procedures"),
        Task(_("Preparing the trade"), "6.5.1", "tendering:preparation"),
        Task(_("Organisations' libraries"), "11.2.5", "entities:organisations"),
        Task(_("Bid securities of opened sections"), "11.2.6", "securities:sections"),
        Task(_("Expert draws"), "6.6", "experts:requests"),
        Task(_("Venue bookings"), "6.3", "venues:bookings"),
        Task(_("Live monitoring"), "10.2"),
        Task(_("Archives: read and copy"), "10.1"),
        Task(_("Credit library"), "10.3"),
        Task(_("Bid-rigging alerts"), "10.4"),
    ),
    Role.SYSTEM_ADMIN: (
        Task(_("Users and configuration (back office)"), "8.2.1", "admin:index"),
        Task(_("Trading centres"), "8.2.1", "accounts:centres"),
        Task(_("Create an account"), "8.2.1", "accounts:account-new"),
        Task(_("Accounts and credentials"), "8.2.1", "accounts:security"),
        Task(_("Changes to administrators' accounts"), "8.2.3", "accounts:changes"),
        Task(_("Delivery log of messages"), "6.5.1", "events:delivery-log"),
        Task(_("Official calendar"), "8.2.1"),
        Task(_("Certificate authorities"), "8.1.3", "certs:ca-list"),
    ),
    Role.SECURITY_ADMIN: (
        Task(_("Grant and revoke roles"), "8.2.1", "accounts:roles"),
        Task(_("Accounts and credentials"), "8.2.1", "accounts:security"),
        Task(_("Changes to administrators' accounts"), "8.2.3", "accounts:changes"),
        Task(_("Who may use each endpoint"), "8.2.1", "core:access-endpoints"),
        Task(_("Key inventory and rotation"), "9.2.2", "ops:keys"),
        Task(_("Certificate authorities"), "8.1.3", "certs:ca-list"),
        Task(_("Who prints the experts' lists"), "6.6.3", "experts:keepers"),
    ),
    Role.AUDIT_ADMIN: (
        Task(_("Changes to administrators' accounts"), "8.2.3", "accounts:changes"),
        Task(_("Who may use each endpoint"), "8.2.1", "core:access-endpoints"),
        Task(_("Audit trail"), "8.2.1", "events:event-list", "class=security"),
    ),
}


#: Offered to every role: the events one may see and one's own messages.
COMMON_TASKS: tuple[Task, ...] = (
    Task(_("Event log"), "6.7.1", "events:event-list"),
    Task(_("Inbox"), "6.5.1", "events:inbox"),
    Task(_("My certificates"), "8.1.3", "certs:mine"),
    Task(_("Ask the centre a question"), "6.1", "service:ask"),
    Task(_("My questions and services to rate"), "12.2.2", "service:mine"),
)
