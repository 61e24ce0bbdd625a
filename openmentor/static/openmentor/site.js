// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";

  // The navigation's unread counts: asked again when the person comes back to the tab,
  // and every minute while they look at it. Messaging pages keep the messages' count live
  // themselves; the notifications' (a report waiting for a coordinator) is asked on every
  // page.
  var messagingPage = document.getElementById("thread") || document.getElementById("conversations");
  // A count's badge as the server renders it: inside the navigation's link, or after a
  // list row's link (``beside``); none at zero. messaging.js keeps its counts live with it.
  function showCount(host, count, label, beside) {
    if (!host) { return; }
    var badge = host.querySelector(".badge");
    if (!count) { if (badge) { badge.remove(); } return; }
    if (!badge) {
      badge = document.createElement("span");
      badge.className = "badge warn";
      if (beside) { beside.after(" ", badge); } else { host.append(" ", badge); }
    }
    badge.textContent = label;
  }
  window.openMentorShowCount = showCount;
  function refreshUnread() {
    var link = document.getElementById("nav-messages");
    if (!link || document.hidden || !link.dataset.unreadUrl) { return; }
    fetch(link.dataset.unreadUrl, { credentials: "same-origin", headers: { "X-OpenMentor-User": link.dataset.user } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (unread) {
        if (!unread) { return; }
        if (!messagingPage) { showCount(link, unread.messages, unread.label); }
        showCount(document.getElementById("nav-notifications"), unread.notifications, unread.notifications_label);
      })
      .catch(function () {});
  }
  document.addEventListener("visibilitychange", refreshUnread);
  setInterval(refreshUnread, 60000);
  // Pre-fill time-zone selects from the browser when the person has not chosen one yet.
  function prefillTimeZone() {
    var zone;
    try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (e) { return; }
    if (!zone) { return; }
    document.querySelectorAll("select[data-detect-tz]").forEach(function (select) {
      if (select.value && select.value !== "UTC") { return; }
      var option = Array.prototype.find.call(select.options, function (o) { return o.value === zone; });
      if (option) { select.value = zone; }
    });
  }
  // Ask before destructive actions marked with data-confirm.
  // The question is its button's (approve and decline share a form) or the form's; a
  // field marked data-confirm-for="a b" asks the form's question only for those values
  // (a status form: closing is final, pausing is not).
  function confirmDestructive(event) {
    var form = event.target;
    if (!form.getAttribute) { return; }
    var button = event.submitter;
    var message = button && button.getAttribute("data-confirm");
    if (!message) {
      var only = form.querySelector("[data-confirm-for]");
      var applies = !only || only.getAttribute("data-confirm-for").split(" ").indexOf(only.value) >= 0;
      message = applies ? form.getAttribute("data-confirm") : null;
    }
    if (!message) { return; }
    if (!window.confirm(message)) { event.preventDefault(); return; }
    // Asked here: the server asks again only a browser without this script.
    if (!form.querySelector("input[name=confirmed]")) {
      var confirmed = document.createElement("input");
      confirmed.type = "hidden"; confirmed.name = "confirmed"; confirmed.value = "1";
      form.append(confirmed);
    }
  }
  // Messages written offline wait in this browser's outbox (messaging.js) until a messaging
  // page sends them; any other page sends them too once online (they waited for a
  // Messages page to be opened). The same send as the messaging page's, with the same
  // client id, so a messaging tab sending them at the same moment stores each once.
  // Anything but an answer that it is stored (a refusal, the send limit, no network)
  // leaves the rest, in order, to the messaging pages, which say what happened.
  // The person's outbox, one localStorage key per message, in the order written: read by
  // this file and by messaging.js (window.openMentorOutbox), which writes it.
  function outbox(userId) {
    var prefix = "om.outbox." + userId + ".";
    var items = [];
    for (var i = 0; i < localStorage.length; i++) {
      var key = localStorage.key(i);
      if (key && key.indexOf(prefix) === 0) {
        var item = null;
        try { item = JSON.parse(localStorage.getItem(key)); } catch (e) { item = null; }
        if (item) { items.push(item); }
      }
    }
    return items.sort(function (a, b) { return a.created < b.created ? -1 : a.created > b.created ? 1 : 0; });
  }
  window.openMentorOutbox = outbox;
  function sendOutbox() {
    var link = document.getElementById("nav-messages");
    if (messagingPage || !link || !link.dataset.sendUrl || navigator.onLine === false) { return; }
    var prefix = "om.outbox." + link.dataset.user + ".";
    var items;
    try { items = outbox(link.dataset.user); } catch (e) { return; } // storage refused
    items.filter(function (item) { return item.state !== "failed"; }).reduce(function (chain, item) {
      return chain.then(function () {
        // As it is now: a messaging tab may have sent, discarded or failed it meanwhile.
        var now = JSON.parse(localStorage.getItem(prefix + item.client_id));
        if (!now || now.state === "failed") { return; }
        return fetch(link.dataset.sendUrl.replace("/0/", "/" + item.conversation + "/"), {
          method: "POST", credentials: "same-origin",
          headers: { "Content-Type": "application/json", "X-CSRFToken": link.dataset.csrf, "X-OpenMentor-User": link.dataset.user },
          body: JSON.stringify({ client_id: item.client_id, body: item.body })
        }).then(function (response) {
          if (!response.ok) { throw new Error("left for the messaging pages"); }
          localStorage.removeItem(prefix + item.client_id);
        });
      });
    }, Promise.resolve()).catch(function () {});
  }
  // On a phone the menu scrolls sideways under a fade: a link reached by Tab is brought
  // clear of it (the browser's own scrolling left it under the fade, hardly visible).
  function revealFocusedMenuLink(event) {
    if (event.target.closest && event.target.closest(".site-header ul")) {
      event.target.scrollIntoView({ block: "nearest", inline: "nearest" });
    }
  }
  // After a page comes back with errors, focus goes to the first of them: a field to
  // correct (its error is read with it), or the form's own error ("the e-mail address
  // and/or password are not correct"). A screen reader said nothing of the refusal.
  function focusFirstError() {
    var first = document.querySelector("main [aria-invalid=true], main .form-errors[tabindex]");
    if (first && document.activeElement === document.body) { first.focus(); }
  }
  // A print button works only with this script: shown by it, hidden without it.
  function offerPrinting() {
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { window.print(); });
    });
  }
  document.addEventListener("DOMContentLoaded", offerPrinting);
  document.addEventListener("focusin", revealFocusedMenuLink);
  document.addEventListener("DOMContentLoaded", focusFirstError);
  document.addEventListener("DOMContentLoaded", prefillTimeZone);
  document.addEventListener("DOMContentLoaded", sendOutbox);
  window.addEventListener("online", sendOutbox);
  document.addEventListener("submit", confirmDestructive, true);
})();
