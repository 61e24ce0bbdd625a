from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
from collections.abc import Callable
from typing import Any

from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from openmentor.accounts.models import User
from openmentor.accounts.token_auth import person_of, token_or_session_required, unauthenticated
from openmentor.core.confirm import unless_confirmed
from openmentor.core.consumers import user_group_name
from openmentor.core.converters import as_id
from openmentor.core.errors import DomainError, NotAllowed, NotFound
from openmentor.core.forms import apply_domain_error, submit
from openmentor.core.timezones import json_time
from openmentor.core.types import AuthenticatedRequest
from openmentor.notifications import selectors as event_selectors
from openmentor.notifications.services import mark_read_at
from openmentor.programs.models import Program
from openmentor.programs.selectors import can_view_program, coordinated_programs, is_coordinator

from . import coach, selectors, services
from .crypto import InvalidToken, decrypt_bytes
from .formatting import render_markdown
from .forms import EditForm, MessageForm, ReportForm, SearchForm
from .models import Attachment, Conversation

View = Callable[..., HttpResponse]

logger = logging.getLogger(__name__)
SCRIPT_COOKIE = "om_js"


@never_cache
@login_required
def conversation_list(request: AuthenticatedRequest) -> HttpResponse:
    services.ensure_my_conversations(request.user)
    conversations = [
        (c, selectors.conversation_title(c, request.user))
        for c in selectors.my_conversations(request.user)
    ]
    return render(
        request,
        "messaging/list.html",
        {
            "conversations": conversations,
            "left_behind": selectors.conversations_left_behind(request.user),
            "support_programs": selectors.programs_with_support_for(request.user),
            "coordinated": coordinated_programs(request.user),
            "search_form": SearchForm(),
        },
    )


@login_required
@require_POST
def support_with(request: AuthenticatedRequest, slug: str, user_id: int) -> HttpResponse:
    program = get_object_or_404(Program, slug=slug)
    conversation = services.support_conversation_with(request.user, program, user_id)
    return redirect("messaging_thread", conversation.pk)


@login_required
def start_support(request: AuthenticatedRequest, slug: str) -> HttpResponse:
    program = get_object_or_404(Program, slug=slug)
    if not can_view_program(request.user, program):  # an unlisted one's name stays unknown
        raise Http404
    if request.method != "POST":
        # Reached by a link or after signing in (the button is a form): ask, change nothing
        # but the notifications that pointed here ("your report was looked at"): read.
        mark_read_at(request.user, request.path)
        # Their thread already exists ("your report was looked at" links here): open it.
        existing = selectors.support_thread_of(request.user, program)
        if existing is not None:
            return redirect("messaging_thread", existing.pk)
        return render(request, "messaging/start_support.html", {"program": program})
    try:
        conversation = services.support_conversation(request.user, program)
    except DomainError as error:
        flash.error(request, error.message)
        return redirect("messaging_list")
    return redirect("messaging_thread", conversation.pk)


