"""A simulator of an electronic-guarantee issuer (ggzy-guarantee): a bank (银行保函), an insurer (保证保险)
or a guarantee company (担保公司保函) that a bidder — through the trading platform — applies to for a bid
guarantee (电子保函), with its own SM2 key certified by its own small CA, its own state, port and clock:
applications reviewed, the premium paid, the guarantee issued signed with its document (a PDF), and the
beneficiary's claims (索赔). The formats are docs/guarantee-interface.md and `ggzy_sm.guarantees`."""

__version__ = "0.1.0"
