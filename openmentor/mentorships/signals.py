"""What other apps hear from mentorships (they build on it, so it cannot call them)."""

from __future__ import annotations

from django.dispatch import Signal

# Someone left a mentorship because they left its program: sent by
# ``services.leave_with_program`` inside its transaction, once the mentorship has ended with
# them or goes on without them (``mentorship.is_open`` says which). Arguments:
# ``mentorship``, ``user``, ``reason`` (in the site's language).
left_mentorship = Signal()

# A mentorship was closed (completed or ended early) by its people, a coordinator or its
# program's closing: sent inside the transaction that closed it. Argument: ``mentorship``.
mentorship_closed = Signal()
