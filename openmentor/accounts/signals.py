"""What other apps hear from accounts (they build on it, so it cannot call them)."""

from __future__ import annotations

from django.dispatch import Signal

# A person changed the name others see: sent by the service that did it, inside its
# transaction. Arguments: ``user`` (with the new name) and ``old_name``.
name_changed = Signal()
