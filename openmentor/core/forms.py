from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django import forms

from .errors import DomainError


def apply_domain_error(
    form: forms.BaseForm, error: DomainError, field_names: Mapping[str, str] | None = None
) -> None:
    """Show a service's validation error on the form: per field where it names fields.
    ``field_names`` maps a service's field name to the form's where they differ."""
    fields = error.details.get("fields") or {}
    placed = False
    for name, message in fields.items():
        name = (field_names or {}).get(name, name)
        if name in form.fields:
            form.add_error(name, message)
            placed = True
    if not placed:
        form.add_error(None, error.message)


def submit(form: forms.BaseForm, action: Callable[[dict[str, Any]], object]) -> bool:
    """Validate the form and hand its data to one service call. True when it was carried
    out; otherwise the reasons are on the form (the service changed nothing)."""
    if not form.is_valid():
        return False
    try:
        action(form.cleaned_data)
    except DomainError as error:
        apply_domain_error(form, error)
        return False
    return True