@login_required
def mentorship_messages(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    try:
        conversation = services.open_mentorship_conversation(request.user, pk)
    except NotFound:
        conversation = selectors.conversation_left_behind_in(request.user, pk)
    return redirect("messaging_thread", conversation.pk)


def _send_at(others: list[User], when: str) -> Any:
    # "Their morning" is one person's: a pair's, not a group's or a team's.
    if when != services.SEND_AT_THEIR_MORNING or len(others) != 1:
        return None
    return coach.next_morning(others[0].time_zone, timezone.now())


# Every messaging page is kept out of caches (never_cache): a shared computer's disk holds
# no one's messages; and on the thread, Back never restores a form whose client id was used
# (a second message would be answered as a retry of the first).
@never_cache
@login_required
def thread(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    try:
        conversation = selectors.conversation_for(request.user, pk)
    except NotFound:
        return _left_behind(request, selectors.left_behind_for(request.user, pk))
    # Read once for the page: the coach, "their morning" and the block buttons. A support
    # thread has none (its problems go to a report, so the coordinators stay reachable).
    others = selectors.mentorship_others(conversation, request.user)
    form = MessageForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        scheduling=len(others) == 1,
    )
    hints: list[coach.Hint] = []
    check_notes: list[str] = []
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            if request.POST.get("action") == "check":
                # Answered beside the form, where the page opens (not at the top).
                hints = _hints(
                    request,
                    conversation,
                    data["body"],
                    others,
                    for_their_morning=data.get("when") == services.SEND_AT_THEIR_MORNING,
                )
                if not hints:
                    check_notes.append(_("No suggestions: your message reads well."))
                if data["attachments"]:  # a browser cannot put chosen files back in a form
                    check_notes.append(_("Checking does not keep files: choose them again."))
            else:
                try:
                    result = services.send_message(
                        request.user,
                        conversation,
                        body=data["body"],
                        client_id=data["client_id"],
                        send_at=_send_at(others, data.get("when", "now")),
                        attachments=data["attachments"],
                    )
                except DomainError as error:
                    apply_domain_error(form, error)
                else:
                    if result.message.send_at:
                        flash.success(request, _("Your message is scheduled."))
                    return redirect(
                        reverse("messaging_thread", args=[pk]) + f"#m{result.message.pk}"
                    )
        if form.errors:
            status = 400
            if request.FILES:  # a browser cannot put chosen files back in a form
                check_notes.append(_("Your message was not sent, so choose its files again."))
    page = selectors.reader_page(
        request.user,
        conversation,
        before=as_id(request.GET.get("before")),
        after=as_id(request.GET.get("after")),
        at=as_id(request.GET.get("at")),
        newest="newest" in request.GET,
    )
    # Without the script, seeing the page is reading it. With it (messaging.js's cookie, set
    # on an earlier messaging page), the script marks what it shows once the tab is seen:
    # a background tab has not been read.
    if request.method == "GET" and SCRIPT_COOKIE not in request.COOKIES:
        services.mark_page_read(request.user, conversation, page)
    return render(
        request,
        "messaging/thread.html",
        {
            "conversation": conversation,
            "title": selectors.conversation_title(conversation, request.user),
            "messages_page": page.messages,
            "has_older": page.has_older,
            "showing_older": page.has_newer,
            "oldest_id": page.messages[0].pk if page.messages else None,
            "newest_id": page.messages[-1].pk if page.messages else None,
            "first_unread_id": page.first_unread_id,
            "form": form,
            "hints": hints,
            "check_notes": check_notes,
            "coach_enabled": selectors.coach_enabled(request.user),
            "composer": selectors.composer_for(conversation, request.user),
            "others": others,
            "read_cursors": selectors.read_cursors_of_others(conversation, request.user.pk),
            "reported_by_me": selectors.reported_by(request.user, page.messages),
            "guidelines_url": selectors.guidelines_url(conversation),
        },
        status=status,
    )


def _left_behind(request: AuthenticatedRequest, left: selectors.LeftBehind) -> HttpResponse:
    """The read-only thread of a group the person left. A message written before they left
    (an open page, a form post after a lost signal) is not sent: its text is shown back."""
    unsent = request.POST.get("body", "").strip() if request.method == "POST" else ""
    page = selectors.left_behind_page(request.user, left, before=as_id(request.GET.get("before")))
    return render(
        request,
        "messaging/left_behind.html",
        {
            "conversation": left.conversation,
            "title": left.title,
            "left_at": left.left_at,
            "messages_page": page.messages,
            "has_older": page.has_older,
            "oldest_id": page.messages[0].pk if page.messages else None,
            "unsent": unsent,
        },
        status=403 if request.method == "POST" else 200,
    )


def _hints(
    request: AuthenticatedRequest,
    conversation: Conversation,
    body: str,
    others: list[User],
    for_their_morning: bool,
) -> list[coach.Hint]:
    if not selectors.coach_enabled(request.user):
        return []
    return coach.hints(
        body,
        is_first_message=not selectors.has_sent_before(request.user, conversation),
        recipients=selectors.clocks(others),
        now=timezone.now(),
        for_their_morning=for_their_morning,
    )


@never_cache
@login_required
def edit_message(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    message = selectors.message_for(request.user, pk)
    if message.sender_id != request.user.pk:
        raise Http404
    # Say so before they type. A save refused meanwhile (deleted in another tab, the
    # mentorship ended) is the service's to report, on the form with the text kept.
    if request.method != "POST":
        if message.deleted_at:
            flash.error(request, _("This message was deleted, so it cannot be edited."))
            return redirect("messaging_thread", message.conversation_id)
        if not selectors.audience(message.conversation).is_open:
            flash.error(request, _("This mentorship has ended; its conversation is read-only."))
            return redirect("messaging_thread", message.conversation_id)
    form = EditForm(
        request.POST if request.method == "POST" else None, initial={"body": message.body}
    )
    if request.method == "POST" and submit(
        form, lambda data: services.edit_message(request.user, pk, data["body"])
    ):
        return redirect(message.get_absolute_url())
    return render(
        request,
        "messaging/edit.html",
        {"form": form, "message": message},
        status=400 if form.errors else 200,
    )


@never_cache
@login_required
@require_GET
def message_history(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    message, revisions = selectors.message_history(request.user, pk)
    return render(request, "messaging/history.html", {"message": message, "revisions": revisions})


# GET too: signing in again after a lapsed session comes back to the address the form
# posted to; it gets the question (or the message), never an empty 405 page.
@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def delete_message(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    shown = selectors.message_for(request.user, pk)
    own_and_there = shown.sender_id == request.user.pk and shown.deleted_at is None
    if request.method == "GET" and not own_and_there:
        return redirect(shown.get_absolute_url())
    if own_and_there:
        question = unless_confirmed(
            request,
            _(
                "Delete this message? If it was reported, the coordinators keep the copy "
                "they were given."
            ),
            shown.get_absolute_url(),
            # As it reads in the thread (sanitised), not its Markdown source.
            detail=mark_safe(render_markdown(shown.body)),  # noqa: S308 - sanitised by nh3
        )
        if question:
            return question
    message = services.delete_message(request.user, pk)
    flash.success(request, _("Message deleted."))
    return redirect("messaging_thread", message.conversation_id)


@never_cache
@login_required
def report_message(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    message = selectors.message_for(request.user, pk, even_if_blocked=True)
    if message.deleted_at:  # to the people in the conversation, it is gone
        flash.error(request, _("This message was deleted."))
        return redirect("messaging_thread", message.conversation_id)
    form = ReportForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and submit(
        form, lambda data: services.report_message(request.user, pk, data["reason"])
    ):
        flash.success(request, _("Thank you. The coordinators will look at this message."))
        return redirect("messaging_thread", message.conversation_id)
    return render(
        request,
        "messaging/report.html",
        {"form": form, "message": message},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def react(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """A reaction chip or the "React" picker without JavaScript: ``on`` adds the emoji it
    names, ``off`` takes it back (so a form sent twice does what it did once); back to
    the message. A message the person may not see is not found (404)."""
    on = "on" in request.POST
    emoji = request.POST.get("on" if on else "off", "")
    try:
        message = services.set_reaction(request.user, pk, emoji, on)
    except DomainError as error:
        if isinstance(error, NotFound):
            raise  # not theirs to see: a 404 page, not a way back to it
        flash.error(request, error.message)
        return redirect(selectors.message_for(request.user, pk).get_absolute_url())
    flash.success(request, _("Your reaction was added.") if on else _("Your reaction was removed."))
    return redirect(message.get_absolute_url())


@login_required
@require_http_methods(["GET", "POST"])  # GET: as delete_message, the question
def block_person(request: AuthenticatedRequest, user_id: int) -> HttpResponse:
    conversation = as_id(request.POST.get("next_conversation"))
    back = (
        reverse("messaging_thread", args=[conversation])
        if conversation
        else reverse("messaging_list")
    )
    if request.POST.get("undo"):
        services.unblock(request.user, user_id)
        flash.success(request, _("Unblocked."))
    else:
        question = unless_confirmed(
            request,
            _(
                "Block this person? You will no longer see their messages. To bring one of "
                "them to the coordinators, report it first."
            ),
            back,
        )
        if question:
            return question
        try:
            services.block(request.user, user_id)
        except NotAllowed as refusal:  # a coordinator: the reason says what to do instead
            flash.error(request, refusal.message)
        else:
            flash.success(request, _("Blocked. You will no longer see their messages."))
    return redirect(back)


@login_required
@require_POST
def coach_setting(request: AuthenticatedRequest) -> HttpResponse:
    enabled = request.POST.get("enabled") == "1"
    services.set_coach(request.user, enabled)
    flash.success(request, _("Writing hints are on.") if enabled else _("Writing hints are off."))
    conversation = as_id(request.POST.get("conversation"))
    if conversation:
        return redirect("messaging_thread", conversation)
    return redirect("messaging_list")


@never_cache
@token_or_session_required
@require_GET
def attachment(request: AuthenticatedRequest, pk: int) -> HttpResponseBase:
    item = get_object_or_404(Attachment.objects.select_related("message"), pk=pk)
    try:
        message = selectors.message_for(request.user, item.message_id)
    except NotFound:
        try:
            message = selectors.message_left_behind(request.user, item.message_id)
        except NotFound as error:
            raise Http404 from error
    if message.deleted_at:
        raise Http404
    return _download(item)


@never_cache
@login_required
@require_GET
def report_attachment(request: AuthenticatedRequest, pk: int, attachment_id: int) -> HttpResponse:
    return _download(services.read_report_attachment(request.user, pk, attachment_id))


def _download(item: Attachment) -> HttpResponse:
    try:
        with item.file.open("rb") as handle:
            data = decrypt_bytes(handle.read())
    except (FileNotFoundError, InvalidToken) as error:
        # A database restored without its files, or from before their key was dropped.
        logger.error("Attachment %s cannot be read: %s", item.pk, type(error).__name__)
        raise Http404 from error
    response = HttpResponse(data, content_type=item.content_type)
    # Always a download, whatever the name's script ("论文 草稿.pdf" encoded as RFC 6266 says;
    # a header of raw UTF-8 was shown inline by Chromium, or saved as "download.pdf").
    response["Content-Disposition"] = content_disposition_header(True, item.name) or "attachment"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@never_cache
@login_required
def search(request: AuthenticatedRequest) -> HttpResponse:
    form = SearchForm(request.GET or None)
    page = selectors.SearchPage([], None)
    if form.is_valid() and form.cleaned_data["q"]:
        # "Search older messages" carries where the last stretch ended; a new search
        # (the form has no such field) starts from the newest again.
        before = as_id(request.GET.get("before"))
        page = selectors.search(
            request.user, form.cleaned_data["q"], before=before if before and before > 0 else None
        )
    return render(
        request,
        "messaging/search.html",
        {"form": form, "page": page, "window": selectors.SEARCH_WINDOW},
    )


@never_cache
@login_required
def program_activity(request: AuthenticatedRequest, slug: str) -> HttpResponse:
    program = get_object_or_404(Program, slug=slug)
    if not is_coordinator(request.user, program):
        raise Http404
    activity = selectors.program_activity(program.pk, request.GET.get("page"))
    return render(
        request,
        "messaging/program_activity.html",
        {
            "program": program,
            "section": "messaging",
            "activity": activity,
            "pairs": activity.pairs,
            "quiet_days": selectors.QUIET_AFTER.days,
            "reports": selectors.open_reports(program.pk, request.user),
            "handled": selectors.handled_reports(program.pk, request.user),
        },
    )


@never_cache
@login_required
def report_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    if request.method == "POST":
        report = services.resolve_report(request.user, pk)
        flash.success(request, _("Report marked as handled."))
        program = report.message.conversation.program
        if not is_coordinator(request.user, program):  # a site administrator stood in
            return redirect("dashboard")
        return redirect("messaging_program_activity", program.slug)
    report = services.read_report(request.user, pk)
    # Follow up in a support thread with whoever of the two takes part in the program.
    contacts = selectors.participants_among(
        report.message.conversation.program, [report.reporter, report.message.sender]
    )
    return render(request, "messaging/report_detail.html", {"report": report, "contacts": contacts})


# --- long-poll fallback -----------------------------------------------------------------

POLL_SECONDS = 25


def poll_seconds(asked: str | None) -> float:
    """How long a poll waits: what the client asked, within 0 to 25 s; 25 s for anything
    that is not a number ("nan" parses as a float, passes min and max, and failed the
    wait with a 500)."""
    try:
        seconds = float(asked) if asked is not None else POLL_SECONDS
    except ValueError:
        return POLL_SECONDS
    return POLL_SECONDS if math.isnan(seconds) else min(max(seconds, 0), POLL_SECONDS)


async def poll(request: HttpRequest) -> HttpResponse:
    """For clients whose WebSockets are blocked: wait up to 25 s for the next event.

    Async so a waiting client holds no worker thread. It joins the person's group before
    reading the database, so an event committed in between is not missed."""
    user = await person_of(request)  # the page's session, or an app's token
    if not user.is_authenticated:
        return unauthenticated()
    after = max(as_id(request.GET.get("after")) or 0, 0)
    wait = poll_seconds(request.GET.get("timeout"))
    layer = get_channel_layer()
    channel = await layer.new_channel() if layer else None
    if layer and channel:
        await layer.group_add(user_group_name(user.pk), channel)
    try:
        rows = await sync_to_async(event_selectors.events_after)(user, after)
        if not rows and layer and channel and wait:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(layer.receive(channel), timeout=wait)
            rows = await sync_to_async(event_selectors.events_after)(user, after)
    finally:
        if layer and channel:
            await layer.group_discard(user_group_name(user.pk), channel)
    events = [
        {
            "id": e.pk,
            "type": e.type,
            "payload": e.payload,
            "created_at": json_time(e.created_at),
        }
        for e in rows
    ]
    last_id = await sync_to_async(event_selectors.cursor_after)(user, after, rows)
    return HttpResponse(
        json.dumps({"events": events, "last_id": last_id}),
        content_type="application/json",
    )
