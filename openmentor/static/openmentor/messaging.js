// Live conversation: progressive enhancement of the thread page, which works without it.
//
// - Sends go through an outbox in localStorage (survives reload) with a client id made
//   once per message; the server treats a resend with the same id as the same message,
//   so retrying after a drop never duplicates.
// - Receives pushes on /ws/messaging/ with heartbeats; on every (re)connect it catches up
//   from the last event id it saw (GET /api/v1/events?after=), because pushes can be lost.
// - When WebSockets keep failing it falls back to long-polling /messages/poll/.
(function () {
  "use strict";
  var root = document.getElementById("thread");
  if (!root) { return; }
  var conversationId = Number(root.dataset.conversation);
  var userId = root.dataset.user;
  var list = document.getElementById("messages");
  var form = document.getElementById("composer");
  var statusLine = document.getElementById("connection");
  var hintsBox = document.getElementById("coach-hints");
  var csrf = form ? form.querySelector("input[name=csrfmiddlewaretoken]").value : "";
  var OUTBOX_KEY = "om.outbox." + userId;
  var CURSOR_KEY = "om.cursor." + userId;
  var HEARTBEAT_MS = 20000, PONG_TIMEOUT_MS = 10000, RESEND_MS = 4000;
  var socket = null, socketOpen = false, failures = 0, polling = false;
  var heartbeat = null, pongTimer = null, reconnectTimer = null;
  var cursor = Math.max(Number(localStorage.getItem(CURSOR_KEY) || 0), Number(root.dataset.lastEvent || 0));
  var inFlight = {};

  function t(name) { return root.dataset["t" + name.charAt(0).toUpperCase() + name.slice(1)] || name; }
  function say(text) { if (statusLine) { statusLine.textContent = text; } }

  // --- outbox ---------------------------------------------------------------------------
  function loadOutbox() {
    try { return JSON.parse(localStorage.getItem(OUTBOX_KEY) || "[]"); } catch (e) { return []; }
  }
  function saveOutbox(items) { localStorage.setItem(OUTBOX_KEY, JSON.stringify(items)); }
  function updateItem(clientId, changes) {
    var items = loadOutbox();
    items.forEach(function (item) { if (item.client_id === clientId) { Object.assign(item, changes); } });
    saveOutbox(items);
  }
  function removeItem(clientId) {
    saveOutbox(loadOutbox().filter(function (item) { return item.client_id !== clientId; }));
  }
  function newClientId() {
    if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID(); }
    return Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 12);
  }

  // --- rendering --------------------------------------------------------------------------
  function findByClientId(clientId) {
    return list.querySelector('li[data-client-id="' + CSS.escape(clientId) + '"]');
  }
  function setState(li, state, detail) {
    li.dataset.state = state;
    var badge = li.querySelector(".delivery");
    if (!badge) {
      badge = document.createElement("span");
      badge.className = "delivery badge";
      li.querySelector(".meta").appendChild(badge);
    }
    badge.textContent = t(state) + (detail ? ": " + detail : "");
    var retry = li.querySelector("button.retry");
    if (state === "failed" && !retry) {
      retry = document.createElement("button");
      retry.type = "button"; retry.className = "link retry"; retry.textContent = t("retry");
      retry.addEventListener("click", function () {
        updateItem(li.dataset.clientId, { state: "pending" });
        setState(li, "pending");
        flushOutbox();
      });
      badge.after(retry);
    } else if (state !== "failed" && retry) { retry.remove(); }
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
  // As the server's file_size filter writes it.
  function sizeText(bytes) {
    if (bytes >= 1048576) { return (bytes / 1048576).toFixed(1) + " MB"; }
    return Math.max(1, Math.round(bytes / 1024)) + " KB";
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
    body.className = "body";
    li.append(meta, body);
    fill(li, data);
    return li;
  }
  function fill(li, data) {
    var body = li.querySelector(".body");
    var old = li.querySelector(".attachments");
    if (old) { old.remove(); }
    if (data.deleted) {
      body.textContent = t("deleted");
      body.classList.add("muted");
      li.dataset.deleted = "1";
      ["actions", "edited"].forEach(function (name) {
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
    ensureActions(li);
  }
  function showMessage(data) {
    if (data.conversation !== conversationId) { return; }
    if (data.status === "scheduled" && String(data.sender.id) !== userId) { return; }
    var empty = list.querySelector(".empty");
    if (empty) { empty.remove(); }
    var li = (data.id && document.getElementById("m" + data.id)) || findByClientId(data.client_id);
    if (li) {
      if (data.id && !li.id) { li.id = "m" + data.id; li.dataset.id = data.id; }
      fill(li, data);
      if (li.dataset.state) { setState(li, "sent"); }
      return;
    }
    li = bubble(data);
    // Keep id order: a message that arrives late goes before newer ones.
    var after = null;
    list.querySelectorAll("li[data-id]").forEach(function (other) {
      if (!after && data.id && Number(other.dataset.id) > data.id) { after = other; }
    });
    list.insertBefore(li, after || firstPending());
  }
  function firstPending() {
    return list.querySelector('li[data-state="pending"], li[data-state="failed"]');
  }
  function showPending(item) {
    var li = findByClientId(item.client_id);
    if (!li) {
      li = bubble({ client_id: item.client_id, sender: { id: userId, name: "" }, body: item.body, created_at: item.created });
      list.appendChild(li);
    }
    setState(li, item.state === "failed" ? "failed" : "pending", item.error);
  }

  // --- sending ----------------------------------------------------------------------------
  function post(url, body) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
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
    return post(root.dataset.api, { client_id: item.client_id, body: item.body })
      .then(function (response) {
        return response.json().then(function (data) {
          if (response.ok) { acknowledged(item.client_id, data); }
          else if (response.status >= 400 && response.status < 500) { failed(item.client_id, data.message); }
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
      if (data && data.id && !li.id) { li.id = "m" + data.id; li.dataset.id = data.id; }
      ensureActions(li);
    }
    if (data && data.html !== undefined) { showMessage(data); }
  }
  function failed(clientId, reason) {
    updateItem(clientId, { state: "failed", error: reason || "" });
    var li = findByClientId(clientId);
    if (li) { setState(li, "failed", reason); }
  }
  var flushing = null;
  function flushOutbox() {
    if (flushing) { return flushing; }
    var items = loadOutbox().filter(function (item) {
      return item.conversation === conversationId && item.state !== "failed";
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
    if (id > cursor) { cursor = id; localStorage.setItem(CURSOR_KEY, String(cursor)); }
  }
  var readTimer = null;
  function markReadSoon() {
    if (document.hidden) { return; }
    clearTimeout(readTimer);
    readTimer = setTimeout(function () { post(root.dataset.readUrl, {}).catch(function () {}); }, 800);
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
    list.querySelectorAll("li.mine[data-id]").forEach(function (li) {
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
  function handleEvent(event) {
    var payload = event.payload || {};
    if (event.type === "conversation.read" && payload.conversation === conversationId && String(payload.user) !== userId) {
      readCursors[payload.user] = Math.max(readCursors[payload.user] || 0, payload.message);
      showSeen();
    }
    if (event.type && event.type.indexOf("message.") === 0 && payload.conversation === conversationId) {
      if (payload.data) { showMessage(payload.data); }
      else { fetchMessage(payload.message); }
      if (String(payload.sender) !== userId && event.type === "message.new") { markReadSoon(); }
      if (String(payload.sender) === userId && payload.client_id) { acknowledged(payload.client_id, payload.data); }
    }
    if (event.id) { advance(event.id); }
  }
  function fetchMessage(id) {
    fetch(root.dataset.api + "?after=" + (id - 1) + "&limit=1", { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : { messages: [] }; })
      .then(function (page) { page.messages.forEach(showMessage); })
      .catch(function () {});
  }
  function newestShownId() {
    var newest = 0;
    list.querySelectorAll("li[data-id]").forEach(function (li) { newest = Math.max(newest, Number(li.dataset.id)); });
    return newest;
  }
  // The open thread also asks for every message after the newest it shows, so an event
  // whose transaction committed late (and so slipped behind the cursor) is not missed.
  function catchUpThread() {
    return fetch(root.dataset.api + "?after=" + newestShownId() + "&limit=200", { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : { messages: [] }; })
      .then(function (page) { page.messages.forEach(showMessage); })
      .catch(function () {});
  }
  function catchUp() {
    return catchUpEvents().then(catchUpThread);
  }
  function catchUpEvents() {
    return fetch(root.dataset.eventsUrl + "?after=" + cursor, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (page) {
        if (!page) { return; }
        page.events.forEach(handleEvent);
        advance(page.last_id);
        if (page.events.length >= 500) { return catchUpEvents(); }
      })
      .catch(function () {});
  }

  // --- socket -----------------------------------------------------------------------------
  function connect() {
    clearTimeout(reconnectTimer);
    if (!("WebSocket" in window) || failures >= 3) { startPolling(); return; }
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + root.dataset.wsPath);
    socket.onmessage = function (message) {
      var data;
      try { data = JSON.parse(message.data); } catch (e) { return; }
      if (data.type === "hello") {
        // Only a hello counts as working: some proxies accept the upgrade, then cut it.
        socketOpen = true; failures = 0; say(t("live"));
        catchUp().then(flushOutbox);
        startHeartbeat();
      } else if (data.type === "pong") {
        clearTimeout(pongTimer);
      } else if (data.type === "message.ack") {
        acknowledged(data.client_id, { id: data.id });
      } else if (data.type === "message.error") {
        if (data.code === "invalid" || data.code === "validation_failed" || data.code === "forbidden" || data.code === "not_found" || data.code === "conflict") {
          failed(data.client_id, data.message);
        }
        delete inFlight[data.client_id];
      } else {
        handleEvent(data);
      }
    };
    socket.onclose = function () {
      var wasOpen = socketOpen;
      socketOpen = false; stopHeartbeat(); inFlight = {};
      if (!wasOpen && navigator.onLine !== false) { failures += 1; }
      say(navigator.onLine === false ? t("offline") : "");
      if (failures >= 3) { startPolling(); return; }
      reconnectTimer = setTimeout(connect, Math.min(500 * Math.pow(2, failures), 15000) + Math.random() * 300);
    };
  }
  function startHeartbeat() {
    stopHeartbeat();
    heartbeat = setInterval(function () {
      if (!socketOpen) { return; }
      socket.send(JSON.stringify({ type: "ping" }));
      clearTimeout(pongTimer);
      // No pong: the connection is dead even if the browser has not noticed.
      pongTimer = setTimeout(function () { socket.close(); }, PONG_TIMEOUT_MS);
    }, HEARTBEAT_MS);
  }
  function stopHeartbeat() { clearInterval(heartbeat); clearTimeout(pongTimer); }

  function startPolling() {
    if (polling) { return; }
    polling = true; say(t("polling"));
    flushOutbox();
    (function loop() {
      fetch(root.dataset.pollUrl + "?after=" + cursor, { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (page) {
          if (page) { page.events.forEach(handleEvent); advance(page.last_id); }
          flushOutbox();
          setTimeout(loop, 100);
        })
        .catch(function () { setTimeout(loop, 3000); });
    })();
  }

  // --- coach ------------------------------------------------------------------------------
  var coachTimer = null;
  function coach() {
    if (root.dataset.coach !== "1" || !hintsBox) { return; }
    clearTimeout(coachTimer);
    coachTimer = setTimeout(function () {
      var text = form.querySelector("textarea[name=body]").value;
      post(root.dataset.coachUrl, { conversation_id: conversationId, body: text })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (result) {
          if (!result) { return; }
          hintsBox.textContent = "";
          if (!result.hints.length) { return; }
          var ul = document.createElement("ul");
          ul.className = "coach";
          result.hints.forEach(function (hint) {
            var li = document.createElement("li");
            li.textContent = hint.message;
            ul.appendChild(li);
          });
          var guide = document.createElement("a");
          guide.href = result.guidelines_url; guide.textContent = root.dataset.tGuidelines || "Program guidelines";
          hintsBox.append(ul, guide);
        })
        .catch(function () {});
    }, 700);
  }

  // --- wiring -----------------------------------------------------------------------------
  if (form) {
    var check = document.getElementById("check-button");
    if (check) { check.hidden = true; }
    form.querySelector("textarea[name=body]").addEventListener("input", coach);
    form.addEventListener("submit", function (event) {
      var submitter = event.submitter;
      var textarea = form.querySelector("textarea[name=body]");
      var files = form.querySelector("input[type=file]");
      var when = form.querySelector("input[name=when]:checked");
      // Attachments, scheduling and "check" take the plain form post.
      if ((submitter && submitter.value === "check") || (files && files.files.length) || (when && when.value !== "now")) { return; }
      event.preventDefault();
      var body = textarea.value.trim();
      if (!body) { textarea.focus(); return; }
      var item = { client_id: newClientId(), conversation: conversationId, body: body, state: "pending", created: new Date().toISOString() };
      var items = loadOutbox(); items.push(item); saveOutbox(items);
      textarea.value = ""; hintsBox && (hintsBox.textContent = "");
      showPending(item);
      flushOutbox();
    });
  }
  list.querySelectorAll(".meta time[datetime]").forEach(function (element) {
    setTime(element, element.getAttribute("datetime"));
  });
  loadOutbox().forEach(function (item) { if (item.conversation === conversationId) { showPending(item); } });
  window.addEventListener("online", function () { flushOutbox(); if (!socketOpen && !polling) { connect(); } });
  window.addEventListener("offline", function () { say(t("offline")); if (socket) { socket.close(); } });
  setInterval(function () { if (navigator.onLine !== false) { flushOutbox(); } }, RESEND_MS);
  document.addEventListener("visibilitychange", markReadSoon);
  connect();
})();
