// Heard agent console: session, queue, ticket, replies, live updates. Vanilla JS, no build step.
// Every piece of customer-supplied text is inserted with textContent (never innerHTML).
// Other console scripts (console_assist.js, console_chart.js, console_notify.js, H4's console_attachments.js)
// use window.HeardConsole: api(), state, el(), $, and on(event, fn) for "start", "ticket", "message",
// "queue-arrived", "note", "sent".
"use strict";

const API = "/api/v1";
const state = { token: sessionStorage.getItem("heard-token"), agent: null, ticketId: null, ticket: null,
  lastMessageId: 0, queue: [], knownQueued: null, source: null, reconnectTimer: null, heartbeatTimer: null };
const $ = (id) => document.getElementById(id);
const listeners = {};

function on(name, fn) { (listeners[name] = listeners[name] || []).push(fn); }
function emit(name, payload) {
  for (const fn of listeners[name] || []) {
    try { fn(payload); } catch (error) { console.error(`console hook ${name}`, error); }
  }
}

function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (className) node.className = className;
  return node;
}

async function api(path, options = {}) {
  const headers = { "Content-Type": "application/json" };
  if (state.token) headers.Authorization = `Bearer ${state.token}`;
  const response = await fetch(API + path, { ...options, headers });
  if (response.status === 401 && !path.startsWith("/auth/") && !options.retried && await refreshSession()) {
    return api(path, { ...options, retried: true });
  }
  if (response.status === 401 && path !== "/auth/login") { logout(); throw new Error("Please sign in again."); }
  const body = response.headers.get("content-type")?.includes("json") ? await response.json() : null;
  if (!response.ok) {
    const detail = body && (body.message || (typeof body.detail === "string" ? body.detail : null));
    const error = new Error(detail || `Request failed (${response.status})`);
    error.status = response.status;
    error.secondFactor = response.headers.get("X-Heard-Second-Factor");
    throw error;
  }
  return body;
}

function waited(iso) {
  const seconds = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  return minutes < 60 ? `${minutes}m` : `${Math.floor(minutes / 60)}h ${minutes % 60}m`;
}

function clock(iso) {
  return iso ? new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }) : "";
}

function emotionText(ticket) {
  const parts = [];
  if (typeof ticket.intensity === "number") parts.push(`${Math.round(ticket.intensity * 100)}%`);
  if (ticket.dominant_emotion) parts.push(ticket.dominant_emotion);
  return parts.join(" ") || "–";
}

// ---- session -------------------------------------------------------------
async function login(event) {
  event.preventDefault();
  $("login-error").textContent = "";
  try {
    const result = await api("/auth/login", { method: "POST", body: JSON.stringify(loginBody()) });
    keepSession(result);
    // Signing in means ready to take conversations; the presence menu switches to away.
    await api("/agents/me/presence", { method: "PUT", body: JSON.stringify({ presence: "online" }) });
    await start();
  } catch (error) {
    if (error.secondFactor) { $("totp-row").hidden = false; $("totp").focus(); }
    $("login-error").textContent = error.message;
  }
}

// ---- session tokens (security: short access tokens renewed with the refresh token; optional TOTP) ----
function loginBody() {
  const body = { email: $("email").value, password: $("password").value };
  const code = $("totp") ? $("totp").value.trim() : "";
  if (code) body.totp_code = code;
  return body;
}

function keepSession(result) {
  state.token = result.access_token;
  state.refreshToken = result.refresh_token;
  sessionStorage.setItem("heard-token", state.token);
  sessionStorage.setItem("heard-refresh", state.refreshToken);
  if ($("totp")) { $("totp").value = ""; $("totp-row").hidden = true; }
  clearTimeout(state.refreshTimer);
  // Renew a minute before the access token ends (it lives HANDOFF_AGENT_TOKEN_TTL_SECONDS).
  state.refreshTimer = setTimeout(refreshSession, Math.max(10, result.expires_in - 60) * 1000);
}

