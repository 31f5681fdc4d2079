"""The securities app's tick jobs (thin wrappers around its services; `core.tick`): reconcile each bank's
final day statements, follow guarantee applications at their issuers, compute each section's payer flags
once its deadline has passed, order the refunds that are due, and alert on overdue ones."""

from __future__ import annotations

from ggzy.core import tick
from ggzy.securities.services.deposits import reconcile_due
from ggzy.securities.services.flags import flags_due
from ggzy.securities.services.guarantees import guarantees_refresh
from ggzy.securities.services.refunds import refunds_due, refunds_overdue

tick.register("securities.reconcile", reconcile_due)
tick.register("securities.refresh_guarantees", guarantees_refresh)
tick.register("securities.compute_flags", flags_due)
tick.register("securities.refunds", refunds_due)
tick.register("securities.refunds_overdue", refunds_overdue)
