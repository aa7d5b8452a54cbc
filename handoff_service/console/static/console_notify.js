// New conversations are announced: always in the queue's live region (screen readers), and, if the agent opts
// in, with a short sound and a desktop notice. The choices are kept in this browser (localStorage).
"use strict";

(() => {
  const C = window.HeardConsole;
  const PREFS = "heard-alerts";
  let audio = null;

  function prefs() {
    try { return JSON.parse(localStorage.getItem(PREFS) || "{}"); } catch (error) { return {}; }
  }

  function save(change) { localStorage.setItem(PREFS, JSON.stringify({ ...prefs(), ...change })); }

  function chime() {
    // Two soft tones from the Web Audio API: no sound file to load.
    audio = audio || new (window.AudioContext || window.webkitAudioContext)();
    const now = audio.currentTime;
    [660, 880].forEach((frequency, i) => {
      const tone = audio.createOscillator(); const gain = audio.createGain();
      tone.frequency.value = frequency;
      gain.gain.setValueAtTime(0.0001, now + i * 0.18);
      gain.gain.exponentialRampToValueAtTime(0.15, now + i * 0.18 + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, now + i * 0.18 + 0.16);
      tone.connect(gain).connect(audio.destination);
      tone.start(now + i * 0.18); tone.stop(now + i * 0.18 + 0.2);
    });
  }

  function describe(t) {
    const reason = (t.reasons || [])[0] || (t.trigger || "").replace(/_/g, " ");
    return `New conversation: ${t.customer_first_name || "a customer"}, ${t.priority}${reason ? `, ${reason}` : ""}`;
  }

  function announce(ticket) {
    const text = describe(ticket);
    C.$("queue-announcer").textContent = text;
    document.documentElement.dataset.lastAnnouncement = text;
    const { sound, desktop } = prefs();
    if (sound) { try { chime(); } catch (error) { /* no audio device */ } }
    if (desktop && "Notification" in window && Notification.permission === "granted") {
      const notice = new Notification("Heard: someone is waiting", { body: text, tag: `heard-ticket-${ticket.id}` });
      notice.onclick = () => { window.focus(); notice.close(); };
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    const { sound, desktop } = prefs();
    C.$("alert-sound").checked = Boolean(sound);
    C.$("alert-desktop").checked = Boolean(desktop) && "Notification" in window && Notification.permission === "granted";
    C.$("alert-sound").addEventListener("change", (e) => {
      save({ sound: e.target.checked });
      if (e.target.checked) { try { chime(); } catch (error) { /* no audio device */ } }  // a sample, and unlocks audio
    });
    C.$("alert-desktop").addEventListener("change", async (e) => {
      if (!e.target.checked) { save({ desktop: false }); return; }
      if (!("Notification" in window)) { e.target.checked = false; return; }
      const permission = await Notification.requestPermission();
      e.target.checked = permission === "granted";
      save({ desktop: e.target.checked });
    });
  });

  C.on("queue-arrived", announce);
})();
