// Heard's website chat widget. An insurer adds one tag to its pages:
//
//   <script src="https://heard.example/chat/widget.js" data-heard-url="https://heard.example" defer></script>
//
// Optional: data-first-name="Priya" (a logged-in visitor), data-name-param="name" (take the first name from
// the page's ?name=), data-open="true" (start opened). Everything lives in a shadow root, so the host
// page's styles do not leak in and ours do not leak out. Every text (bot, agent, customer, file names,
// the ?name= value) is inserted with textContent: nothing anyone writes is ever read as HTML.
//
// It talks to Rasa's socket.io channel (a signed session from POST /chat/session when the service offers
// one, see docs/architecture.md), keeps the visible history in sessionStorage so a reload restores it,
// sends photos and PDFs to the ticket while a person has the conversation, and runs the video call
// (web/video.js) only after the customer agrees.
(function () {
  "use strict";
  if (window.HeardWidget) { return; }
  const script = document.currentScript;
  const data = (script && script.dataset) || {};
  const base = (data.heardUrl || (script ? new URL(script.src, window.location.href).origin : window.location.origin)).replace(/\/+$/, "");
  const STORE_KEY = "heard-widget:" + base;
  const PERSON = /^(.{1,60}?) \(a person\): ([\s\S]*)$/;
  const TYPING_TIMEOUT_MS = 15000;
  const HISTORY_LIMIT = 200;

  // ---- state kept across reloads (this tab only) ---------------------------------------------------
  function load() {
    try { return JSON.parse(window.sessionStorage.getItem(STORE_KEY)) || {}; } catch (e) { return {}; }
  }
  const saved = load();
  const state = {
    sessionId: saved.sessionId || newId(),
    history: Array.isArray(saved.history) ? saved.history : [],
    ticket: saved.ticket || null,        // {id, token, mode} while a person has (or will have) the conversation
    agentName: saved.agentName || null,  // who the customer is talking with
    open: Boolean(saved.open),
    ended: Boolean(saved.ended),
    token: saved.token || null,          // signed session for Rasa's channel (POST /chat/session)
    firstName: saved.firstName || firstNameFromPage(),
  };

  function newId() {
    return (window.crypto && crypto.randomUUID) ? crypto.randomUUID().replace(/-/g, "") : String(Date.now()) + String(Math.random()).slice(2);
  }

  function firstNameFromPage() {
    if (data.firstName) { return data.firstName.slice(0, 60); }
    if (data.nameParam) {
      const value = new URLSearchParams(window.location.search).get(data.nameParam);
      if (value) { return value.slice(0, 60); }
    }
    return null;
  }

  function save() {
    const history = state.history.slice(-HISTORY_LIMIT);
    try {
      window.sessionStorage.setItem(STORE_KEY, JSON.stringify({
        sessionId: state.sessionId, history: history, ticket: state.ticket, agentName: state.agentName,
        open: state.open, ended: state.ended, token: state.token, firstName: state.firstName,
      }));
    } catch (e) { /* storage full or blocked: the chat works, only a reload forgets */ }
  }

  // ---- DOM (inside a shadow root) -------------------------------------------------------------------
  const host = document.createElement("div");
  host.id = "heard-chat-widget";
  const shadow = host.attachShadow({ mode: "open" });

  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      if (key === "className") { node.className = attrs[key]; } else { node.setAttribute(key, attrs[key]); }
    });
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  const stylesheet = el("link", { rel: "stylesheet", href: base + "/chat/widget.css" });
  const root = el("div", { className: "root" });
  const launcher = el("button", { type: "button", className: "launcher", "aria-expanded": "false", "aria-controls": "heard-panel" });
  const launcherText = el("span", {}, "Chat with us");
  const unread = el("span", { className: "unread", hidden: "" });
  unread.append(el("span", { className: "visually-hidden" }, "new message"));
  launcher.append(launcherText, unread);

  const panel = el("section", { id: "heard-panel", className: "panel", role: "dialog", "aria-label": "Chat with us", hidden: "" });
  const head = el("header", { className: "head" });
  const who = el("div", { className: "who" });
  const title = el("h2", { id: "heard-title" });
  const statusLine = el("p", { className: "status", role: "status" }, "Connecting…");
  who.append(title, statusLine);
  const endButton = el("button", { type: "button", className: "end" }, "End chat");
  const closeButton = el("button", { type: "button", className: "close", "aria-label": "Minimise chat" }, "–");
  head.append(who, endButton, closeButton);

  const messages = el("ol", { className: "messages", "aria-live": "polite", "aria-relevant": "additions", "aria-label": "Conversation" });
  const typing = el("div", { className: "typing", hidden: "", "aria-live": "polite" });
  const confirmBox = el("div", { className: "confirm", hidden: "", role: "alertdialog", "aria-label": "End this chat?" });
  confirmBox.append(el("p", {}, "End this chat? You can start a new one any time."));
  const confirmEnd = el("button", { type: "button", className: "primary" }, "End chat");
  const confirmKeep = el("button", { type: "button" }, "Keep chatting");
  confirmBox.append(confirmEnd, confirmKeep);

  const videoBox = el("section", { className: "video", "aria-label": "Video call", hidden: "" });
  const endedBar = el("div", { className: "ended", hidden: "" });
  const restart = el("button", { type: "button", className: "restart" }, "Start a new chat");
  endedBar.append(el("span", {}, "This chat has ended."), restart);

  const composer = el("form", { className: "composer", autocomplete: "off" });
  const input = el("textarea", { id: "heard-text", rows: "1", maxlength: "4000", placeholder: "Type your message…", "aria-label": "Your message" });
  const attach = el("button", { type: "button", className: "attach", "aria-label": "Send a photo or PDF", hidden: "" }, "📎");
  const fileInput = el("input", { type: "file", accept: "image/jpeg,image/png,image/heic,image/heif,.heic,.heif,application/pdf", hidden: "", "aria-hidden": "true", tabindex: "-1" });
  const sendButton = el("button", { type: "submit", className: "send" }, "Send");
  composer.append(attach, input, sendButton, fileInput);

  panel.append(head, messages, typing, videoBox, confirmBox, endedBar, composer);
  root.append(launcher, panel);
  shadow.append(stylesheet, root);

  // ---- rendering -------------------------------------------------------------------------------------
  function timeText(iso) {
    const date = new Date(iso);
    return isNaN(date) ? "" : date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  }

  function renderHeader() {
    title.replaceChildren();
    if (state.agentName) {
      title.append(document.createTextNode("You're talking with " + state.agentName));
      title.append(el("span", { className: "badge" }, "a person"));
    } else if (state.ticket && state.ticket.mode !== "callback") {
      title.textContent = "Heard · a person will join soon";
    } else {
      title.textContent = "Heard · virtual assistant";
    }
    attach.hidden = !(state.ticket && state.ticket.token) || state.ended;
  }

  function renderItem(item, index) {
    const node = el("li", { className: "message " + item.who });
    node.dataset.index = String(index);
    if (item.who !== "notice" && item.who !== "error") {
      const meta = el("div", { className: "meta" });
      const label = el("span", { className: "label" }, item.label || (item.who === "customer" ? "You" : "Heard"));
      meta.append(label);
      if (item.who === "agent") { meta.append(el("span", { className: "badge" }, "a person")); }
      meta.append(el("time", { datetime: item.at }, timeText(item.at)));
      node.append(meta);
    }
    node.append(el("p", { className: "text" }, item.text));
    if (item.who === "notice" || item.who === "error") {
      node.append(el("time", { datetime: item.at, className: "visually-hidden" }, timeText(item.at)));
    }
    if (item.replies && item.replies.length) {
      node.append(renderReplies(item));
      if (isScore(item.replies)) { node.classList.add("has-score"); }
    }
    return node;
  }

  function isScore(replies) {
    return replies.length === 11 && replies.every(function (reply, i) { return String(reply.payload) === String(i); });
  }

  function renderReplies(item) {
    const score = isScore(item.replies);
    const wrap = el("div", score ? { role: "group", "aria-label": "Your score from 0 (not at all likely) to 10 (extremely likely)" } : {});
    const row = el("div", { className: score ? "score" : "replies" });
    item.replies.forEach(function (reply) {
      const button = el("button", { type: "button" }, reply.title);
      button.addEventListener("click", function () {
        item.replies = null;
        wrap.remove();
        send(reply.title, reply.payload);
      });
      row.append(button);
    });
    wrap.append(row);
    if (score) {
      const ends = el("div", { className: "score-ends", "aria-hidden": "true" });
      ends.append(el("span", {}, "Not at all likely"), el("span", {}, "Extremely likely"));
      wrap.append(ends);
    }
    return wrap;
  }

  function scrollToNewest() {
    messages.scrollTop = messages.scrollHeight;
    const last = messages.lastElementChild;
    if (last && last.scrollIntoView) { last.scrollIntoView({ block: "end" }); }
  }

  function add(item) {
    item.at = item.at || new Date().toISOString();
    // Only the newest message keeps its buttons: older choices are no longer the question.
    state.history.forEach(function (old) { old.replies = null; });
    messages.querySelectorAll(".replies, .score").forEach(function (row) { row.parentElement.remove(); });
    state.history.push(item);
    messages.append(renderItem(item, state.history.length - 1));
    save();
    scrollToNewest();
    if (panel.hidden && item.who !== "customer") { unread.hidden = false; }
    return item;
  }

  function renderAll() {
    messages.replaceChildren();
    state.history.forEach(function (item, i) { messages.append(renderItem(item, i)); });
    renderHeader();
    endedBar.hidden = !state.ended;
    scrollToNewest();
  }

  function setOpen(open) {
    state.open = open;
    panel.hidden = !open;
    launcher.hidden = open;
    launcher.setAttribute("aria-expanded", String(open));
    if (open) { unread.hidden = true; input.focus(); scrollToNewest(); } else { launcher.focus(); }
    save();
  }

  // ---- typing indicator: shown while Heard is working on a reply --------------------------------------
  let typingTimer = null;
  function showTyping(name, forMs) {
    typing.replaceChildren(document.createTextNode(name + " is typing"), el("span", { className: "dots", "aria-hidden": "true" }));
    typing.hidden = false;
    clearTimeout(typingTimer);
    typingTimer = setTimeout(hideTyping, forMs || TYPING_TIMEOUT_MS);
  }
  function hideTyping() { clearTimeout(typingTimer); typing.hidden = true; }

  // ---- the connection to Rasa -------------------------------------------------------------------------
  let socket = null;
  let config = null;

  function loadScript(src) {
    return new Promise(function (resolve, reject) {
      const tag = document.createElement("script");
      tag.src = src; tag.async = true; tag.onload = resolve; tag.onerror = reject;
      document.head.appendChild(tag);
    });
  }

  function fetchConfig() {
    return fetch(base + "/chat/config.json", { credentials: "omit" }).then(function (r) { return r.json(); });
  }

  // A signed session when the service offers one; without it (embedded development) the chat still works.
  function fetchSession() {
    if (state.token && state.token.expires_at && Date.parse(state.token.expires_at) > Date.now() + 60000) {
      return Promise.resolve(state.token);
    }
    return fetch(base + "/chat/session", {
      method: "POST", credentials: "omit", headers: { "Content-Type": "application/json" },
      body: JSON.stringify(data.identity ? { identity: data.identity } : {}),
    }).then(function (r) { return r.ok ? r.json() : null; }).catch(function () { return null; }).then(function (session) {
      if (session && session.token) {
        state.token = session;
        if (session.sender_id) { state.sessionId = session.sender_id; }
        save();
      }
      return state.token;
    });
  }

  function connect() {
    statusLine.textContent = "Connecting…";
    const ready = Promise.all([
      window.io ? null : loadScript(base + "/chat/vendor/socket.io-4.7.5.min.js"),
      window.HeardVideo ? null : loadScript(base + "/chat/video.js"),
    ]);
    Promise.all([fetchConfig(), ready]).then(function (results) {
      config = results[0];
      return fetchSession();
    }).then(function (session) {
      const options = { path: "/socket.io", transports: ["websocket", "polling"] };
      if (session && session.token) { options.auth = { token: session.token }; }
      socket = window.io(config.rasaUrl, options);
      socket.on("connect", function () {
        const request = { session_id: state.sessionId };
        if (session && session.token) { request.token = session.token; }
        socket.emit("session_request", request);
      });
      socket.on("session_confirm", function () {
        statusLine.textContent = state.agentName ? "A person is here to help." : "Connected. You can ask for a person any time.";
      });
      socket.on("disconnect", function () { statusLine.textContent = "Connection lost — reconnecting…"; });
      socket.on("bot_uttered", onBotMessage);
      if (state.ticket && state.ticket.mode !== "callback" && !state.ended) { video.enter(); }
    }).catch(function () {
      statusLine.textContent = "The chat is unavailable right now. Please try again shortly.";
    });
  }

  function onBotMessage(message) {
    if (!message) { return; }
    if (message.handoff) { onHandoff(message.handoff); return; }
    if (message.handoff_ended) { onHandoffEnded(); return; }
    if (!message.text) { return; }
    hideTyping();
    const person = PERSON.exec(message.text);
    const replies = (message.quick_replies || message.buttons || []).map(function (b) {
      return { title: String(b.title), payload: String(b.payload) };
    });
    if (person) {
      if (state.agentName !== person[1]) { state.agentName = person[1]; renderHeader(); statusLine.textContent = "A person is here to help."; }
      add({ who: "agent", label: person[1], text: person[2], replies: replies });
    } else {
      add({ who: "bot", label: "Heard", text: message.text, replies: replies });
    }
  }

  function onHandoff(handoff) {
    if (!handoff || !handoff.ticket_id) { return; }
    state.ticket = { id: handoff.ticket_id, token: handoff.customer_token || null, mode: handoff.mode || "chat" };
    save();
    renderHeader();
    // The ticket's room carries typing both ways, and the video call when one is wanted.
    if (state.ticket.mode !== "callback") { video.enter(); }
  }

  function onHandoffEnded() {
    state.ticket = null;
    state.agentName = null;
    save();
    video.leave();
    renderHeader();
    statusLine.textContent = "Connected. You can ask for a person any time.";
  }

  function send(text, payload) {
    if (!socket) {
      add({ who: "error", text: "Still connecting — please send that again in a moment." });
      return;
    }
    add({ who: "customer", label: "You", text: text });
    const customData = state.firstName ? { first_name: state.firstName } : {};
    socket.emit("user_uttered", { message: payload || text, session_id: state.sessionId, customData: customData });
    // A person types their own replies; Heard answers straight away.
    if (!state.ticket) { showTyping("Heard"); }
  }

  // ---- attachments --------------------------------------------------------------------------------------
  function sizeText(bytes) {
    return bytes >= 1048576 ? (bytes / 1048576).toFixed(1) + " MB" : Math.max(1, Math.round(bytes / 1024)) + " KB";
  }

  function upload(file) {
    const ticket = state.ticket;
    if (!file || !ticket || !ticket.token) { return; }
    const limit = (config && config.attachmentMaxBytes) || 0;
    if (limit && file.size > limit) {
      add({ who: "error", text: "“" + file.name + "” is too large to send (" + sizeText(file.size) + "; the limit is " + sizeText(limit) + ")." });
      return;
    }
    const item = add({ who: "customer", label: "You", text: "Sending “" + file.name + "” (" + sizeText(file.size) + ")…" });
    const api = (config && config.handoffUrl) || base;
    fetch(api + "/api/v1/tickets/" + encodeURIComponent(ticket.id) + "/attachments?name=" + encodeURIComponent(file.name), {
      method: "POST", credentials: "omit", body: file,
      headers: { "Authorization": "Bearer " + ticket.token, "Content-Type": "application/octet-stream" },
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        if (!response.ok) { throw new Error(typeof body.detail === "string" ? body.detail : "The file could not be sent."); }
        return body;
      });
    }).then(function (body) {
      item.text = "Sent “" + body.file_name + "” (" + sizeText(body.size_bytes) + ")";
      item.file = { id: body.id, type: body.content_type };
      save();
      renderAll();
    }, function (error) {
      item.text = "Could not send “" + file.name + "”";
      save();
      renderAll();
      add({ who: "error", text: error.message + " Please try another file, or describe it in the chat." });
    });
  }

  // ---- video call (customer side) --------------------------------------------------------------------------
  const video = (function () {
    let room = null;
    let lastEnd = null;
    let retries = 0;
    const MAX_ROOM_RETRIES = 5;
    function agent() { return state.agentName || "Your colleague"; }

    function setVideoState(value) { host.dataset.videoState = value; }

    function button(text, className, onClick, attrs) {
      const node = el("button", Object.assign({ type: "button", className: className || "" }, attrs || {}), text);
      node.addEventListener("click", onClick);
      return node;
    }

    function lobby(message) {
      videoBox.hidden = false;
      const parts = [el("p", {}, message || (agent() + " can start a video call here. We'll ask you before your camera or microphone turn on."))];
      if (lastEnd) {
        parts.push(el("div", { className: "actions" }, null));
        parts[1].append(button("Ask to rejoin the video call", "primary rejoin", function () {
          if (room) { room.askToRejoin(); }
          lobby(agent() + " has been asked to restart the call. We'll ask you before your camera turns on.");
        }));
      }
      videoBox.replaceChildren.apply(videoBox, parts);
    }

    function invite() {
      setVideoState("invited");
      videoBox.hidden = false;
      const actions = el("div", { className: "actions" });
      actions.append(button("Join video call", "primary join", join), button("Not now", "decline", function () {
        room.decline();
        lastEnd = "declined";
        setVideoState("closed");
        lobby("No problem — carry on in the chat. You can ask to rejoin the video call any time.");
      }));
      videoBox.replaceChildren(el("p", { className: "consent" },
        agent() + " would like to start a video call. Your camera and microphone turn on only if you join."), actions);
      const joinButton = videoBox.querySelector(".join");
      if (joinButton && !panel.hidden) { joinButton.focus(); }
    }

    function join() {
      videoBox.replaceChildren(el("p", {}, "Starting your camera and microphone…"));
      room.answer().catch(function (error) {
        lastEnd = "media";
        setVideoState("failed");
        const text = window.HeardVideo.mediaErrorText(error) + " You can carry on here in the chat.";
        lobby();
        videoBox.prepend(el("p", { className: "alert", role: "alert" }, text));
      });
    }

    function inCall() {
      const tiles = el("div", { className: "tiles" });
      const remote = el("figure", {});
      const remoteVideo = el("video", { autoplay: "", playsinline: "", "aria-label": "Video of " + agent() });
      remote.append(remoteVideo, el("figcaption", {}, agent() + " (a person)"));
      const local = el("figure", {});
      const localVideo = el("video", { autoplay: "", playsinline: "", muted: "", "aria-label": "Your camera" });
      localVideo.muted = true;
      local.append(localVideo, el("figcaption", {}, "You"));
      tiles.append(remote, local);
      const controls = el("div", { className: "controls" });
      const mute = button("Mute", "mute", function () {
        const on = mute.getAttribute("aria-pressed") !== "true";
        mute.setAttribute("aria-pressed", String(on)); mute.textContent = on ? "Unmute" : "Mute";
        room.setMuted(on);
      }, { "aria-pressed": "false" });
      const camera = button("Camera off", "camera", function () {
        const off = camera.getAttribute("aria-pressed") !== "true";
        camera.setAttribute("aria-pressed", String(off)); camera.textContent = off ? "Camera on" : "Camera off";
        room.setCameraOff(off);
      }, { "aria-pressed": "false" });
      controls.append(mute, camera, button("Hang up", "hang-up", function () { room.hangUp(); }));
      videoBox.replaceChildren(tiles, controls);
      return { remote: remoteVideo, local: localVideo };
    }

    let tiles = null;
    function enter() {
      if (room || state.ended || !state.ticket || !state.ticket.token || !window.HeardVideo) { return; }
      setVideoState("idle");
      if (state.ticket.mode === "video") { lobby(); }
      room = window.HeardVideo.openRoom({
        role: "customer", ticketId: state.ticket.id, token: state.ticket.token, base: (config && config.handoffUrl) || base,
        iceServers: config && config.iceServers,
        onRoom: function (s, code) {
          if (s !== "closed") { return; }
          room = null;
          // A dropped connection is rejoined; a refusal (1008: the ticket is closed) is final.
          if (code !== 1008 && retries < MAX_ROOM_RETRIES && state.ticket) {
            retries += 1;
            setTimeout(enter, 3000);
          }
        },
        onInvite: function () { retries = 0; invite(); },
        onTyping: function () { showTyping(agent(), 5000); },
        onStream: function (localStream, remoteStream) {
          if (!tiles) { tiles = inCall(); }
          tiles.local.srcObject = localStream;
          if (remoteStream) { tiles.remote.srcObject = remoteStream; }
        },
        onCall: function (s, info) {
          if (s === "connecting") { setVideoState("connecting"); if (!tiles) { tiles = inCall(); } }
          if (s === "connected") { setVideoState("connected"); }
          if (s === "ended") {
            tiles = null;
            lastEnd = (info && info.reason) || "ended";
            setVideoState("closed");
            lobby("The video call has ended. You can carry on in the chat, or ask to rejoin.");
          }
        },
      });
    }

    function leave() {
      if (room) { const r = room; room = null; r.close(); }
      tiles = null; lastEnd = null;
      videoBox.hidden = true;
      videoBox.replaceChildren();
      setVideoState("idle");
    }
    function typing() { if (room) { room.typing(); } }
    return { enter: enter, leave: leave, typing: typing };
  })();

  // ---- wiring ----------------------------------------------------------------------------------------------
  launcher.addEventListener("click", function () { setOpen(true); });
  closeButton.addEventListener("click", function () { setOpen(false); });
  panel.addEventListener("keydown", function (event) { if (event.key === "Escape") { setOpen(false); } });
  composer.addEventListener("submit", function (event) {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) { return; }
    input.value = "";
    send(text);
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) { event.preventDefault(); composer.requestSubmit(); }
  });
  // While a person has the conversation they see "Priya is typing…" (sent at most every 2 s, see video.js).
  input.addEventListener("input", function () { if (state.ticket && input.value.trim()) { video.typing(); } });
  attach.addEventListener("click", function () { fileInput.click(); });
  fileInput.addEventListener("change", function () {
    const file = fileInput.files && fileInput.files[0];
    fileInput.value = "";
    upload(file);
  });
  endButton.addEventListener("click", function () { confirmBox.hidden = false; confirmEnd.focus(); });
  confirmKeep.addEventListener("click", function () { confirmBox.hidden = true; input.focus(); });
  confirmEnd.addEventListener("click", function () {
    confirmBox.hidden = true;
    // Goodbye ends the conversation the way a customer would: the bot says goodbye (asking for a score
    // once), and a waiting request is cancelled. The composer stays for the score.
    send("Goodbye");
    video.leave();
    state.ended = true;
    save();
    renderAll();
  });
  restart.addEventListener("click", function () {
    video.leave();
    state.history = []; state.ticket = null; state.agentName = null; state.ended = false;
    state.sessionId = newId(); state.token = null;
    save();
    if (socket) { socket.disconnect(); socket = null; }
    greet();
    renderAll();
    connect();
  });

  function greet() {
    add({ who: "bot", label: "Heard", text: (state.firstName ? "Hi " + state.firstName + ". " : "Hi. ") +
      "I'm Heard, a virtual assistant for your insurance. Tell me what's happened or what you need, " +
      "and you can ask for a person at any time." });
  }

  function start() {
    document.body.appendChild(host);
    if (!state.history.length) { greet(); }
    renderAll();
    setOpen(state.open || data.open === "true");
    connect();
  }

  window.HeardWidget = {
    open: function () { setOpen(true); },
    close: function () { setOpen(false); },
    // For tests and host pages: the Rasa sender id of this visitor.
    sessionId: function () { return state.sessionId; },
  };
  if (document.body) { start(); } else { document.addEventListener("DOMContentLoaded", start); }
})();
