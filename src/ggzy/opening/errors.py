from django.utils.translation import gettext_lazy as _

from ggzy.core.errors import ErrorCodeBase


class OpeningError(ErrorCodeBase):
    NOT_FOUND = ("hall_not_found", 404, _("No such opening hall."))
    STATE = ("hall_state", 409, _("The opening hall is not in a state that allows this."))
