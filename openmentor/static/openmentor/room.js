// The live room: WebRTC mesh (up to four people), signalling over /ws/meetings/<id>/.
// Everyone who was already in the room makes the offer to a newcomer, so offers never
// cross. State is mirrored on #room data attributes (connection-state, mode, quality,
// fallback) for styling, for assistive text and for the browser tests.
(function () {
  "use strict";
  var room = document.getElementById("room");
  if (!room) { return; }
  var strings = document.getElementById("room-strings").dataset;
  var iceServers = [];
  try { iceServers = JSON.parse(document.getElementById("ice-servers").textContent) || []; } catch (e) { iceServers = []; }

  var statusEl = document.getElementById("room-status");
  var qualityEl = document.getElementById("room-quality-label");
  var localVideo = document.getElementById("local-video");
  var remoteBox = document.getElementById("remote-videos");
  var chatLog = document.getElementById("chat-log");
  var peers = {};           // peer id -> {pc, initiator, name, audioOnlyRemote, timer, attempts}
  var myId = null;
  var socket = null;
  var localStream = null;
  var screenTrack = null;
  var audioOnly = room.dataset.audioOnly === "true";
  var CONNECT_TIMEOUT_MS = parseInt(room.dataset.connectTimeoutMs, 10) || 15000;
  var icePolicy = room.dataset.icePolicy === "relay" ? "relay" : "all";

  function say(text) { statusEl.textContent = text; }

  function setRoomState() {
    var states = Object.keys(peers).map(function (id) { return peers[id].pc.connectionState; });
    var state = states.indexOf("connected") >= 0 ? "connected" : (states[0] || "waiting");
    room.dataset.connectionState = state;
    if (state === "connected") { say(strings.connected); }
    else if (state === "waiting") { say(strings.waiting); }
  }

  function send(message) {
    if (socket && socket.readyState === WebSocket.OPEN) { socket.send(JSON.stringify(message)); }
  }

  function signal(to, data) { send({ type: "signal", to: to, data: data }); }

  // --- media -------------------------------------------------------------------------
  function getMedia() {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      return Promise.resolve(new MediaStream());
    }
    return navigator.mediaDevices.getUserMedia({ audio: true, video: !audioOnly })
      .catch(function () {
        return navigator.mediaDevices.getUserMedia({ audio: true, video: false });
      })
      .catch(function () { say(strings.noMedia); return new MediaStream(); });
  }

  function videoSenders(pc) {
    return pc.getTransceivers()
      .filter(function (t) { return t.receiver.track && t.receiver.track.kind === "video"; })
      .map(function (t) { return t.sender; });
  }

  function currentVideoTrack() {
    if (screenTrack) { return screenTrack; }
    if (audioOnly || !localStream) { return null; }
    return localStream.getVideoTracks()[0] || null;
  }

  function limitAudioBitrate(pc, low) {
    pc.getSenders().forEach(function (sender) {
      if (!sender.track || sender.track.kind !== "audio" || !sender.getParameters) { return; }
      var params = sender.getParameters();
      if (!params.encodings || !params.encodings.length) { params.encodings = [{}]; }
      params.encodings[0].maxBitrate = low ? 24000 : 64000;
      sender.setParameters(params).catch(function () {});
    });
  }

  function refreshSenders(id) {
    var peer = peers[id];
    if (!peer) { return; }
    var track = peer.audioOnlyRemote ? null : currentVideoTrack();
    videoSenders(peer.pc).forEach(function (sender) { sender.replaceTrack(track).catch(function () {}); });
    limitAudioBitrate(peer.pc, audioOnly);
  }

  // --- peers ---------------------------------------------------------------------------
  function remoteElement(id, name) {
    var figure = document.getElementById("remote-" + id);
    if (figure) { return figure.querySelector("video"); }
    figure = document.createElement("figure");
    figure.id = "remote-" + id;
    var video = document.createElement("video");
    video.autoplay = true;
    video.playsInline = true;
    var caption = document.createElement("figcaption");
    caption.textContent = name || "";
    figure.appendChild(video);
    figure.appendChild(caption);
    remoteBox.appendChild(figure);
    return video;
  }

  function createPeer(id, name, initiator) {
    var pc = new RTCPeerConnection({ iceServers: iceServers, iceTransportPolicy: icePolicy });
    var peer = { pc: pc, initiator: initiator, name: name, attempts: 0, audioOnlyRemote: false };
    peers[id] = peer;
    if (initiator) {
      localStream.getAudioTracks().forEach(function (track) { pc.addTrack(track, localStream); });
      // Always negotiate a video slot so switching audio/video/screen needs no renegotiation.
      pc.addTransceiver(currentVideoTrack() || "video", { direction: "sendrecv", streams: [localStream] });
      peer.tracksAttached = true;
    }
    pc.onicecandidate = function (event) {
      if (event.candidate) { signal(id, { candidate: event.candidate.toJSON() }); }
    };
    pc.ontrack = function (event) {
      var video = remoteElement(id, peer.name);
      if (event.streams[0]) { video.srcObject = event.streams[0]; return; }
      peer.remoteStream = peer.remoteStream || new MediaStream();
      peer.remoteStream.addTrack(event.track);
      video.srcObject = peer.remoteStream;
    };
    pc.onconnectionstatechange = function () {
      setRoomState();
      if (pc.connectionState === "connected") { clearTimeout(peer.timer); limitAudioBitrate(pc, audioOnly); }
      if (pc.connectionState === "failed") { fallBack(id); }
    };
    peer.timer = setTimeout(function () {
      if (pc.connectionState !== "connected") { fallBack(id); }
    }, CONNECT_TIMEOUT_MS);
    if (audioOnly) { signal(id, { mode: "audio" }); }
    return peer;
  }

  function makeOffer(id, restart) {
    var peer = peers[id];
    peer.pc.createOffer(restart ? { iceRestart: true } : {})
      .then(function (offer) { return peer.pc.setLocalDescription(offer); })
      .then(function () { signal(id, { description: peer.pc.localDescription.toJSON() }); })
      .catch(function () {});
  }

  // First failure: drop to audio only and restart ICE; second: the chat is the fallback.
  function fallBack(id) {
    var peer = peers[id];
    if (!peer) { return; }
    peer.attempts += 1;
    if (peer.attempts === 1) {
      if (!audioOnly) { setAudioOnly(true); say(strings.fallbackAudio); }
      if (peer.initiator) { makeOffer(id, true); }
      peer.timer = setTimeout(function () {
        if (peer.pc.connectionState !== "connected") { fallBack(id); }
      }, CONNECT_TIMEOUT_MS);
    } else {
      room.dataset.fallback = "chat";
      say(strings.fallbackChat);
      var link = document.getElementById("conversation-link");
      if (link) { link.hidden = false; }
      document.getElementById("chat-input").focus();
    }
  }

  function removePeer(id) {
    var peer = peers[id];
    if (!peer) { return; }
    clearTimeout(peer.timer);
    peer.pc.close();
    delete peers[id];
    var figure = document.getElementById("remote-" + id);
    if (figure) { figure.remove(); }
    setRoomState();
  }

  // The answering side sends on the transceivers the offer created (no extra m-lines).
  function attachTracks(peer) {
    if (peer.tracksAttached) { return; }
    peer.tracksAttached = true;
    peer.pc.getTransceivers().forEach(function (t) {
      var kind = t.receiver.track && t.receiver.track.kind;
      var track = kind === "audio" ? (localStream.getAudioTracks()[0] || null)
        : (peer.audioOnlyRemote ? null : currentVideoTrack());
      t.direction = "sendrecv";
      if (t.sender.setStreams) { t.sender.setStreams(localStream); }
      t.sender.replaceTrack(track).catch(function () {});
    });
  }

  function onSignal(from, name, data) {
    var peer = peers[from] || createPeer(from, name, false);
    var pc = peer.pc;
    if (data.mode) {
      peer.audioOnlyRemote = data.mode === "audio";
      refreshSenders(from);
    } else if (data.description) {
      pc.setRemoteDescription(data.description).then(function () {
        if (data.description.type === "offer") {
          attachTracks(peer);
          return pc.createAnswer()
            .then(function (answer) { return pc.setLocalDescription(answer); })
            .then(function () { signal(from, { description: pc.localDescription.toJSON() }); });
        }
      }).catch(function () {});
    } else if (data.candidate) {
      pc.addIceCandidate(data.candidate).catch(function () {});
    }
  }

  // --- controls --------------------------------------------------------------------------
  // The label says what a press does now ("Unmute microphone"); aria-pressed as well made
  // a screen reader say "Unmute microphone, pressed". data-on only styles the button.
  function press(button, pressed, label) {
    button.dataset.on = pressed ? "true" : "false";
    button.textContent = label;
  }

  function setAudioOnly(on) {
    audioOnly = on;
    room.dataset.mode = on ? "audio" : "video";
    press(document.getElementById("audio-only"), on, on ? strings.videoAgain : strings.audioOnly);
    var start = Promise.resolve();
    if (on) {
      if (localStream) {
        localStream.getVideoTracks().forEach(function (track) { track.stop(); localStream.removeTrack(track); });
      }
    } else if (localStream && !localStream.getVideoTracks().length) {
      start = navigator.mediaDevices.getUserMedia({ video: true })
        .then(function (stream) { localStream.addTrack(stream.getVideoTracks()[0]); })
        .catch(function () {});
    }
    start.then(function () {
      Object.keys(peers).forEach(function (id) {
        signal(id, { mode: on ? "audio" : "video" });
        refreshSenders(id);
      });
      localVideo.srcObject = localStream;
    });
  }

  document.getElementById("toggle-mic").addEventListener("click", function (event) {
    var tracks = localStream ? localStream.getAudioTracks() : [];
    var muted = tracks.length && tracks[0].enabled;
    tracks.forEach(function (t) { t.enabled = !muted; });
    press(event.currentTarget, muted, muted ? strings.unmute : strings.mute);
  });

  document.getElementById("toggle-camera").addEventListener("click", function (event) {
    var tracks = localStream ? localStream.getVideoTracks() : [];
    var off = tracks.length && tracks[0].enabled;
    tracks.forEach(function (t) { t.enabled = !off; });
    press(event.currentTarget, off, off ? strings.cameraOn : strings.cameraOff);
  });

  document.getElementById("audio-only").addEventListener("click", function () {
    setAudioOnly(!audioOnly);
  });

  document.getElementById("share-screen").addEventListener("click", function (event) {
    var button = event.currentTarget;
    if (screenTrack) {
      screenTrack.stop();
      screenTrack = null;
      press(button, false, strings.share);
      Object.keys(peers).forEach(refreshSenders);
      return;
    }
    if (!navigator.mediaDevices.getDisplayMedia) { return; }
    navigator.mediaDevices.getDisplayMedia({ video: true }).then(function (stream) {
      screenTrack = stream.getVideoTracks()[0];
      screenTrack.onended = function () { screenTrack = null; press(button, false, strings.share); Object.keys(peers).forEach(refreshSenders); };
      press(button, true, strings.stopShare);
      Object.keys(peers).forEach(refreshSenders);
    }).catch(function () {});
  });

  document.getElementById("chat-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var input = document.getElementById("chat-input");
    var text = input.value.trim();
    if (!text) { return; }
    var id = "room-" + Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 10);
    send({ type: "chat", text: text, client_id: id });
    input.value = "";
  });

  function addChat(name, text) {
    var item = document.createElement("li");
    var who = document.createElement("strong");
    who.textContent = name + ": ";
    item.appendChild(who);
    item.appendChild(document.createTextNode(text));
    chatLog.appendChild(item);
    chatLog.scrollTop = chatLog.scrollHeight;
  }

  // --- connection quality -----------------------------------------------------------------
  function measure() {
    var ids = Object.keys(peers);
    if (!ids.length) { return; }
    Promise.all(ids.map(function (id) { return peers[id].pc.getStats(); })).then(function (reports) {
      var worst = "good";
      reports.forEach(function (report) {
        var rtt = 0, lost = 0, received = 0;
        report.forEach(function (stat) {
          if (stat.type === "candidate-pair" && stat.nominated && stat.currentRoundTripTime) { rtt = stat.currentRoundTripTime; }
          if (stat.type === "inbound-rtp") { lost += stat.packetsLost || 0; received += stat.packetsReceived || 0; }
        });
        var loss = received ? lost / (lost + received) : 0;
        var level = rtt < 0.3 && loss < 0.02 ? "good" : (rtt < 0.6 && loss < 0.08 ? "fair" : "poor");
        if (level === "poor" || (level === "fair" && worst === "good")) { worst = level; }
      });
      room.dataset.quality = worst;
      qualityEl.textContent = strings[worst];
    }).catch(function () {});
  }

  // --- signalling socket -------------------------------------------------------------------
  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + room.dataset.wsPath);
    socket.onmessage = function (event) {
      var message = JSON.parse(event.data);
      if (message.type === "welcome") { myId = message.peer; setRoomState(); }
      else if (message.type === "peer-joined") {
        if (peers[message.peer]) { return; }
        if (Object.keys(peers).length >= 3) { return; }  // mesh of four at most
        createPeer(message.peer, message.name, true);
        makeOffer(message.peer, false);
      } else if (message.type === "peer-left") { removePeer(message.peer); say(strings.left); }
      else if (message.type === "signal") { onSignal(message.from, message.name, message.data); }
      else if (message.type === "chat") { addChat(message.name, message.text); }
      else if (message.type === "chat-error") { say(message.message); }
    };
    socket.onclose = function (event) {
      if (event.code === 4403) { room.dataset.connectionState = "refused"; return; }
      say(strings.reconnecting);
      Object.keys(peers).forEach(removePeer);
      setTimeout(connect, 2000);
    };
  }

  getMedia().then(function (stream) {
    localStream = stream;
    localVideo.srcObject = stream;
    if (audioOnly) { setAudioOnly(true); }
    connect();
    setInterval(measure, 3000);
  });
  window.openmentorRoom = { peers: peers, setAudioOnly: setAudioOnly, me: function () { return myId; } };
})();
