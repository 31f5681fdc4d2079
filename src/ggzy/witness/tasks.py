from ggzy.core import tick
from ggzy.witness.services import tick_job

tick.register("witness.integrate_and_sign", tick_job)
