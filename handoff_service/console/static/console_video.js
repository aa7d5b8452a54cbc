// The agent's side of the ticket's room: typing both ways, and the video call (buttons, tiles), on top of web/video.js. console.js calls
// HeardConsoleVideo.show(ticket, mine, streamToken) whenever a ticket is shown; the ids it uses are
// the #video-panel's. The agent stays in the ticket's room between calls, so Start works again after a
// hang-up and a customer who asks to rejoin is heard.
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);
  const video = { ticketId: null, room: null, name: "the customer", streamToken: null };

  function say(text) { $("video-state").textContent = text; }

  function setState(state) {
    document.documentElement.dataset.videoState = state;
    const inCall = state === "connecting" || state === "connected";
    $("video-start").hidden = inCall;
    $("video-end").hidden = !inCall;
    $("video-mute").hidden = !inCall;
    $("video-camera").hidden = !inCall;
    $("video-tiles").hidden = !inCall;
    if (!inCall) {
      $("video-mute").setAttribute("aria-pressed", "false"); $("video-mute").textContent = "Mute";
      $("video-camera").setAttribute("aria-pressed", "false"); $("video-camera").textContent = "Camera off";
    }
  }

  const ENDED = {
    declined: (name) => `${name} chose not to join the video call. Carry on in the chat.`,
    media: (name) => `${name}'s camera or microphone could not be used. Carry on in the chat.`,
    "peer-left": (name) => `${name} left the video call.`,
    failed: () => "The video connection failed. You can start it again.",
  };

  function openRoom(token) {
    const room = window.HeardVideo.openRoom({
      role: "agent", ticketId: video.ticketId, token: token,
      onRoom: (state) => { if (state === "closed" && video.room === room) { video.room = null; setState("idle"); } },
      onPeer: (present) => {
        if (!room.call) { say(present ? `${video.name} is in the chat and can join a video call.` : `${video.name} is not in the chat page right now.`); }
      },
      onRejoinRequest: () => {
        say(`${video.name} would like to restart the video call.`);
        $("video-start").classList.add("attention");
      },
      onTyping: () => {
        const line = $("customer-typing");
        if (!line) { return; }
        line.textContent = `${video.name} is typing…`;
        line.hidden = false;
        clearTimeout(video.typingTimer);
        video.typingTimer = setTimeout(() => { line.hidden = true; }, 5000);
      },
      onStream: (local, remote) => {
        $("video-local").srcObject = local;
        if (remote) { $("video-remote").srcObject = remote; }
      },
      onCall: (state, info) => {
        if (state === "connecting") { setState("connecting"); say(room.peerPresent ? `Calling ${video.name}…` : `Waiting for ${video.name} to join…`); }
        if (state === "connected") { setState("connected"); say("Connected."); }
        if (state === "ended") {
          setState("closed");
          const reason = ENDED[info && info.reason];
          say(reason ? reason(video.name) : "Call ended. You can start it again.");
        }
      },
    });
    video.room = room;
    return room;
  }

  async function start() {
    $("video-start").classList.remove("attention");
    try {
      await joinRoom();
      say("Starting your camera…");
      await video.room.start();
    } catch (error) {
      setState("closed");
      say(error && error.name ? `${window.HeardVideo.mediaErrorText(error)} Carry on in the chat.` : (error.message || "Could not start the call."));
    }
  }

  function toggle(id, on, offText, onText, apply) {
    const button = $(id);
    const pressed = button.getAttribute("aria-pressed") !== "true";
    button.setAttribute("aria-pressed", String(pressed));
    button.textContent = pressed ? onText : offText;
    if (video.room) { apply(pressed); }
  }

  function leave() {
    if (video.room) { video.room.close(); video.room = null; }
    setState("idle");
  }

  // The room is joined for every ticket this agent has claimed: it carries "typing" both ways too.
  // One join at a time: two sockets of the same agent would replace each other in the room.
  function joinRoom() {
    if (video.room && !video.room.closed) { return Promise.resolve(); }
    if (!video.joining) {
      video.joining = video.streamToken()
        .then(({ token }) => { if (!video.room || video.room.closed) { openRoom(token); } })
        .finally(() => { video.joining = null; });
    }
    return video.joining;
  }

  window.HeardConsoleVideo = {
    // ticket: the ticket shown; mine: claimed by this agent; streamToken: () => Promise<{token}>.
    show(ticket, mine, streamToken) {
      const wanted = ticket.preferred_mode === "video" && Boolean(ticket.video_room) && mine;
      const inRoom = mine && ticket.preferred_mode !== "callback";
      $("video-panel").hidden = !wanted;
      if (!inRoom || video.ticketId !== ticket.id) { leave(); }
      if (!inRoom) { video.ticketId = null; return; }
      const fresh = video.ticketId !== ticket.id;
      video.streamToken = streamToken;
      video.ticketId = ticket.id;
      video.name = ticket.customer_first_name || "the customer";
      if (fresh) { joinRoom().catch(() => { /* typing is a nicety; Start tries again */ }); }
      if (!wanted) { return; }
      if (fresh) { say(`${ticket.customer_first_name || "The customer"} asked for a video call.`); }
      $("video-remote-label").textContent = `${ticket.customer_first_name || "Customer"} (customer)`;
    },
  };

  document.addEventListener("DOMContentLoaded", () => {
    $("video-start").addEventListener("click", start);
    // The customer sees "Sam is typing…" (video.js sends at most one signal every 2 s).
    $("reply-text").addEventListener("input", () => { if (video.room && $("reply-text").value.trim()) { video.room.typing(); } });
    $("video-end").addEventListener("click", () => { if (video.room) { video.room.hangUp(); } });
    $("video-mute").addEventListener("click", () => toggle("video-mute", true, "Mute", "Unmute", (m) => video.room.setMuted(m)));
    $("video-camera").addEventListener("click", () => toggle("video-camera", true, "Camera off", "Camera on", (o) => video.room.setCameraOff(o)));
    window.addEventListener("pagehide", leave);
  });
})();
