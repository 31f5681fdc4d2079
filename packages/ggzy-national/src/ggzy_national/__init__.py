"""A simulator of the national public service platforms (ggzy-national): the receiving end of a trading
system's push of its published notices (standard 6.4.2 同步推送) — 中国招标投标公共服务平台 for
engineering, 中国政府采购网 for procurement — with its own key, state, port and clock, answering each
notice with a signed receipt."""

__version__ = "0.1.0"
