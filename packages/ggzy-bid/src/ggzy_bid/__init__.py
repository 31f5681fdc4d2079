"""ggzy's bidder client (ggzy-bid): the local signing agent, command-line signing, and sealed bids of
format 2 — sealing, registering with the key custodians, checking and releasing."""

__version__ = "0.1.0"
