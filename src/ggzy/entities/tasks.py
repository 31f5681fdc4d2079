"""Tick job: warn an organisation's members 30, 7 and 1 days before a library entry expires (each
warning once; a missed tick day is caught up), as certificate expiry care does."""

from __future__ import annotations

from django.db import transaction

from ggzy.accounts.models import Membership
from ggzy.core import clock
from ggzy.entities.models import Item
from ggzy.entities.selectors import due_warning, expiry_due
from ggzy.events.notifications import Recipient, notify


def remind_expiring() -> int:
    sent = 0
    today = clock.local_now().date()
    for item, days in expiry_due(today):
        with transaction.atomic():
            locked = Item.objects.select_for_update().get(pk=item.pk)
            due = due_warning(locked, today)
            if due is None:
                continue  # another tick gave it meanwhile
            members = Membership.objects.filter(organisation=item.organisation_id).select_related("user")
            recipients = [Recipient(user=m.user) for m in members]
            if recipients:
                notify(
                    template="entities.expiring",
                    recipients=recipients,
                    context={
                        "kind": item.get_kind_display(),
                        "title": f"{item.title}（{item.number}）" if item.number else item.title,
                        "days": str(days),
                        "date": item.valid_to.isoformat() if item.valid_to else "",
                    },
                )
            locked.warned_days = due
            locked.save(update_fields=["warned_days"])
        sent += 1
    return sent
