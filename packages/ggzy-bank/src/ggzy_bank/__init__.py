"""A simulator of the bank a trading platform takes bid security through (ggzy-bank): virtual
sub-accounts (子账户) per section and bidder, the bidders' transfers notified to the platform (入账通知,
signed, numbered), refunds with the bank's own deposit interest, and the day's statement the platform
reconciles against — with its own key, state, port and clock, every answer signed by its own SM2 key
(docs/bank-interface.md)."""

__version__ = "0.1.0"
