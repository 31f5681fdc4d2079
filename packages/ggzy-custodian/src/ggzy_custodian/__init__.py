"""ggzy's key custodian (ggzy-custodian): an independent party's service that holds its own keys and
releases its share of a sealed bid's key only after the bid's deadline, judged by its own clock."""

__version__ = "0.1.0"
