"""ggzy-sm: the parts of ggzy's trust core that must run without Django (the bidder's client, key
custodians, the witness co-signer, the offline verifier)."""

__version__ = "0.1.0"
