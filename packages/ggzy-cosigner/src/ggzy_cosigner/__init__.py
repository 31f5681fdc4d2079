"""ggzy's witness-log co-signer (ggzy-cosigner): another party's service, with its own key, state and
clock, that co-signs the platform's tree heads only when each extends the last head it co-signed."""

__version__ = "0.1.0"
