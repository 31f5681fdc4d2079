"""The securities app's services, a package split by seam and imported by module (`from
ggzy.securities.services import deposits`): `requirements` (what a section requires, read once),
`deposits` (sub-accounts, the bank's notifications, the daily reconciliation), `interest` (the platform's
own computation of the bank's interest and the overdue charge), `refunds` (by regime, through the bank),
`guarantees` (any issuer; apply, follow, upload, check, claim), `flags` (实施条例 §40, computed once),
`forfeiture`, `performance` and `common` (the one section event)."""
