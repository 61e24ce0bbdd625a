from __future__ import annotations

from django import forms

from .errors import DomainError


def apply_domain_error(form: forms.BaseForm, error: DomainError) -> None:
    """Show a service's validation error on the form: per field where it names fields."""
    fields = error.details.get("fields") or {}
    placed = False
    for name, message in fields.items():
        if name in form.fields:
            form.add_error(name, message)
            placed = True
    if not placed:
        form.add_error(None, error.message)
