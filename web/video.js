// Click-to-video: a WebRTC call between the customer's browser and the agent's console. The
// handoff service only relays the call set-up (offer, answer, ICE candidates) over a WebSocket;
// audio and video flow directly between the two browsers.
(function () {
  "use strict";
  const config = window.HEARD_CONFIG || {};

  function signalUrl(ticketId, token) {
    const base = (config.handoffUrl || window.location.origin).replace(/^http/, "ws");
    return base + "/api/v1/video/" + encodeURIComponent(ticketId) + "/signal?token=" + encodeURIComponent(token);
  }

  // role "agent" makes the offer once both sides are in the room; "customer" answers.
  function startCall(options) {
    const pc = new RTCPeerConnection({ iceServers: config.iceServers || [] });
    const ws = new WebSocket(signalUrl(options.ticketId, options.token));
    const call = { pc: pc, ws: ws, state: "connecting" };
    const sendSignal = function (message) { if (ws.readyState === 1) { ws.send(JSON.stringify(message)); } };

    pc.onicecandidate = function (event) { if (event.candidate) { sendSignal({ type: "candidate", candidate: event.candidate }); } };
    pc.ontrack = function (event) { if (options.remoteVideo) { options.remoteVideo.srcObject = event.streams[0]; } };
    pc.onconnectionstatechange = function () {
      call.state = pc.connectionState;
      document.documentElement.dataset.videoState = pc.connectionState;
      options.onState && options.onState(pc.connectionState);
    };

    const media = navigator.mediaDevices.getUserMedia({ video: true, audio: true }).then(function (stream) {
      stream.getTracks().forEach(function (track) { pc.addTrack(track, stream); });
      if (options.localVideo) { options.localVideo.srcObject = stream; }
      call.stream = stream;
    });

    ws.onmessage = function (event) {
      const message = JSON.parse(event.data);
      media.then(function () {
        if (message.type === "ready" && options.role === "agent") {
          return pc.createOffer().then(function (offer) { return pc.setLocalDescription(offer); })
            .then(function () { sendSignal({ type: "description", description: pc.localDescription }); });
        }
        if (message.type === "description") {
          return pc.setRemoteDescription(message.description).then(function () {
            if (message.description.type === "offer") {
              return pc.createAnswer().then(function (answer) { return pc.setLocalDescription(answer); })
                .then(function () { sendSignal({ type: "description", description: pc.localDescription }); });
            }
          });
        }
        if (message.type === "candidate") { return pc.addIceCandidate(message.candidate); }
        if (message.type === "hangup") { call.hangUp(); }
      });
    };
    call.hangUp = function () {
      if (call.state === "closed") { return; }
      call.state = "closed";
      // close() fires no connectionstatechange, so the state is set here.
      document.documentElement.dataset.videoState = "closed";
      sendSignal({ type: "hangup" });
      pc.close();
      ws.close();
      if (call.stream) { call.stream.getTracks().forEach(function (track) { track.stop(); }); }
      options.onState && options.onState("closed");
    };
    return call;
  }

  window.HeardVideo = {
    startCall: startCall,
    // Called by the website chat when the bot hands the conversation to a person.
    onHandoff: function (handoff) {
      if (handoff.mode !== "video" || !handoff.ticket_id) { return; }
      const section = document.getElementById("video");
      if (!section) { return; }
      section.hidden = false;
      const call = startCall({
        role: "customer", ticketId: handoff.ticket_id, token: handoff.customer_token,
        localVideo: document.getElementById("local-video"),
        remoteVideo: document.getElementById("remote-video"),
        onState: function (state) { if (state === "closed") { section.hidden = true; } },
      });
      document.getElementById("hang-up").onclick = function () { call.hangUp(); };
    },
  };
})();
