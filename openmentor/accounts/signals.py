from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from .models import Profile, User


@receiver(post_save, sender=User)
def create_profile_for_new_user(
    sender: type[User], instance: User, created: bool, **kwargs: Any
) -> None:
    # Every person has a profile from the start, whichever way they were created
    # (sign-up, CSV import, invitation, createsuperuser).
    if created and not kwargs.get("raw"):
        Profile.objects.get_or_create(user=instance)
