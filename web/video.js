// The ticket's room: "typing" both ways while a person has the conversation, and click-to-video, a WebRTC call between the customer's browser (website widget) and the agent's console.
// The handoff service only relays the call set-up (offer, answer, ICE candidates) over a WebSocket; audio
// and video flow directly between the two browsers. Shared by web/widget.js and the console.
//
// A "room" is the signalling socket of one ticket. Each side stays in the room while the ticket is open,
// and calls start and end inside it, so a call can be restarted by the agent or asked for again by the
// customer (the agent's second Start used to wait forever: the customer had left with the first call).
// The token is the socket's first message, never part of the URL (proxies and logs keep URLs).
// Every offer carries a call id; answers and candidates of an older call are ignored.
(function () {
  "use strict";
  const TYPING_EVERY_MS = 2000;

  function signalUrl(base, ticketId) {
    const config = window.HEARD_CONFIG || {};
    const origin = (base || config.handoffUrl || window.location.origin).replace(/^http/, "ws");
    return origin + "/api/v1/video/" + encodeURIComponent(ticketId) + "/signal";
  }

  // What to tell a person whose camera or microphone could not be used, by the browser's error name.
  const MEDIA_ERRORS = {
    NotAllowedError: "Your browser did not allow the camera and microphone.",
    SecurityError: "Your browser did not allow the camera and microphone.",
    NotFoundError: "No camera or microphone was found on this device.",
    NotReadableError: "The camera or microphone is in use by another app.",
    OverconstrainedError: "The camera could not be started.",
  };

  function mediaErrorText(error) {
    return MEDIA_ERRORS[error && error.name] || "The camera and microphone could not be started.";
  }

  // Camera and microphone; a device without a camera still joins with sound.
  function getMedia() {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      return Promise.reject({ name: "NotFoundError" });
    }
    return navigator.mediaDevices.getUserMedia({ video: true, audio: true }).catch(function (error) {
      if (error && error.name === "NotFoundError") {
        return navigator.mediaDevices.getUserMedia({ video: false, audio: true });
      }
      throw error;
    });
  }

  function newCallId() {
    return (window.crypto && crypto.randomUUID) ? crypto.randomUUID() : String(Date.now()) + Math.random();
  }

  // options: role ("agent" | "customer"), ticketId, token, base, and callbacks:
  //   onRoom(state)        "open" | "closed"
  //   onPeer(present)      the other side joined (true) or left (false)
  //   onInvite()           customer: the agent is calling (ask for consent, then call room.answer())
  //   onRejoinRequest()    agent: the customer asks to restart the call
  //   onCall(state, info)  "connecting" | "connected" | "ended" (info.reason: "declined", "media", ...)
  //   onStream(local, remote)
  function openRoom(options) {
    const ws = new WebSocket(signalUrl(options.base, options.ticketId));
    const room = { ws: ws, peerPresent: false, call: null, closed: false };
    const notify = function (name) {
      const handler = options[name];
      if (handler) { handler.apply(null, Array.prototype.slice.call(arguments, 1)); }
    };
    const send = function (message) { if (ws.readyState === 1) { ws.send(JSON.stringify(message)); } };
    room.send = send;

    ws.onopen = function () {
      send({ type: "auth", token: options.token });
      notify("onRoom", "open");
    };
    ws.onclose = function (event) {
      room.closed = true;
      endCall("closed", false);
      // 1008: the service refused this token or ticket (closed, not assigned): trying again will not help.
      notify("onRoom", "closed", event.code);
    };

    function newPeer(callId, stream) {
      const pc = new RTCPeerConnection({ iceServers: options.iceServers || (window.HEARD_CONFIG || {}).iceServers || [] });
      const call = { id: callId, pc: pc, stream: stream, pending: [], state: "connecting", muted: false, cameraOff: false };
      pc.onicecandidate = function (event) {
        if (event.candidate) { send({ type: "candidate", call: callId, candidate: event.candidate }); }
      };
      pc.ontrack = function (event) { call.remote = event.streams[0]; notify("onStream", stream, call.remote); };
      pc.onconnectionstatechange = function () {
        if (room.call !== call) { return; }
        if (pc.connectionState === "connected" && call.state !== "connected") {
          call.state = "connected";
          if (options.role === "agent") { send({ type: "call", state: "started" }); }
          notify("onCall", "connected", {});
        } else if (pc.connectionState === "failed") {
          endCall("failed", true);
        }
      };
      stream.getTracks().forEach(function (track) { pc.addTrack(track, stream); });
      notify("onStream", stream, null);
      return call;
    }

    function addCandidate(call, candidate) {
      if (call.pc.remoteDescription) { call.pc.addIceCandidate(candidate).catch(function () {}); }
      else { call.pending.push(candidate); }
    }

    function flushCandidates(call) {
      call.pending.splice(0).forEach(function (candidate) { call.pc.addIceCandidate(candidate).catch(function () {}); });
    }

    function endCall(reason, tellPeer) {
      const call = room.call;
      if (!call) { return; }
      room.call = null;
      if (tellPeer) { send({ type: "hangup", call: call.id, reason: reason }); }
      if (options.role === "agent" && call.state === "connected") { send({ type: "call", state: "ended" }); }
      call.pc.close();
      call.stream.getTracks().forEach(function (track) { track.stop(); });
      notify("onCall", "ended", { reason: reason });
    }

    function makeOffer() {
      const call = room.call;
      if (!call || call.offered || !room.peerPresent) { return; }
      call.offered = true;
      call.pc.createOffer()
        .then(function (offer) { return call.pc.setLocalDescription(offer); })
        .then(function () { send({ type: "description", call: call.id, description: call.pc.localDescription }); });
    }

    ws.onmessage = function (event) {
      let message;
      try { message = JSON.parse(event.data); } catch (e) { return; }
      const call = room.call;
      if (message.type === "ready") {
        room.peerPresent = true;
        notify("onPeer", true);
        if (options.role === "agent") { makeOffer(); }
      } else if (message.type === "peer-left") {
        room.peerPresent = false;
        notify("onPeer", false);
        if (call) { endCall("peer-left", false); }
        if (options.role === "agent" && call) { room.wanted = false; }
      } else if (message.type === "description" && message.description) {
        if (message.description.type === "offer" && options.role === "customer") {
          // A new call from the agent: nothing starts until the customer agrees.
          if (call) { endCall("replaced", false); }
          room.invite = message;
          room.invitePending = [];
          notify("onInvite");
        } else if (message.description.type === "answer" && call && message.call === call.id) {
          call.pc.setRemoteDescription(message.description).then(function () { flushCandidates(call); });
        }
      } else if (message.type === "candidate") {
        if (call && message.call === call.id) { addCandidate(call, message.candidate); }
        else if (room.invite && message.call === room.invite.call) { room.invitePending.push(message.candidate); }
      } else if (message.type === "hangup") {
        if (room.invite && message.call === room.invite.call) { room.invite = null; notify("onCall", "ended", { reason: "cancelled" }); }
        if (call && (!message.call || message.call === call.id)) { endCall(message.reason || "hung-up", false); }
      } else if (message.type === "rejoin" && options.role === "agent") {
        notify("onRejoinRequest");
      } else if (message.type === "typing") {
        notify("onTyping");
      }
    };

    // Agent: start (or restart) a call; the offer goes out as soon as the customer is in the room.
    room.start = function () {
      if (room.call) { return Promise.resolve(); }
      return getMedia().then(function (stream) {
        room.call = newPeer(newCallId(), stream);
        notify("onCall", "connecting", {});
        makeOffer();
      });
    };

    // Customer: join the call the agent offered (after consent). Rejects with the media error.
    room.answer = function () {
      const invite = room.invite;
      if (!invite) { return Promise.reject({ name: "NoInvite" }); }
      return getMedia().then(function (stream) {
        if (room.invite !== invite) { stream.getTracks().forEach(function (t) { t.stop(); }); return; }
        room.invite = null;
        const call = newPeer(invite.call, stream);
        call.pending = room.invitePending || [];
        room.call = call;
        notify("onCall", "connecting", {});
        return call.pc.setRemoteDescription(invite.description)
          .then(function () { flushCandidates(call); return call.pc.createAnswer(); })
          .then(function (answer) { return call.pc.setLocalDescription(answer); })
          .then(function () { send({ type: "description", call: call.id, description: call.pc.localDescription }); });
      }, function (error) {
        // Say no to this call so the agent is not left waiting, and let the chat carry on.
        send({ type: "hangup", call: invite.call, reason: "media" });
        room.invite = null;
        throw error;
      });
    };

    room.decline = function () {
      if (room.invite) { send({ type: "hangup", call: room.invite.call, reason: "declined" }); room.invite = null; }
    };
    room.askToRejoin = function () { send({ type: "rejoin" }); };
    // "Typing…" for the other side; at most one every TYPING_EVERY_MS, however fast the keys.
    let lastTyping = 0;
    room.typing = function () {
      const now = Date.now();
      if (now - lastTyping >= TYPING_EVERY_MS) { lastTyping = now; send({ type: "typing" }); }
    };
    room.hangUp = function () { endCall("hung-up", true); };
    room.setMuted = function (muted) {
      if (!room.call) { return; }
      room.call.muted = muted;
      room.call.stream.getAudioTracks().forEach(function (t) { t.enabled = !muted; });
    };
    room.setCameraOff = function (off) {
      if (!room.call) { return; }
      room.call.cameraOff = off;
      room.call.stream.getVideoTracks().forEach(function (t) { t.enabled = !off; });
    };
    room.close = function () {
      endCall("closed", true);
      room.closed = true;
      ws.close();
    };
    return room;
  }

  window.HeardVideo = { openRoom: openRoom, getMedia: getMedia, mediaErrorText: mediaErrorText };
})();
