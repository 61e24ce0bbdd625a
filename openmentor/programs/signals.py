"""What other apps hear from programs (they build on it, so it cannot call them)."""

from __future__ import annotations

from django.dispatch import Signal

# A person left the program in one role, or a coordinator removed them: sent once, by the
# service that did it, inside its transaction. Argument: ``membership``.
membership_left = Signal()

# A coordinator closed the program (``services.close_program``): sent once, inside its
# transaction, after the program row is marked closed. Arguments: ``program``, ``actor``.
# A receiver may answer with ``{user_id: [mentorship ids completed for them]}``; the
# service merges the answers so each person gets one notification that says it all.
program_closed = Signal()
