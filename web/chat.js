// Website chat over Rasa's socket.io channel. Every text is inserted with textContent: nothing a
// customer, an agent or the bot writes is ever interpreted as HTML.
(function () {
  "use strict";
  const config = window.HEARD_CONFIG || {};
  const messages = document.getElementById("messages");
  const statusLine = document.getElementById("status");
  const form = document.getElementById("composer");
  const input = document.getElementById("text");
  const params = new URLSearchParams(window.location.search);

  function sessionId() {
    let id = window.localStorage.getItem("heard-session");
    if (!id) {
      id = (window.crypto && crypto.randomUUID) ? crypto.randomUUID() : String(Date.now()) + Math.random();
      window.localStorage.setItem("heard-session", id);
    }
    return id;
  }

  const session = sessionId();
  const customData = params.get("name") ? { first_name: params.get("name") } : {};
  const socket = window.io(config.rasaUrl, { path: "/socket.io", transports: ["websocket", "polling"] });

  function show(text, who, label) {
    const item = document.createElement("li");
    item.className = "message " + who;
    if (label) {
      const name = document.createElement("span");
      name.className = "who";
      name.textContent = label;
      item.appendChild(name);
    }
    item.appendChild(document.createTextNode(text));
    messages.appendChild(item);
    messages.scrollTop = messages.scrollHeight;
    return item;
  }

  function send(text, payload) {
    show(text, "customer");
    socket.emit("user_uttered", { message: payload || text, session_id: session, customData: customData });
  }

  function showButtons(item, quickReplies) {
    const row = document.createElement("div");
    row.className = "buttons";
    quickReplies.forEach(function (reply) {
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = reply.title;
      button.addEventListener("click", function () {
        row.remove();
        send(reply.title, reply.payload);
      });
      row.appendChild(button);
    });
    item.appendChild(row);
  }

  // A first line straight away, so nobody faces an empty window wondering whether anyone is there.
  show((customData.first_name ? "Hi " + customData.first_name + ". " : "Hi. ") +
       "I'm Heard, a virtual assistant for your insurance. Tell me what's happened or what you need, " +
       "and you can ask for a person at any time.", "bot", "Heard");

  socket.on("connect", function () {
    socket.emit("session_request", { session_id: session });
  });
  socket.on("session_confirm", function () {
    statusLine.textContent = "Connected. A person can join whenever you need one.";
  });
  socket.on("disconnect", function () {
    statusLine.textContent = "Connection lost — reconnecting…";
  });
  socket.on("bot_uttered", function (message) {
    if (message.handoff) {
      window.HeardVideo && window.HeardVideo.onHandoff(message.handoff);
      return;
    }
    if (!message.text) { return; }
    // Agents' replies come through the same channel, introduced by name (see docs/architecture.md).
    const fromPerson = /^\S.{0,60} \(a person\): /.test(message.text);
    const item = fromPerson
      ? show(message.text.replace(/^(.{1,60}?) \(a person\): /, ""), "agent", message.text.match(/^(.{1,60}?) \(a person\): /)[1] + " (a person)")
      : show(message.text, "bot", "Heard");
    if (message.quick_replies && message.quick_replies.length) { showButtons(item, message.quick_replies); }
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) { return; }
    input.value = "";
    send(text);
  });
})();
