"""An outside randomness service (ggzy-beacon): a party of its own — its own SM2 key, state, port and
clock — in the trading platform's verifiable draws (`ggzy_sm.randomness`: the 开标 K 系数, the experts
drawn for an evaluation). For a draw it commits to a fresh secret before the moment anyone could profit,
and reveals that secret only afterwards and only against the draw's whole set of commitments, its own
among them; each answer is signed by its own key, so that no single party — the platform least of all —
chooses the value."""

__version__ = "0.1.0"
