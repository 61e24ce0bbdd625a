"""The personal access tokens page, where people learn how scripts authenticate."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.django_db


def test_the_tokens_page_shows_the_bearer_placeholder_as_text(bob: Any, client_for: Any) -> None:
    page = client_for(bob).get("/settings/tokens/").content.decode()
    assert "Authorization: Bearer &lt;token&gt;" in page
    assert "<token>" not in page
