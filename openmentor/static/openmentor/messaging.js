// Live conversation: progressive enhancement of the thread page, which works without it.
// The conversation list uses the same connection only to keep unread counts live.
//
// - Sends go through an outbox in localStorage (survives reload) with a client id made
//   once per message; the server treats a resend with the same id as the same message,
//   so retrying after a drop never duplicates.
// - Receives pushes on /ws/messaging/ with heartbeats; on every (re)connect it catches up
//   from the last event id it saw (GET /api/v1/events?after=), because pushes can be lost.
// - When WebSockets keep failing it falls back to long-polling /messages/poll/.
// - The navigation's "Messages: N unread" (and, on the list, each conversation's count)
//   goes up with every message from someone else outside the open conversation.
(function () {
  "use strict";
  var root = document.getElementById("thread") || document.getElementById("conversations");
  if (!root) { return; }
  // Tells the server that this browser runs this script (until it is closed): a thread
  // then leaves marking messages read to it, and it waits until the tab is seen (a thread
  // opened in a background tab has not been read).
  document.cookie = "om_js=1; path=/; SameSite=Lax" + (location.protocol === "https:" ? "; Secure" : "");
  var conversationId = Number(root.dataset.conversation || 0); // 0: no thread open
  var userId = root.dataset.user;
  var list = document.getElementById("messages"); // null on the conversation list
  var form = document.getElementById("composer");
  var statusLine = document.getElementById("connection");
  var hintsBox = document.getElementById("coach-hints");
  var csrf = root.dataset.csrf;
  var OUTBOX_KEY = "om.outbox." + userId;
  var HEARTBEAT_MS = 20000, PONG_TIMEOUT_MS = 10000, RESEND_MS = 4000, HELLO_TIMEOUT_MS = 10000;
  var RECONNECT_MIN_MS = 1000, RECONNECT_MAX_MS = 30000, SOCKET_PROBE_MS = 60000;
  var socket = null, socketOpen = false, failures = 0, attempts = 0, polling = false;
  var heartbeat = null, pongTimer = null, reconnectTimer = null, probeTimer = null, helloTimer = null;
  // The event the page was rendered at, not a cursor shared with other tabs: this page's
  // thread and unread counts are as of that event, so everything after it is news here.
  var cursor = Number(root.dataset.lastEvent || 0);
  var inFlight = {};
  var SIGNED_OUT = 4401; // the server's close code (and the API's 401): stop and say so
  var isSignedOut = false;

  function t(name) { return root.dataset["t" + name.charAt(0).toUpperCase() + name.slice(1)] || name; }
  var statusAtComposer = document.getElementById("connection-at-composer");
  function say(text) {
    if (statusLine) { statusLine.textContent = text; }
    // Beside the Send button only when it is news ("Live" needs no reminder there).
    if (statusAtComposer) { statusAtComposer.textContent = text === t("live") ? "" : text; }
  }

  // --- outbox ---------------------------------------------------------------------------
  // One key per message: two tabs of the same person each write only their own message's
  // key, so one cannot overwrite what the other has just queued, as they could when the
  // whole outbox was one list (each tab sees the other's writes a moment late).
  var OUTBOX_PREFIX = OUTBOX_KEY + ".";
  function itemKey(clientId) { return OUTBOX_PREFIX + clientId; }
  function readItem(clientId) {
    try { return JSON.parse(localStorage.getItem(itemKey(clientId))); } catch (e) { return null; }
  }
  function saveItem(item) { localStorage.setItem(itemKey(item.client_id), JSON.stringify(item)); }
  function loadOutbox() { return window.openMentorOutbox(userId); } // site.js, in the order written
  function updateItem(clientId, changes) {
    var item = readItem(clientId);
    if (item) { saveItem(Object.assign(item, changes)); } // never brings back a sent one
  }
  function removeItem(clientId) { localStorage.removeItem(itemKey(clientId)); }
  // An outbox from before one key per message: its messages move to their own keys.
  (function moveOldOutbox() {
    var old;
    try { old = JSON.parse(localStorage.getItem(OUTBOX_KEY) || "null"); } catch (e) { old = null; }
    if (Array.isArray(old)) { old.forEach(saveItem); }
    localStorage.removeItem(OUTBOX_KEY);
  })();
  function newClientId() {
    if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID(); }
    return Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 12);
  }

  // --- rendering --------------------------------------------------------------------------
  function findByClientId(clientId) {
    return list && list.querySelector('li[data-client-id="' + CSS.escape(clientId) + '"]');
  }
  function linkButton(name, action) {
    var button = document.createElement("button");
    button.type = "button"; button.className = "link " + name; button.textContent = t(name);
    button.addEventListener("click", action);
    return button;
  }
  // Retry, Edit and Discard remove the button that had focus: focus goes to the message box
  // (when the page has one) rather than falling to the page body.
  function focusComposer() {
    if (form) { form.querySelector("textarea[name=body]").focus(); }
  }
  // "Sending…", or "Not sent: why" with Retry, Edit and Discard (a refusal such as a block
  // or a too long text never goes through, so the person must be able to change or drop it).
  // Edit only with a composer to edit in. A sent message has no badge, as the server
  // renders it after a reload.
  var HELD = "held back"; // setState's detail for a message waiting for the send limit
  function setState(li, state, detail) {
    li.dataset.state = state;
    var old = li.querySelector(".delivery");
    if (old) { old.remove(); }
    if (state === "sent") { return; }
    var box = document.createElement("span");
    box.className = "delivery";
    var badge = document.createElement("span");
    badge.className = "badge";
    if (detail === HELD) { badge.classList.add("held"); }
    badge.textContent = t(state) + (detail === HELD ? ": " + heldFor() : detail ? ": " + detail : "");
    box.append(" ", badge);
    if (state === "failed") {
      box.append(" ", linkButton("retry", function () {
        updateItem(li.dataset.clientId, { state: "pending" });
        setState(li, "pending");
        focusComposer();
        flushOutbox();
      }));
      if (form) {
        box.append(" ", linkButton("edit", function () {
          // Back into the composer to shorten or change it (a new send, a new client id),
          // after a draft already there (nothing written is lost).
          var item = readItem(li.dataset.clientId);
          var textarea = form.querySelector("textarea[name=body]");
          if (item) {
            var draft = textarea.value.replace(/\s+$/, "");
            textarea.value = draft ? draft + "\n\n" + item.body : item.body;
            keepDraft(textarea.value);
          }
          removeItem(li.dataset.clientId);
          li.remove();
          focusComposer();
        }));
      }
    }
    // Held back by the send limit: not on its way, so it can still be dropped.
    if (state === "failed" || detail === HELD) {
      box.append(" ", linkButton("discard", function () {
        removeItem(li.dataset.clientId);
        li.remove();
        focusComposer();
      }));
    }
    li.querySelector(".meta time").after(box);
  }
  // Times in the person's own zone and language, the same for the messages the page came
  // with and those that arrive live (the server's text stays when this script does not run).
  var timeFormat = null;
  try {
    timeFormat = new Intl.DateTimeFormat(root.dataset.lang || undefined,
      { dateStyle: "medium", timeStyle: "short", timeZone: root.dataset.zone || undefined });
  } catch (e) { timeFormat = null; }
  function setTime(element, iso) {
    var date = new Date(iso);
    if (isNaN(date.getTime())) { return; }
    element.setAttribute("datetime", iso);
    element.textContent = timeFormat ? timeFormat.format(date) : date.toLocaleString();
  }
  function urlFor(name, id) { return root.dataset[name].replace("/0/", "/" + id + "/"); }
  // As the server writes it (messaging_tags.file_size): the page's units and decimal sign.
  function sizeText(bytes) {
    var unit = function (name, size) { return t(name).replace("%(size)s", size); };
    if (bytes >= 1048576) {
      var decimals = { minimumFractionDigits: 1, maximumFractionDigits: 1 };
      return unit("sizeMb", (bytes / 1048576).toLocaleString(document.documentElement.lang || undefined, decimals));
    }
    if (bytes < 1024) { return unit("sizeB", bytes); }
    return unit("sizeKb", Math.round(bytes / 1024));
  }
  // Edit and delete for one's own message, report for someone else's: what the server
  // renders, for a message once it has an id.
  function ensureActions(li) {
    if (!li.dataset.id || li.querySelector(".actions") || li.dataset.deleted) { return; }
    var box = document.createElement("div");
    box.className = "actions";
    if (li.classList.contains("mine")) {
      var edit = document.createElement("a");
      edit.href = urlFor("editUrl", li.dataset.id); edit.textContent = t("edit");
      var remove = document.createElement("form");
      remove.method = "post"; remove.action = urlFor("deleteUrl", li.dataset.id); remove.className = "inline";
      remove.setAttribute("data-confirm", t("confirmDelete"));
      var token = document.createElement("input");
      token.type = "hidden"; token.name = "csrfmiddlewaretoken"; token.value = root.dataset.csrf;
      var button = document.createElement("button");
      button.type = "submit"; button.className = "link"; button.textContent = t("delete");
      remove.append(token, button);
      box.append(edit, " ", remove);
    } else {
      var report = document.createElement("a");
      report.href = urlFor("reportUrl", li.dataset.id); report.textContent = t("report");
      box.append(report);
    }
    li.appendChild(box);
  }
  function bubble(data) {
    var li = document.createElement("li");
    li.className = "message" + (String(data.sender.id) === userId ? " mine" : "");
    li.dataset.clientId = data.client_id;
    if (data.id) { li.id = "m" + data.id; li.dataset.id = data.id; }
    var meta = document.createElement("p");
    meta.className = "meta";
    var who = document.createElement("strong");
    who.textContent = data.sender.name;
    var when = document.createElement("time");
    setTime(when, data.sent_at || data.created_at || new Date().toISOString());
    meta.append(who, " ", when);
    var body = document.createElement("div");
    body.className = "body"; body.dir = "auto";
    li.append(meta, body);
    fill(li, data);
    return li;
  }
  function fill(li, data) {
    // A bubble made while sending has the browser's clock (and, from an older outbox, maybe
    // no name): the server's message says who and when, as a reload would.
    if (data.sender && data.sender.name) { li.querySelector(".meta strong").textContent = data.sender.name; }
    if (data.sent_at || data.created_at) { setTime(li.querySelector(".meta time"), data.sent_at || data.created_at); }
    // Scheduled (from another of the sender's pages), gone out, or not sent after all: the
    // badges the server's page would show.
    var meta = li.querySelector(".meta");
    if (data.status === "scheduled" && !li.hasAttribute("data-scheduled") && data.send_at) {
      li.setAttribute("data-scheduled", "");
      var badge = document.createElement("span");
      badge.className = "badge scheduled";
      var due = document.createElement("time");
      setTime(due, data.send_at);
      badge.append(t("scheduledFor") + " ", due);
      meta.append(" ", badge);
    }
    if (data.status && data.status !== "scheduled" && li.hasAttribute("data-scheduled")) {
      li.removeAttribute("data-scheduled");
      var waiting = meta.querySelector(".scheduled");
      if (waiting) { waiting.remove(); }
    }
    if (data.status === "not_sent" && !meta.querySelector(".not-sent")) {
      var held = document.createElement("span");
      held.className = "badge warn not-sent"; held.textContent = t("failed");
      meta.append(" ", held);
    }
    var body = li.querySelector(".body");
    var old = li.querySelector(".attachments");
    if (old) { old.remove(); }
    if (data.deleted) {
      body.textContent = t("deleted");
      body.classList.add("muted");
      li.dataset.deleted = "1";
      ["actions", "edited", "reactions"].forEach(function (name) {
        var element = li.querySelector("." + name);
        if (element) { element.remove(); }
      });
      return;
    }
    if (data.html !== undefined) {
      body.innerHTML = data.html; // sanitised by the server (nh3)
    } else {
      body.textContent = data.body;
    }
    if (data.edited && data.id && !li.querySelector(".edited")) {
      var edited = document.createElement("a");
      edited.className = "muted edited"; edited.textContent = t("edited");
      edited.href = urlFor("historyUrl", data.id);
      li.querySelector(".meta").append(" ", edited);
    }
    if (data.attachments && data.attachments.length) {
      var files = document.createElement("ul");
      files.className = "attachments";
      data.attachments.forEach(function (file) {
        var item = document.createElement("li");
        var link = document.createElement("a");
        link.href = file.url; link.textContent = file.name;
        var size = document.createElement("span");
        size.className = "muted"; size.textContent = "(" + sizeText(file.size) + ")";
        item.append(link, " ", size);
        files.appendChild(item);
      });
      body.after(files);
    }
    if (data.reactions !== undefined) {
      var oldReactions = li.querySelector(".reactions");
      if (oldReactions) { oldReactions.remove(); }
      var reactions = data.id && data.status === "sent" ? reactionsBox(data) : null;
      if (reactions) { (li.querySelector(".attachments") || body).after(reactions); }
    }
    ensureActions(li);
  }
  // A message's reactions as the server's _message.html draws them: a form whose chips
  // (one's own pressed) take one's reaction back or add it, and the "React" picker; the
  // chips alone, not buttons, where the person can no longer write. Sent by fetch when
  // this script runs (reactOnSubmit), as a plain form post without it.
  var reactionChoices = (root.dataset.reactionEmoji || "").split(" ").filter(Boolean);
  var canReact = root.hasAttribute("data-can-react");
  function filled(pattern, values) {
    // A function, not a string: a "$&" in someone's name stays as it is.
    return Object.keys(values).reduce(function (text, key) {
      return text.replace("%(" + key + ")s", function () { return values[key]; });
    }, pattern);
  }
  function reactionsBox(data) {
    var groups = data.reactions || [];
    if (!groups.length && !canReact) { return null; }
    var box = document.createElement("form");
    box.method = "post"; box.action = urlFor("reactUrl", data.id); box.className = "reactions";
    var token = document.createElement("input");
    token.type = "hidden"; token.name = "csrfmiddlewaretoken"; token.value = csrf;
    box.append(token);
    groups.forEach(function (group) {
      var names = group.people.map(function (person) { return person.name; }).join(", ");
      var mine = group.people.some(function (person) { return String(person.id) === userId; });
      var chip = document.createElement(canReact ? "button" : "span");
      if (canReact) { chip.type = "submit"; }
      chip.className = "chip";
      if (canReact) {
        chip.name = mine ? "off" : "on"; chip.value = group.emoji;
        chip.setAttribute("aria-pressed", mine ? "true" : "false");
      }
      chip.title = filled(t("reactedBy"), { emoji: group.emoji, people: names });
      chip.setAttribute("aria-label", group.emoji + " " + group.people.length + ": " + names);
      chip.textContent = group.emoji + " " + group.people.length;
      box.append(chip, " ");
    });
    if (canReact) {
      var picker = document.createElement("details");
      picker.className = "react-picker";
      var summary = document.createElement("summary");
      summary.textContent = t("react");
      picker.append(summary);
      reactionChoices.forEach(function (emoji) {
        var choice = document.createElement("button");
        choice.type = "submit"; choice.name = "on"; choice.value = emoji; choice.textContent = emoji;
        choice.setAttribute("aria-label", filled(t("reactWith"), { emoji: emoji }));
        picker.append(choice);
      });
      box.append(picker);
    }
    return box;
  }
  // A page of older messages shows those: changes to them arrive live, new messages wait
  // on the newest page (one link away) instead of being added below.
  var olderPage = root.hasAttribute("data-older-page");
  function showMessage(data) {
    if (data.conversation !== conversationId) { return; }
    if (data.status === "scheduled" && String(data.sender.id) !== userId) { return; }
    var li = (data.id && document.getElementById("m" + data.id)) || findByClientId(data.client_id);
    // Cancelled on another of the sender's pages before it went out: never sent, no tombstone.
    if (data.deleted && data.status !== "sent") { if (li) { li.remove(); } return; }
    if (!li && olderPage) { return; }
    var empty = list.querySelector(".empty");
    if (empty) { empty.remove(); }
    if (li) {
      // A scheduled message that went out has a new id: its place, after what was said
      // while it waited.
      if (data.id && li.dataset.id !== String(data.id)) {
        li.id = "m" + data.id; li.dataset.id = data.id;
        placeInOrder(li);
      }
      fill(li, data);
      if (li.dataset.state) { setState(li, "sent"); }
      return;
    }
    var fresh = bubble(data);
    placeInOrder(fresh);
    if (document.hidden && String(data.sender.id) !== userId && !data.deleted) { arrivedUnseen(fresh); }
  }
  // Messages that arrive while the tab is hidden: "New messages" before the first of them
  // and their count in the tab's title, until the person comes back. A divider already
  // seen moves down to them; one not seen yet (a tab opened in the background) stays.
  var unseen = 0, pageTitle = document.title, dividerSeen = !document.hidden;
  function arrivedUnseen(li) {
    unseen += 1;
    document.title = "(" + unseen + ") " + pageTitle;
    var divider = document.getElementById("unread");
    if (divider && !dividerSeen) { return; }
    if (divider) { divider.remove(); }
    divider = document.createElement("li");
    divider.className = "unread-divider"; divider.id = "unread"; divider.textContent = t("newMessages");
    list.insertBefore(divider, li);
    dividerSeen = false;
  }
  function cameBack() {
    dividerSeen = true;
    if (unseen) { unseen = 0; document.title = pageTitle; }
  }
  // Keep id order: a message that arrives late goes before newer ones.
  function placeInOrder(li) {
    var id = Number(li.dataset.id || 0), after = null;
    list.querySelectorAll("li[data-id]").forEach(function (other) {
      if (!after && id && other !== li && Number(other.dataset.id) > id) { after = other; }
    });
    list.insertBefore(li, after || firstPending());
  }
  function firstPending() {
    return list.querySelector('li[data-state="pending"], li[data-state="failed"]');
  }
  function showPending(item) {
    var li = findByClientId(item.client_id);
    if (!li) {
      li = bubble({ client_id: item.client_id, sender: { id: userId, name: root.dataset.userName || "" }, body: item.body, created_at: item.created });
      list.appendChild(li);
    }
    if (item.state === "failed") { setState(li, "failed", item.error); }
    else { setState(li, "pending", Date.now() < pausedUntil ? HELD : ""); }
  }

  // --- sending ----------------------------------------------------------------------------
  // Every request says whose page this is: after a sign-out and someone else's sign-in in
  // this browser, the server refuses this page's requests (401) instead of answering them
  // as the next person (core.middleware.SamePersonMiddleware).
  function get(url) {
    return fetch(url, { credentials: "same-origin", headers: { "X-OpenMentor-User": userId } });
  }
  function post(url, body) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, "X-OpenMentor-User": userId },
      body: JSON.stringify(body)
    });
  }
  // Resolves when the item is handed over (socket) or answered (HTTP); rejects when the
  // network is down, so later messages wait and order is kept.
  function sendItem(item) {
    if (inFlight[item.client_id]) { return Promise.resolve(); }
    inFlight[item.client_id] = true;
    if (socketOpen) {
      socket.send(JSON.stringify({ type: "message.send", conversation: item.conversation, client_id: item.client_id, body: item.body }));
      // Its own message.new event (or, for a retried id, a message.ack) clears it; if
      // neither comes, a later flush resends the same id.
      setTimeout(function () { delete inFlight[item.client_id]; }, RESEND_MS);
      return Promise.resolve();
    }
    return post(urlFor("sendUrl", item.conversation), { client_id: item.client_id, body: item.body })
      .then(checkSignedIn)
      .then(function (response) {
        return response.json().then(function (data) {
          if (response.ok) { acknowledged(item.client_id, data); }
          else if (response.status === 429) { held(data); throw new Error("rate limited"); }
          else if (response.status >= 400 && response.status < 500) { failed(item.client_id, data.message, response.status === 404); }
          else { throw new Error("server error"); }
        });
      })
      .finally(function () { delete inFlight[item.client_id]; });
  }
  function acknowledged(clientId, data) {
    removeItem(clientId);
    var li = findByClientId(clientId);
    if (li) {
      setState(li, "sent");
      // Its place by id: what others sent while it waited for its answer came first.
      if (data && data.id && !li.id) { li.id = "m" + data.id; li.dataset.id = data.id; placeInOrder(li); }
      ensureActions(li);
    }
    if (data && data.html !== undefined) { showMessage(data); }
  }
  function failed(clientId, reason, gone) {
    // Its conversation is no longer this person's (they left the group since): its own
    // thread no longer takes it, so it is shown here to copy instead of failing unseen.
    var item = readItem(clientId);
    if (gone && item && item.conversation !== conversationId) { showUnsentElsewhere([item]); return; }
    updateItem(clientId, { state: "failed", error: reason || "" });
    var li = findByClientId(clientId);
    if (li) { setState(li, "failed", reason); }
  }
  // The person sent many messages within a minute: this one and those after it wait (in
  // order) until the server says the next one is accepted, with its words beside it.
  var pausedUntil = 0;
  var heldCountdown = null;
  function held(data) {
    pausedUntil = Date.now() + 1000 * (data.retry_after || 5);
    // Every message waiting on this page waits for the same reason (not the server's "send
    // again": this page does it), and each can still be dropped.
    if (list) {
      list.querySelectorAll('li[data-state="pending"]').forEach(function (li) {
        setState(li, "pending", HELD);
      });
    }
    setTimeout(flushOutbox, pausedUntil - Date.now());
    // How long is left, counted down each second until they go out.
    clearInterval(heldCountdown);
    heldCountdown = setInterval(function () {
      if (list) {
        list.querySelectorAll(".badge.held").forEach(function (badge) {
          badge.textContent = t("pending") + ": " + heldFor();
        });
      }
      if (Date.now() >= pausedUntil) { clearInterval(heldCountdown); }
    }, 1000);
  }
  // "held back …; it goes out by itself in 0:42"
  function heldFor() {
    var seconds = Math.max(0, Math.ceil((pausedUntil - Date.now()) / 1000));
    return t("held").replace("%(time)s", Math.floor(seconds / 60) + ":" + String(seconds % 60).padStart(2, "0"));
  }
  var flushing = null;
  // Every queued message goes out by socket, or by HTTP when the socket is down, from
  // whichever messaging page is open (its thread, another, the list), as "sent when you
  // are back online" promised, even if its own page was closed meanwhile.
  function flushOutbox() {
    if (isSignedOut || Date.now() < pausedUntil) { return Promise.resolve(); }
    if (flushing) { return flushing; }
    var items = loadOutbox().filter(function (item) {
      // A failed one waits on its page for retry or discard; the others go from any
      // messaging page, over the socket, or over HTTP when the socket is down.
      return item.state !== "failed";
    });
    flushing = items.reduce(function (chain, item) {
      return chain.then(function () { return sendItem(item); });
    }, Promise.resolve())
      .catch(function () { /* offline: the rest stay pending and go out in order later */ })
      .finally(function () { flushing = null; });
    return flushing;
  }

  // --- receiving --------------------------------------------------------------------------
  function advance(id) {
    if (id > cursor) { cursor = id; }
  }
  var readTimer = null;
  // Read up to what the page shows, once it is seen: on load when the tab is visible, when
  // it becomes visible, as messages arrive (site.js's cookie leaves this to the script).
  function markReadSoon() {
    if (document.hidden || !list) { return; }
    clearTimeout(readTimer);
    readTimer = setTimeout(function () {
      var shown = newestShownId();
      if (shown) { post(root.dataset.readUrl, { message_id: shown }).catch(function () {}); }
    }, 800);
  }
  // How far each other member has read (user id -> message id), moved forward live by
  // their conversation.read events; one's own messages say "seen", or in a group "seen by
  // everyone" / "seen by 2 of 3", worded as the server's seen_label.
  var readCursors = {};
  try { readCursors = JSON.parse(document.getElementById("read-cursors").textContent) || {}; } catch (e) { readCursors = {}; }
  function seenLabel(id) {
    var others = Object.keys(readCursors);
    var readers = others.filter(function (user) { return readCursors[user] >= id; }).length;
    if (!readers) { return ""; }
    if (others.length === 1) { return t("seen"); }
    if (readers === others.length) { return t("seenByEveryone"); }
    return t("seenBy").replace("%(n)s", readers).replace("%(total)s", others.length);
  }
  function showSeen() {
    // A scheduled message is not seen by anyone until it goes out.
    list.querySelectorAll("li.mine[data-id]:not([data-scheduled])").forEach(function (li) {
      var label = seenLabel(Number(li.dataset.id));
      var seen = li.querySelector(".seen");
      if (!label) { if (seen) { seen.remove(); } return; }
      if (!seen) {
        seen = document.createElement("span");
        seen.className = "muted seen";
        li.querySelector(".meta").append(" ", seen);
      }
      seen.textContent = label;
    });
  }
  // --- unread counts ----------------------------------------------------------------------
  // The navigation's count and the singular and plural wording of "%(n)s unread" in the
  // person's language come from the server, on the root element.
  var navLink = document.getElementById("nav-messages");
  if (navLink) { navLink.dataset.unread = root.dataset.unreadTotal || "0"; }
  var pluralRules = null;
  try { pluralRules = new Intl.PluralRules(document.documentElement.lang || undefined); } catch (e) { pluralRules = null; }
  var counted = {}; // message ids already counted: a push and a catch-up may bring the same one
  function unreadRow(conversation) {
    return document.querySelector('#conversations [data-conversation="' + Number(conversation) + '"]');
  }
  // The badge after the navigation's "Messages" or a conversation's link, as the server
  // renders it; none at zero.
  function setUnread(host, n) {
    if (!host || !navLink) { return; }
    n = Math.max(0, n);
    host.dataset.unread = String(n);
    var one = pluralRules ? pluralRules.select(n) === "one" : n === 1;
    var label = t(one ? "unreadOne" : "unreadOther").replace("%(n)s", n);
    window.openMentorShowCount(host, n, label, host === navLink ? null : host.querySelector("a"));
  }
  function addUnread(host, n) { if (host) { setUnread(host, Number(host.dataset.unread || 0) + n); } }
  // On the list, the conversation a message arrives in moves to the top, as after a reload.
  function moveToTop(event) {
    var row = event.type === "message.new" && unreadRow((event.payload || {}).conversation);
    if (!row) { return; }
    row.parentNode.prepend(row);
    var last = row.querySelector(".last-message");
    if (last) { last.textContent = t("lastNow"); }
  }
  function countUnread(event) {
    var payload = event.payload || {};
    // Only messages from others, and not in the open thread: that one is read as it arrives.
    if (event.type === "message.new" && String(payload.sender) !== userId &&
        (payload.conversation !== conversationId || olderPage) && !counted[payload.message]) {
      counted[payload.message] = true;
      addUnread(navLink, 1);
      addUnread(unreadRow(payload.conversation), 1);
    }
    // Read in another tab: the list knows how many that was.
    var row = unreadRow(payload.conversation);
    if (event.type === "conversation.read" && String(payload.user) === userId && row) {
      addUnread(navLink, -Number(row.dataset.unread || 0)); setUnread(row, 0);
      row.dataset.readCursor = String(Math.max(Number(row.dataset.readCursor || 0), payload.message));
    }
    // Deleted by its sender before it was read: no longer waiting, as after a reload. Unread
    // is what came after the read cursor (list) or was counted live (any page).
    if (event.type === "message.deleted" && String(payload.sender) !== userId &&
        payload.conversation !== conversationId && counted[payload.message] !== "deleted") {
      var unread = counted[payload.message] || (row && payload.message > Number(row.dataset.readCursor || 0));
      counted[payload.message] = "deleted";
      if (unread) { addUnread(navLink, -1); addUnread(row, -1); }
    }
  }

  function handleEvent(event) {
    var payload = event.payload || {};
    countUnread(event);
    moveToTop(event);
    if (event.type === "conversation.read" && payload.conversation === conversationId && String(payload.user) !== userId) {
      readCursors[payload.user] = Math.max(readCursors[payload.user] || 0, payload.message);
      showSeen();
    }
    if (event.type && event.type.indexOf("message.") === 0 && payload.conversation === conversationId) {
      if (payload.data) { pushed(payload.data); showMessage(payload.data); }
      else { fetchMessage(payload.message); }
      if (String(payload.sender) !== userId && event.type === "message.new") { markReadSoon(); }
      if (String(payload.sender) === userId && payload.client_id) { acknowledged(payload.client_id, payload.data); }
    } else if (event.type === "message.new" && String(payload.sender) === userId && payload.client_id) {
      removeItem(payload.client_id); // sent from this page for another conversation
    }
    if (event.id) { advance(event.id); }
    if (event.type === "conversation.left") { leftConversation(payload.conversation); }
  }
  // The person left the program, and with it this group: the server now shows the thread
  // read-only, up to when they left; the list no longer has it.
  function leftConversation(id) {
    if (id === conversationId) {
      // Text still in the box, and messages still waiting in the outbox, go to the server as
      // a form post, which refuses them and shows them back to copy; a plain reload would
      // drop them (the read-only page has no outbox to show them in).
      var box = form && form.querySelector("textarea[name=body]");
      var queued = loadOutbox().filter(function (item) { return item.conversation === id; });
      var texts = queued.map(function (item) { return item.body; });
      if (box && box.value.trim()) { texts.push(box.value.trim()); } // written last
      if (!box || !texts.length) { window.location.reload(); return; }
      box.value = texts.join("\n\n");
      keepDraft(box.value); // kept here too, should the post itself be lost
      queued.forEach(function (item) { removeItem(item.client_id); });
      form.submit();
      return;
    }
    var row = unreadRow(id);
    if (row) { addUnread(navLink, -Number(row.dataset.unread || 0)); row.remove(); }
    // Messages queued for it from this page (the list, another thread) would only fail,
    // unseen: they are shown here to copy instead.
    var queued = loadOutbox().filter(function (item) { return item.conversation === id; });
    if (queued.length) { showUnsentElsewhere(queued); }
  }
  function showUnsentElsewhere(items) {
    var box = document.querySelector(".unsent-elsewhere");
    if (!box) {
      box = document.createElement("section");
      box.className = "card unsent-elsewhere"; box.setAttribute("role", "alert");
      var title = document.createElement("h2"); title.textContent = t("failed");
      var why = document.createElement("p"); why.textContent = t("unsentElsewhere");
      var area = document.createElement("textarea");
      area.readOnly = true; area.rows = 4; area.setAttribute("aria-label", t("unsentElsewhere"));
      box.append(title, why, area, linkButton("discard", function () { box.remove(); }));
      root.parentNode.insertBefore(box, root);
    }
    var text = box.querySelector("textarea");
    var bodies = items.map(function (item) { return item.body; });
    text.value = (text.value ? [text.value] : []).concat(bodies).join("\n\n");
    items.forEach(function (item) { removeItem(item.client_id); }); // now on screen to copy
  }
  // While a batch of events is handled, the messages they name are fetched together
  // afterwards (handleEventsTogether).
  var deferredFetches = null;
  function fetchMessage(id) {
    if (deferredFetches) { deferredFetches.push(id); return; }
    fetchMessagesFrom([id]);
  }
  function newestShownId() {
    var newest = 0;
    list.querySelectorAll("li[data-id]").forEach(function (li) { newest = Math.max(newest, Number(li.dataset.id)); });
    return newest;
  }
  // The open thread also asks for every message after the newest it shows, so an event
  // whose transaction committed late (and so slipped behind the cursor) is not missed.
  // A fetch answers as of when it was asked: a push about the same message that arrived
  // meanwhile is newer, and the fetched copy must not undo it (an edit shown, then the
  // earlier text put back by a slow catch-up).
  var pushes = 0, pushedAt = {};
  function pushed(data) { pushes += 1; if (data.id) { pushedAt[data.id] = pushes; } }
  function showFetched(askedAt) {
    return function (data) { if (!(pushedAt[data.id] > askedAt)) { showMessage(data); } };
  }
  function catchUpThread() {
    if (!list || olderPage) { return Promise.resolve(); }
    var askedAt = pushes;
    return get(root.dataset.api + "?after=" + newestShownId() + "&limit=200")
      .then(function (r) { return r.ok ? r.json() : { messages: [] }; })
      .then(function (page) { page.messages.forEach(showFetched(askedAt)); })
      .catch(function () {});
  }
  // The messages with these ids and, in between, the others after the first (one page for
  // hundreds of missed messages, not a request each on a poor connection).
  // A fetch that fails (the signal dropped between an event and its message, a proxy's
  // 502) leaves its ids owed: the cursor is past their events, so they are asked again
  // with the next fetch (every long-poll answer makes one) instead of being lost.
  var owed = [];
  function fetchMessagesFrom(ids) {
    ids = ids.concat(owed).filter(function (id, i, all) { return all.indexOf(id) === i; });
    owed = [];
    if (!ids.length) { return Promise.resolve(); }
    var first = Math.min.apply(null, ids), limit = ids.length === 1 ? 1 : 200;
    var askedAt = pushes;
    return get(root.dataset.api + "?after=" + (first - 1) + "&limit=" + limit)
      .then(checkSignedIn)
      .then(function (r) {
        // Owed again only when it may work later (no answer, or the server's trouble); a
        // 404 (no longer in the conversation) would be asked for ever.
        if (r.status >= 500) { throw new Error("server error"); }
        return r.ok ? r.json() : { messages: [] };
      })
      .then(function (page) {
        page.messages.forEach(showFetched(askedAt));
        if (page.messages.length < limit) { return; }
        var reached = page.messages[page.messages.length - 1].id;
        return fetchMessagesFrom(ids.filter(function (id) { return id > reached; }));
      }, function () { if (!isSignedOut) { owed = owed.concat(ids); } })
      .catch(function () {});
  }
  // Events without the message (the catch-up's and the long-poll's, not pushes) fetch
  // their messages together.
  function handleEventsTogether(events) {
    deferredFetches = [];
    events.forEach(handleEvent);
    var ids = deferredFetches; deferredFetches = null;
    return fetchMessagesFrom(ids);
  }
  function catchUp() {
    return catchUpEvents().then(catchUpThread);
  }
  function catchUpEvents() {
    return get(root.dataset.eventsUrl + "?after=" + cursor)
      .then(checkSignedIn)
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (page) {
        if (!page) { return; }
        var fetched = handleEventsTogether(page.events);
        advance(page.last_id);
        return page.events.length >= 500 ? fetched.then(catchUpEvents) : fetched;
      })
      .catch(function () {});
  }

  // --- signed out -----------------------------------------------------------------------
  // Signed out (in another tab, or the session ended): nothing more is received or sent as
  // this person. The outbox stays for when they sign in again.
  function signedOut() {
    if (isSignedOut) { return; }
    isSignedOut = true; polling = false; socketOpen = false;
    clearTimeout(reconnectTimer); clearTimeout(probeTimer); stopHeartbeat();
    if (socket) { socket.onclose = null; socket.close(); }
    say(t("signedOut"));
    if (form) { form.querySelectorAll("button").forEach(function (button) { button.disabled = true; }); }
  }
  // The server closed the socket for its sign-in. A new password closes the other
  // sign-ins' sockets, and this browser's own key changed with it: if the page's cookie
  // still signs in, reconnect with it.
  function confirmSignedOut() {
    socketOpen = false; stopHeartbeat();
    get(root.dataset.eventsUrl + "?after=" + cursor)
      .then(checkSignedIn)
      .then(function () { attempts = 0; connect(); })
      .catch(function () { if (!isSignedOut) { reconnectTimer = setTimeout(connect, RECONNECT_MIN_MS); } });
  }
  function checkSignedIn(response) {
    if (response.status === 401) { signedOut(); throw new Error("signed out"); }
    return response;
  }

  // --- socket -----------------------------------------------------------------------------
  function connect() {
    clearTimeout(reconnectTimer);
    if (isSignedOut) { return; }
    if (socket && socket.readyState <= WebSocket.OPEN) { return; } // connecting or open
    // Offline, a try only fails (or, where the browser lets a socket through its offline
    // mode, hands over what was written offline early); coming back online connects.
    if (navigator.onLine === false) { say(t("offline")); return; }
    if (!("WebSocket" in window) || failures >= 3) { startPolling(); return; }
    if (!polling) { say(navigator.onLine === false ? t("offline") : t("connecting")); }
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    var ws = socket = new WebSocket(scheme + location.host + root.dataset.wsPath);
    // A socket that opens but never says hello (a proxy that accepts the upgrade, then
    // passes nothing on) counts as blocked: the long poll takes over, as after failures.
    // One that never even opens (a dead link) is one failed try.
    clearTimeout(helloTimer);
    helloTimer = setTimeout(function () {
      if (ws !== socket || socketOpen) { return; }
      var upgraded = ws.readyState === WebSocket.OPEN;
      ws.onclose = null; ws.onmessage = null; ws.close();
      if (upgraded) { socket = null; failures = 3; startPolling(); } else { socketClosed(ws, 0); }
    }, HELLO_TIMEOUT_MS);
    socket.onmessage = function (message) {
      var data;
      try { data = JSON.parse(message.data); } catch (e) { return; }
      if (data.type === "hello" && String(data.user) !== userId) { signedOut(); return; } // someone else signed in here
      if (data.type === "hello") {
        // Only a hello counts as working: some proxies accept the upgrade, then cut it.
        clearTimeout(helloTimer);
        socketOpen = true; failures = 0; attempts = 0; say(t("live"));
        if (polling) { polling = false; clearTimeout(probeTimer); }
        catchUp().then(flushOutbox);
        startHeartbeat();
      } else if (data.type === "pong") {
        clearTimeout(pongTimer);
      } else if (data.type === "message.ack") {
        acknowledged(data.client_id, { id: data.id });
      } else if (data.type === "message.error") {
        // Refusals that a resend would meet again (anything else is retried).
        if (["invalid", "validation_failed", "forbidden", "blocked", "conversation_closed", "not_found", "conflict", "client_id_reused"].indexOf(data.code) !== -1) {
          failed(data.client_id, data.message, data.code === "not_found");
        } else if (data.code === "rate_limited") {
          held(data);
        }
        delete inFlight[data.client_id];
      } else {
        handleEvent(data);
      }
    };
    socket.onclose = function (event) { socketClosed(ws, event.code); };
  }
  function socketClosed(ws, code) {
    if (ws !== socket) { return; } // an older socket, closed after a newer one opened
    if (code === SIGNED_OUT) { confirmSignedOut(); return; }
    var wasOpen = socketOpen;
    socketOpen = false; stopHeartbeat(); inFlight = {};
    if (!wasOpen && navigator.onLine !== false) { failures += 1; }
    clearTimeout(helloTimer);
    say(navigator.onLine === false ? t("offline") : polling ? t("polling") : t("connecting"));
    if (failures >= 3) { startPolling(); return; }
    // Back off (1 s, 2 s, 4 s … 30 s, each somewhere in its upper half so that many
    // clients cut off together do not come back together): offline, every attempt
    // only fails. Coming back online or to the tab tries at once (reconnectNow).
    var delay = Math.min(RECONNECT_MIN_MS * Math.pow(2, attempts), RECONNECT_MAX_MS);
    attempts += 1;
    reconnectTimer = setTimeout(connect, delay / 2 + Math.random() * delay / 2);
  }
  function probeSocket() {
    if (polling && !socketOpen) { failures = 2; connect(); } // one more failure: back to polling
  }
  function reconnectNow() {
    if (!polling && !socketOpen) { attempts = 0; connect(); }
  }
  function startHeartbeat() {
    stopHeartbeat();
    heartbeat = setInterval(function () {
      if (!socketOpen) { return; }
      socket.send(JSON.stringify({ type: "ping" }));
      clearTimeout(pongTimer);
      // No pong: the connection is dead even if the browser has not noticed. Its closing
      // handshake can take a minute on a dead link, so it is given up on now: the page
      // says so and connects again, and sends wait in the outbox meanwhile.
      var pinged = socket; // not a newer socket opened meanwhile
      pongTimer = setTimeout(function () {
        pinged.onclose = null; pinged.onmessage = null; pinged.close();
        socketClosed(pinged, 0);
      }, PONG_TIMEOUT_MS);
    }, HEARTBEAT_MS);
  }
  function stopHeartbeat() { clearInterval(heartbeat); clearTimeout(pongTimer); }

  function startPolling() {
    // Now and then the socket is tried again: the network that blocked it may be gone
    // (a captive portal signed into, a VPN turned off), and the socket is faster.
    clearTimeout(probeTimer);
    probeTimer = setTimeout(probeSocket, SOCKET_PROBE_MS);
    if (polling) { return; }
    polling = true; say(t("polling"));
    flushOutbox();
    (function loop() {
      if (!polling) { return; } // the socket works again
      if (owed.length) { fetchMessagesFrom([]); } // not to wait for the next news
      get(root.dataset.pollUrl + "?after=" + cursor)
        .then(checkSignedIn)
        .then(function (r) {
          if (!r.ok) { throw new Error("poll failed"); }
          return r.json();
        })
        .then(function (page) {
          if (polling) { say(t("polling")); } // back from offline: say so at once
          handleEventsTogether(page.events); advance(page.last_id);
          flushOutbox();
          setTimeout(loop, 100); // the server held the request until there was news
        })
        .catch(function () {
          if (isSignedOut) { return; }
          if (!polling) { return; } // the socket took over meanwhile: its status stands
          // Not "connected" while no poll gets through.
          say(navigator.onLine === false ? t("offline") : t("connecting"));
          setTimeout(loop, 3000);
        });
    })();
  }

  // --- coach ------------------------------------------------------------------------------
  var coachTimer = null, coachAsked = 0;
  function coachSoon() {
    clearTimeout(coachTimer);
    coachTimer = setTimeout(function () { coach(false); }, 700);
  }
  // Hints for the draft while the person writes; when they ask ("Check my message") and
  // there is nothing to flag, the answer says so, as the page does without this script.
  function coach(asked) {
    if (root.dataset.coach !== "1" || !hintsBox) { return; }
    clearTimeout(coachTimer);
    var request = ++coachAsked;
    var text = form.querySelector("textarea[name=body]").value;
    // Too long to be checked (the box says so): no answer about an earlier draft stays.
    if (tooLong(text)) { hintsBox.textContent = ""; return; }
    var when = form.querySelector("input[name=when]:checked");
    post(root.dataset.coachUrl, { conversation_id: conversationId, body: text, when: when ? when.value : "now" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (result) {
        if (request !== coachAsked) { return; } // a newer draft was checked since
        hintsBox.textContent = ""; // a refused check leaves no earlier answer standing
        if (!result) { return; }
        if (!result.hints.length) {
          if (asked) {
            var fine = document.createElement("p");
            fine.textContent = t("noHints");
            hintsBox.append(fine);
          }
          return;
        }
        // As the page without the script shows them (thread.html).
        var box = document.createElement("div");
        box.className = "coach";
        var heading = document.createElement("p");
        heading.append(document.createElement("strong"));
        heading.firstChild.textContent = t("beforeSend");
        var ul = document.createElement("ul");
        result.hints.forEach(function (hint) {
          var li = document.createElement("li");
          li.textContent = hint.message;
          ul.appendChild(li);
        });
        var footnote = document.createElement("p");
        footnote.className = "muted";
        var guide = document.createElement("a");
        guide.href = result.guidelines_url; guide.textContent = t("guidelines");
        footnote.append(t("onlySuggestions") + " ", guide);
        box.append(heading, ul, footnote);
        hintsBox.append(box);
      })
      .catch(function () {
        // Offline: hints for an earlier draft would answer for this one.
        if (request !== coachAsked) { return; }
        hintsBox.textContent = "";
        if (asked) {
          var unchecked = document.createElement("p");
          unchecked.textContent = t("coachOffline");
          hintsBox.append(unchecked);
        }
      });
  }

  function filesRefusal(files) {
    if (files.length > Number(root.dataset.maxFiles)) { return t("tooMany"); }
    var suffixes = (root.dataset.suffixes || "").split(" ").filter(Boolean);
    for (var i = 0; i < files.length; i++) {
      if (files[i].size > Number(root.dataset.maxBytes)) { return t("tooLarge").replace("%(name)s", files[i].name); }
      var name = files[i].name.toLowerCase();
      if (suffixes.length && !suffixes.some(function (suffix) { return name.slice(-suffix.length) === suffix; })) {
        return t("wrongType").replace("%(name)s", files[i].name);
      }
    }
    return "";
  }
  function showComposerError(text) {
    var box = document.getElementById("composer-error");
    if (!box) { return; }
    box.textContent = text; box.hidden = !text;
    var textarea = form && form.querySelector("textarea[name=body]");
    if (!textarea) { return; }
    // Tied to the box while shown, so it is read again when the person comes back to it.
    var described = (textarea.getAttribute("aria-describedby") || "").split(" ").filter(function (id) {
      return id && id !== "composer-error";
    });
    if (text) { described.push("composer-error"); textarea.setAttribute("aria-invalid", "true"); } else { textarea.removeAttribute("aria-invalid"); }
    if (described.length) { textarea.setAttribute("aria-describedby", described.join(" ")); } else { textarea.removeAttribute("aria-describedby"); }
  }

  // The draft is kept for this tab (sessionStorage: gone with the tab, so not left on a
  // shared computer) through reloads: turning hints off, a page sent back, a lost page.
  var DRAFT_KEY = "om.draft." + userId + "." + conversationId;
  var POSTED_KEY = "om.posted." + userId + "." + conversationId; // a form post's client id
  function keepDraft(text) {
    try {
      if (text.trim()) { sessionStorage.setItem(DRAFT_KEY, text); } else { sessionStorage.removeItem(DRAFT_KEY); }
    } catch (e) { /* storage full or refused: the box still holds it */ }
  }
  // Counted as the server counts: characters (an emoji is one), line breaks as one.
  function tooLong(text) {
    return Array.from(text.replace(/\r\n/g, "\n").trim()).length > Number(root.dataset.maxChars);
  }

  // --- reacting ---------------------------------------------------------------------------
  // A chip or a picker button: the API call, and the message drawn again from its answer,
  // without leaving the page. Offline or refused, the reason is said beside the message.
  function noteOn(li, text) {
    var note = li.querySelector(".offline-note");
    if (!note) {
      note = document.createElement("p");
      note.className = "error offline-note"; note.setAttribute("role", "alert");
      li.appendChild(note);
    }
    note.textContent = text;
  }
  function reactOnSubmit(event) {
    var box = event.target;
    var button = event.submitter;
    if (!box.classList || !box.classList.contains("reactions") || !button || !button.value) { return; }
    event.preventDefault();
    var li = box.closest("li.message");
    if (!li || !li.dataset.id) { return; }
    var emoji = button.value, wasChip = button.classList.contains("chip");
    if (navigator.onLine === false) { noteOn(li, t("offlineAction")); return; }
    button.disabled = true; // one answer at a time for this button
    post(urlFor("reactApi", li.dataset.id), { emoji: emoji, on: button.name === "on" })
      .then(checkSignedIn)
      .then(function (response) {
        return response.json().then(function (data) {
          if (!response.ok) { noteOn(li, data.message || t("offlineAction")); button.disabled = false; return; }
          var note = li.querySelector(".offline-note");
          if (note) { note.remove(); }
          pushed(data); // newer than any fetch on its way
          showMessage(data);
          // Focus stays where the person was: the chip they pressed (or the one just made).
          var again = li.querySelector('.reactions .chip[value="' + CSS.escape(emoji) + '"]');
          if (!again && !wasChip) { again = li.querySelector(".reactions summary"); }
          if (again) { again.focus(); }
        });
      })
      .catch(function () { button.disabled = false; if (!isSignedOut) { noteOn(li, t("offlineAction")); } });
  }

  // Files go up with a progress bar (on a slow link a 400 KB file took ten silent
  // seconds), and a cut connection leaves the page, the text and the chosen files where
  // they are, to send again: the same client id, so it is stored once.
  function upload(submitter) {
    var data = new FormData(form);
    if (submitter && submitter.name) { data.append(submitter.name, submitter.value); }
    var bar = document.getElementById("upload-progress");
    if (!bar) {
      bar = document.createElement("progress");
      bar.id = "upload-progress"; bar.max = 100;
      bar.setAttribute("aria-label", t("uploading"));
      document.getElementById("composer-error").before(bar);
    }
    bar.hidden = false; bar.value = 0;
    var buttons = form.querySelectorAll("button");
    buttons.forEach(function (button) { button.disabled = true; });
    showComposerError("");
    function done() {
      bar.hidden = true;
      buttons.forEach(function (button) { button.disabled = false; });
    }
    var request = new XMLHttpRequest();
    request.open("POST", location.pathname + location.search);
    request.upload.onprogress = function (event) {
      if (event.lengthComputable) { bar.value = Math.round(100 * event.loaded / event.total); }
    };
    request.onload = function () {
      if (request.status < 400) { location.assign(request.responseURL); return; } // the thread, with it
      done();
      // Refused (the send limit, a block): the page says why, as it would have said it.
      var page = new DOMParser().parseFromString(request.responseText, "text/html");
      var why = page.querySelector("#composer .error:not([hidden]), .messages .error");
      showComposerError(why ? why.textContent.trim() : t("failed"));
    };
    request.onerror = function () { done(); showComposerError(t("uploadCut")); };
    request.send(data);
  }

  // --- wiring -----------------------------------------------------------------------------
  if (form) {
    // A page brought back by Back (from the browser's memory, not the server) would post
    // its form's used client id again: the server would take the new text for a retry.
    window.addEventListener("pageshow", function (event) {
      if (event.persisted) { form.querySelector("input[name=client_id]").value = newClientId(); }
    });
    var composer = form.querySelector("textarea[name=body]");
    var draft = null, posted = null;
    try { draft = sessionStorage.getItem(DRAFT_KEY); posted = sessionStorage.getItem(POSTED_KEY); } catch (e) { draft = null; }
    if (posted && list && findByClientId(posted)) { draft = null; keepDraft(""); }
    if (posted) { try { sessionStorage.removeItem(POSTED_KEY); } catch (e) { /* nothing kept */ } }
    if (draft && !composer.value.trim()) { composer.value = draft; }
    composer.addEventListener("input", function (event) {
      var text = event.target.value;
      keepDraft(text);
      if (tooLong(text)) { showComposerError(t("tooLong")); }
      else if (text.trim()) { showComposerError(""); } // "Write a message." is answered
      coachSoon();
    });
    // Ctrl+Enter (Cmd+Enter on a Mac) sends; Enter alone is a new line, as people write.
    composer.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        form.requestSubmit(form.querySelector("button[name=action][value=send]") || undefined);
      }
    });
    // Files too large or too many are said as they are chosen, not only at Send.
    var fileInput = form.querySelector("input[type=file]");
    if (fileInput) {
      fileInput.addEventListener("change", function () { showComposerError(filesRefusal(fileInput.files)); });
    }
    form.querySelectorAll("input[name=when]").forEach(function (choice) {
      choice.addEventListener("change", coachSoon); // "their morning" answers the night hint
    });
    form.addEventListener("submit", function (event) {
      var submitter = event.submitter;
      var textarea = form.querySelector("textarea[name=body]");
      var files = form.querySelector("input[type=file]");
      var when = form.querySelector("input[name=when]:checked");
      var checking = submitter && submitter.value === "check";
      showComposerError("");
      if (!checking && tooLong(textarea.value)) {
        event.preventDefault(); showComposerError(t("tooLong")); textarea.focus(); return;
      }
      var plainPost = (files && files.files.length) || (when && when.value !== "now");
      if (plainPost && !checking) {
        // Attachments and scheduling take the plain form post: checked here first, as the
        // server would, so a slow connection does not upload minutes of refused files,
        // and not posted offline, where the browser would drop the page and the draft.
        var refusal = filesRefusal(files ? files.files : []);
        if (!refusal && navigator.onLine === false) { refusal = t("offlineForm"); }
        if (refusal) { event.preventDefault(); showComposerError(refusal); return; }
        // The draft stays until the next page shows this message: if the signal drops
        // on the way, the browser's error page and Back would otherwise find an empty box.
        try { sessionStorage.setItem(POSTED_KEY, form.querySelector("input[name=client_id]").value); } catch (e) { /* kept in the box only */ }
        if (files && files.files.length && window.FormData) { event.preventDefault(); upload(submitter); }
        return;
      }
      // So does "check" when there is no hint area to answer in.
      if (checking && !hintsBox) { return; }
      event.preventDefault();
      var body = textarea.value.trim();
      if (!body) { showComposerError(t("empty")); textarea.focus(); return; }
      if (checking) { coach(true); return; }
      var item = { client_id: newClientId(), conversation: conversationId, body: body, state: "pending", created: new Date().toISOString() };
      saveItem(item);
      textarea.value = ""; keepDraft(""); hintsBox && (hintsBox.textContent = "");
      textarea.focus(); // the next message, without going back past the buttons
      clearTimeout(coachTimer); coachAsked += 1; // sent: no hints for the emptied box
      showPending(item);
      flushOutbox();
    });
  }
  if (list) {
    // Edit, delete, history and report are pages of their own: offline, the browser would
    // leave the thread for its error page.
    // Said beside the message (the status line is the connection's, rewritten as it retries).
    list.addEventListener("click", function (event) {
      if (navigator.onLine !== false) { return; }
      var action = event.target.closest(".actions a, .actions button, a.edited");
      if (!action) { return; }
      event.preventDefault(); event.stopPropagation();
      var li = action.closest("li");
      var note = li.querySelector(".offline-note");
      if (!note) {
        note = document.createElement("p");
        note.className = "error offline-note"; note.setAttribute("role", "alert");
        li.appendChild(note);
      }
      note.textContent = t("offlineAction");
    }, true);
    window.addEventListener("online", function () {
      list.querySelectorAll(".offline-note").forEach(function (note) { note.remove(); });
    });
    list.addEventListener("submit", reactOnSubmit);
    list.querySelectorAll(".meta time[datetime]").forEach(function (element) {
      setTime(element, element.getAttribute("datetime"));
    });
    loadOutbox().forEach(function (item) { if (item.conversation === conversationId) { showPending(item); } });
  }
  if (list || document.getElementById("conversations")) {
    setInterval(function () { if (navigator.onLine !== false) { flushOutbox(); } }, RESEND_MS);
  }
  markReadSoon();
  window.addEventListener("online", function () {
    flushOutbox(); reconnectNow();
    if (owed.length) { fetchMessagesFrom([]); }
  });
  // Offline: the socket is being closed (its closing handshake can take long), so nothing
  // more is handed to it; sends wait in the outbox for the way back.
  window.addEventListener("offline", function () {
    say(t("offline")); socketOpen = false; stopHeartbeat(); if (socket) { socket.close(); }
  });
  document.addEventListener("visibilitychange", function () {
    if (document.hidden) { return; }
    if (list) { cameBack(); }
    markReadSoon();
    reconnectNow();
  });
  // Open where reading goes on: at the first unread message, or at the newest. (A link
  // to a message scrolls to it by its address.)
  if (list && !location.hash) {
    var start = document.getElementById("unread") || list.lastElementChild;
    if (start && start !== list.firstElementChild) { start.scrollIntoView({ block: start.id === "unread" ? "start" : "end" }); }
  }
  connect();
})();
