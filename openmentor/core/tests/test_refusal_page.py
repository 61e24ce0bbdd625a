from __future__ import annotations

from typing import Any

import pytest
from django.http import HttpResponse

from openmentor.core.errors import Conflict
from openmentor.core.middleware import DomainErrorPageMiddleware


@pytest.mark.django_db
def test_a_refusal_no_page_handled_is_shown_with_its_message_not_as_a_crash(
    rf: Any, bob: Any
) -> None:
    request = rf.post("/messages/message/1/delete/")
    request.user = bob
    middleware = DomainErrorPageMiddleware(lambda request: HttpResponse())
    page = middleware.process_exception(request, Conflict("This was done already."))
    assert page is not None and page.status_code == 409
    text = page.content.decode()
    assert "This could not be done" in text and "This was done already." in text
    assert "Nothing was changed." in text
    # Anything else is still a real error, for the error page and the logs.
    assert middleware.process_exception(request, ValueError("bug")) is None
