"""ggzy's bidder client: the local signing agent and command-line signing (ggzy-bid)."""

__version__ = "0.1.0"