async function refreshSession() {
  const refreshToken = state.refreshToken || sessionStorage.getItem("heard-refresh");
  if (!refreshToken) return false;
  try {
    const response = await fetch(`${API}/auth/refresh`, { method: "POST",
      headers: { "Content-Type": "application/json" }, body: JSON.stringify({ refresh_token: refreshToken }) });
    if (!response.ok) return false;
    keepSession(await response.json());
    return true;
  } catch { return false; }
}

function logout() {
  if (state.token && state.agent) {
    // Revokes every token of this agent and sets them away (POST /auth/logout).
    fetch(`${API}/auth/logout`, { method: "POST", keepalive: true,
      headers: { Authorization: `Bearer ${state.token}` } }).catch(() => {});
  }
  state.token = null;
  state.refreshToken = null;
  clearTimeout(state.refreshTimer);
  sessionStorage.removeItem("heard-token");
  sessionStorage.removeItem("heard-refresh");
  if (state.source) state.source.close();
  clearTimeout(state.heartbeatTimer);
  $("work-view").hidden = true; $("session-bar").hidden = true; $("login-view").hidden = false;
}

async function start() {
  state.agent = await api("/agents/me");
  $("agent-name").textContent = state.agent.name;
  $("presence").value = state.agent.presence;
  $("dashboard-link").hidden = state.agent.role !== "team_lead";
  $("login-view").hidden = true; $("work-view").hidden = false; $("session-bar").hidden = false;
  await Promise.all([loadQueue(), loadMine(), loadAgents()]);
  connectEvents();
  heartbeat();
  emit("start", state.agent);
}

// Presence lapses to away on the server when heartbeats stop (a closed console, a sleeping laptop).
async function heartbeat() {
  clearTimeout(state.heartbeatTimer);
  if (!state.token) return;
  let next = 30;
  try {
    const beat = await api("/agents/me/heartbeat", { method: "POST" });
    next = beat.heartbeat_seconds;
    if (beat.presence !== $("presence").value) {
      $("presence").value = beat.presence;
      if (beat.presence === "away") $("presence-note").textContent = "Set to away: the console lost contact. Choose Online when you are back.";
    }
  } catch (error) { /* offline for a moment: the next beat tries again */ }
  state.heartbeatTimer = setTimeout(heartbeat, next * 1000);
}

// ---- queue ---------------------------------------------------------------
async function loadQueue() {
  try {
    state.queue = await api("/queue");
    renderQueue();
    $("queue-error").textContent = "";
    const ids = new Set(state.queue.map((item) => item.ticket.id));
    if (state.knownQueued) {
      for (const item of state.queue) if (!state.knownQueued.has(item.ticket.id)) emit("queue-arrived", item.ticket);
    }
    state.knownQueued = ids;
  } catch (error) { $("queue-error").textContent = error.message; }
}

function renderQueue() {
  const body = $("queue-body");
  body.replaceChildren();
  for (const item of state.queue) {
    const t = item.ticket;
    const row = el("tr");
    const who = el("td");
    const mode = t.preferred_mode === "callback" ? `callback ${t.callback_phone || ""}` : t.preferred_mode;
    who.append(el("span", t.customer_first_name || "Customer", "name"), " ",
      el("span", t.priority, `priority ${t.priority}`),
      el("span", (t.reasons || [])[0] || t.trigger || "–", "reason"),  // the headline reason; the rest on the ticket
      el("span", `by ${mode}`, "reason"));
    row.append(who);
    const waitCell = el("td", waited(t.queued_at)); waitCell.dataset.since = t.queued_at; row.append(waitCell);
    row.append(el("td", emotionText(t)));
    const cell = el("td"); const button = el("button", "Claim");
    button.type = "button";
    button.setAttribute("aria-label", `Claim conversation with ${t.customer_first_name || "customer"}`);
    button.addEventListener("click", () => claim(t.id));
    cell.append(button); row.append(cell); body.append(row);
  }
  $("queue-count").textContent = String(state.queue.length);
  $("queue-empty").hidden = state.queue.length > 0;
}

