"""What other apps hear from programs (they build on it, so it cannot call them)."""

from __future__ import annotations

from django.dispatch import Signal

# A person left the program in one role, or a coordinator removed them: sent once, by the
# service that did it, inside its transaction. Argument: ``membership``.
membership_left = Signal()
