"""A stand-in for the trading apps' objects that carry embargo instants (a section's opening time),
so the recorder's embargo can be tested before those apps exist."""

from django.db import models


class SealedThing(models.Model):
    code = models.CharField(max_length=64, unique=True)
    opens_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.code