async function loadMine() {
  const list = $("my-tickets");
  const mine = await api("/agents/me/tickets");
  list.replaceChildren();
  for (const t of mine) {
    const item = el("li"); const button = el("button", `${t.customer_first_name || "Customer"} – ${(t.reasons || [])[0] || t.trigger || ""}`, "link");
    button.type = "button"; button.addEventListener("click", () => openTicket(t.id));
    item.append(button); list.append(item);
  }
  if (!mine.length) list.append(el("li", "None yet.", "muted"));
}

async function loadAgents() {
  const agents = await api("/agents");
  const select = $("transfer-to");
  select.replaceChildren();
  for (const a of agents.filter((x) => x.id !== state.agent.id)) {
    const option = el("option", `${a.name} (${a.presence})`); option.value = String(a.id); select.append(option);
  }
  const nobody = select.options.length === 0;
  select.hidden = nobody; $("transfer").hidden = nobody;
}

async function claim(ticketId) {
  try {
    const ticket = await api(ticketId ? `/tickets/${ticketId}/claim` : "/queue/claim-next", { method: "POST" });
    showTicket(ticket);
    await Promise.all([loadQueue(), loadMine()]);
  } catch (error) {
    $("queue-error").textContent = error.status === 409 ? "Someone else took that conversation." : error.message;
    await loadQueue();
  }
}

// ---- ticket --------------------------------------------------------------
async function openTicket(ticketId) {
  try { showTicket(await api(`/tickets/${ticketId}`)); } catch (error) { $("queue-error").textContent = error.message; }
}

const UNDERSTOOD_LABELS = [["reason", "Reason"], ["incident", "Incident"], ["details", "Details"], ["wants", "Wants"],
  ["in_their_words", "In their words"]];

function renderUnderstood(t) {
  const list = $("ticket-understood"); list.replaceChildren();
  const u = t.understood || {};
  for (const [key, label] of UNDERSTOOD_LABELS) {
    let value = u[key];
    if (Array.isArray(value)) value = value.join("\n");
    if (!value) continue;
    list.append(el("dt", label), el("dd", key === "in_their_words" ? `“${value}”` : value));
  }
  if (!list.children.length) list.append(el("dt", "Summary"), el("dd", t.summary || "Nothing collected yet."));
  $("ticket-summary").textContent = t.summary || "";
}

function showTicket(t) {
  const changed = state.ticketId !== t.id;
  state.ticketId = t.id; state.ticket = t;
  $("work-view").classList.add("has-ticket");
  $("ticket-view").hidden = false; $("context-pane").hidden = false;
  $("ticket-error").textContent = "";
  $("ticket-title").textContent = t.customer_first_name || "Customer";
  $("ticket-status").textContent = t.outcome ? `${t.status} · ${t.outcome.replace(/_/g, " ")}` : t.status;
  const meta = [`#${t.id}`, `priority ${t.priority}`, `via ${t.channel}`, `prefers ${t.preferred_mode}`];
  if (t.callback_phone) meta.push(`call back on ${t.callback_phone}${t.callback_time ? ` (${t.callback_time})` : ""}`);
  if (t.assigned_agent) meta.push(`with ${t.assigned_agent.name}`);
  $("ticket-meta").textContent = meta.join(" · ");
  renderUnderstood(t);
  const reasons = $("ticket-reasons"); reasons.replaceChildren();
  // The bot writes the reasons in words; a ticket from another client may only carry the trigger code.
  if (t.trigger && !(t.reasons || []).length) {
    reasons.append(el("li", `Trigger: ${t.trigger}${t.trigger_words ? ` — “${t.trigger_words}”` : ""}`, "trigger"));
  }
  for (const r of t.reasons || []) reasons.append(el("li", r));
  const slots = $("ticket-slots"); slots.replaceChildren();
  for (const [key, value] of Object.entries(t.slots || {})) {
    slots.append(el("dt", key.replace(/_/g, " ")), el("dd", typeof value === "object" ? JSON.stringify(value) : value));
  }
  if (!slots.children.length) slots.append(el("dt", "–"), el("dd", "Nothing collected."));
  const transcript = $("transcript"); transcript.replaceChildren();
  for (const turn of t.transcript || []) {
    const item = el("li", null, `from-${turn.sender}${turn.choice ? " choice" : ""}`);
    item.append(el("span", turn.choice ? `${turn.sender} chose` : turn.sender, "who"), el("span", turn.text, "text"));
    transcript.append(item);
  }
  $("transcript-box").open = changed ? (t.messages || []).length < 2 : $("transcript-box").open;
  const messages = $("messages"); messages.replaceChildren();
  state.lastMessageId = 0;
  for (const m of t.messages || []) appendMessage(m, { quiet: true });
  messages.scrollTop = messages.scrollHeight;
  showDeliveryProblems(t.id, t.delivery_problems || []);
  const mine = t.status === "claimed" && t.assigned_agent && t.assigned_agent.id === state.agent.id;
  for (const id of ["reply-text", "release", "resolve", "resolve-outcome", "transfer", "transfer-to"]) $(id).disabled = !mine;
  $("reply-form").querySelector("button[type=submit]").disabled = !mine;
  showVideo(t, mine);
  emit("ticket", { ticket: t, mine, changed });
}

