"""The securities app's tick jobs (thin wrappers around its services; `core.tick`)."""

from __future__ import annotations
