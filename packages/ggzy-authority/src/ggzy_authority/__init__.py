"""A simulator of the outside authorities a trading platform looks market entities up at (ggzy-authority):
the electronic business licence of market regulation (电子营业执照), the housing ministry's registry of
enterprise qualifications (住建部四库一平台: 资质) and of registered professionals (注册建造师 …) — with
its own key, state, port and clock, answering each lookup with an answer signed by its own SM2 key."""

__version__ = "0.1.0"