// ---- deliveries that failed or are still being retried --------------------
const DELIVERY_LABELS = { bot_message: "Message", resume: "Handing back to the bot", trigger_intent: "Bot follow-up" };

function showDeliveryProblems(ticketId, problems) {
  const list = $("delivery-list"); list.replaceChildren();
  $("delivery-problems").hidden = problems.length === 0;
  for (const d of problems) {
    const what = d.text ? `“${d.text}”` : DELIVERY_LABELS[d.kind] || d.kind;
    const status = d.state === "failed" ? `failed after ${d.attempts} attempts` : "not delivered yet, retrying";
    const item = el("li", `${what}: ${status}${d.last_error ? ` (${d.last_error})` : ""}`, `delivery-${d.state}`);
    item.dataset.deliveryId = d.id;
    if (d.state === "failed") {
      const button = el("button", "Retry"); button.type = "button";
      button.addEventListener("click", () => retryDelivery(ticketId, d.id));
      item.append(" ", button);
    }
    list.append(item);
  }
}

async function retryDelivery(ticketId, deliveryId) {
  try {
    await api(`/tickets/${ticketId}/deliveries/${deliveryId}/retry`, { method: "POST" });
    await openTicket(ticketId);
  } catch (error) { $("ticket-error").textContent = error.message; }
}

// ---- video (console_video.js) and attachments (console_attachments.js) ----
function showVideo(t, mine) {
  window.HeardConsoleVideo.show(t, mine, () => api("/auth/stream-token", { method: "POST" }));
  if (window.HeardAttachments) window.HeardAttachments.show(t.id, state.token);
}

function appendMessage(m, { quiet = false } = {}) {
  if (m.id <= state.lastMessageId) return;
  state.lastMessageId = m.id;
  const item = el("li", null, `from-${m.sender}`);
  const who = m.sender === "agent" ? "you" : m.sender;
  item.append(el("span", `${who} · ${clock(m.created_at)}`, "who"), el("span", m.text, "text"));
  const list = $("messages");
  const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
  list.append(item);
  if (atBottom || m.sender === "agent") list.scrollTop = list.scrollHeight;
  if (!quiet) emit("message", m);
}

async function ticketAction(path, body) {
  try {
    const ticket = await api(`/tickets/${state.ticketId}/${path}`, { method: "POST", body: body ? JSON.stringify(body) : undefined });
    await Promise.all([openTicket(ticket.id), loadQueue(), loadMine()]);
  } catch (error) { $("ticket-error").textContent = error.message; }
}

function resolve() {
  const outcome = $("resolve-outcome").value;
  if (!outcome) { $("ticket-error").textContent = "Choose an outcome before resolving."; $("resolve-outcome").focus(); return; }
  ticketAction("resolve", { outcome });
}

