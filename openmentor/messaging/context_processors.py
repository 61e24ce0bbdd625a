from django.http import HttpRequest

from openmentor.notifications.selectors import unread_count

from . import selectors


def unread(request: HttpRequest) -> dict[str, int]:
    """Unread messages and notifications for the navigation, on every page."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "unread_messages": selectors.unread_total(user),
        "unread_notifications": unread_count(user),
    }
