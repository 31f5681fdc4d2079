"""A simulator of the provincial comprehensive evaluation-expert pool (综合评标专家库, ggzy-expertpool): the
platform asks for a draw (signed), the pool applies the avoidance rules to its own experts, draws with its
own randomness and answers the list signed by its own SM2 key and encrypted to the platform's SM2
encryption key; the experts' own answers, the state of a draw and replacements down the pool's pre-drawn
order (never a new draw) — with its own key, state, port and clock (docs/expert-pool-interface.md). The
platform's side, Django-free, is `ggzy_expertpool.client`."""

__version__ = "0.1.0"