async function sendReply(event) {
  if (event) event.preventDefault();
  const text = $("reply-text").value.trim();
  if (!text || $("reply-text").disabled) return;
  try {
    appendMessage(await api(`/tickets/${state.ticketId}/replies`, { method: "POST", body: JSON.stringify({ text }) }));
    $("reply-text").value = "";
    emit("sent", text);
  } catch (error) { $("ticket-error").textContent = error.message; }
}

function replyKeydown(event) {
  // Enter sends, Shift+Enter is a new line; not while an input method is composing a character.
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing) { event.preventDefault(); sendReply(); }
}

// ---- live updates --------------------------------------------------------
async function connectEvents() {
  if (state.source) state.source.close();
  clearTimeout(state.reconnectTimer);
  try {
    const { token } = await api("/auth/stream-token", { method: "POST" });
    const source = new EventSource(`${API}/events?token=${encodeURIComponent(token)}`);
    state.source = source;
    source.addEventListener("ready", () => { $("live-status").textContent = "live"; loadQueue(); });
    source.addEventListener("ticket.created", () => loadQueue());
    // The shared event bus reconnected: events may have been missed, so re-read from the database.
    source.addEventListener("resync", () => { loadQueue(); loadMine(); if (state.ticketId) openTicket(state.ticketId); });
    source.addEventListener("ticket.status", (e) => {
      const data = JSON.parse(e.data);
      loadQueue(); loadMine();
      if (data.ticket_id === state.ticketId) openTicket(data.ticket_id);
    });
    source.addEventListener("ticket.delivery", (e) => {
      if (JSON.parse(e.data).ticket_id === state.ticketId) openTicket(state.ticketId);
    });
    source.addEventListener("ticket.message", (e) => {
      const data = JSON.parse(e.data);
      if (data.ticket_id === state.ticketId) appendMessage(data.message);
    });
    source.addEventListener("ticket.note", (e) => emit("note", JSON.parse(e.data)));
    source.addEventListener("agent.presence", (e) => {
      const data = JSON.parse(e.data);
      if (state.agent && data.agent_id === state.agent.id) {
        $("presence").value = data.presence;
        if (data.reason === "heartbeat_missed") $("presence-note").textContent = "Set to away: the console lost contact. Choose Online when you are back.";
      }
    });
    source.addEventListener("ticket.attachment", (e) => {
      const data = JSON.parse(e.data);
      if (data.ticket_id === state.ticketId && window.HeardAttachments) window.HeardAttachments.show(data.ticket_id, state.token);
    });
    source.onerror = () => {
      // Stream tokens are short-lived: get a fresh one rather than letting EventSource retry the old URL.
      $("live-status").textContent = "reconnecting…";
      source.close();
      state.reconnectTimer = setTimeout(connectEvents, 3000);
    };
  } catch (error) {
    $("live-status").textContent = "offline";
    if (state.token) state.reconnectTimer = setTimeout(connectEvents, 5000);
  }
}

function tick() {
  for (const cell of document.querySelectorAll("[data-since]")) cell.textContent = waited(cell.dataset.since);
}

window.HeardConsole = { api, state, el, $, on, openTicket, clock };

document.addEventListener("DOMContentLoaded", () => {
  $("login-form").addEventListener("submit", login);
  $("logout").addEventListener("click", logout);
  $("claim-next").addEventListener("click", () => claim(null));
  $("reply-form").addEventListener("submit", sendReply);
  $("reply-text").addEventListener("keydown", replyKeydown);
  $("release").addEventListener("click", () => ticketAction("release"));
  $("resolve").addEventListener("click", resolve);
  $("transfer").addEventListener("click", () => ticketAction("transfer", { to_agent_id: Number($("transfer-to").value) }));
  $("presence").addEventListener("change", async (e) => {
    $("presence-note").textContent = "";
    await api("/agents/me/presence", { method: "PUT", body: JSON.stringify({ presence: e.target.value }) });
  });
  setInterval(tick, 1000);
  // A tab that comes back to the front beats at once: its timers may have been slowed while hidden.
  document.addEventListener("visibilitychange", () => { if (!document.hidden && state.agent) heartbeat(); });
  if (state.token) start().catch(() => logout());
});
