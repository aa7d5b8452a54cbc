// Heard agent console. Vanilla JS, no build step.
// Every piece of customer-supplied text is inserted with textContent (never innerHTML).
"use strict";

const API = "/api/v1";
const state = { token: sessionStorage.getItem("heard-token"), agent: null, ticketId: null, lastMessageId: 0,
  queue: [], source: null, reconnectTimer: null };
const $ = (id) => document.getElementById(id);

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
  if (response.status === 401 && path !== "/auth/login") { logout(); throw new Error("Please sign in again."); }
  const body = response.headers.get("content-type")?.includes("json") ? await response.json() : null;
  if (!response.ok) {
    const detail = body && (body.message || (typeof body.detail === "string" ? body.detail : null));
    const error = new Error(detail || `Request failed (${response.status})`);
    error.status = response.status;
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
    const result = await api("/auth/login", { method: "POST",
      body: JSON.stringify({ email: $("email").value, password: $("password").value }) });
    state.token = result.access_token;
    sessionStorage.setItem("heard-token", state.token);
    // Signing in means ready to take conversations; the presence menu switches to away.
    await api("/agents/me/presence", { method: "PUT", body: JSON.stringify({ presence: "online" }) });
    await start();
  } catch (error) { $("login-error").textContent = error.message; }
}

function logout() {
  if (state.token && state.agent) {
    fetch(`${API}/agents/me/presence`, { method: "PUT", headers: { "Content-Type": "application/json",
      Authorization: `Bearer ${state.token}` }, body: JSON.stringify({ presence: "away" }) }).catch(() => {});
  }
  state.token = null;
  sessionStorage.removeItem("heard-token");
  if (state.source) state.source.close();
  $("work-view").hidden = true; $("session-bar").hidden = true; $("login-view").hidden = false;
}

async function start() {
  state.agent = await api("/agents/me");
  $("agent-name").textContent = state.agent.name;
  $("presence").value = state.agent.presence;
  $("login-view").hidden = true; $("work-view").hidden = false; $("session-bar").hidden = false;
  await Promise.all([loadQueue(), loadMine(), loadAgents()]);
  connectEvents();
}

// ---- queue ---------------------------------------------------------------
async function loadQueue() {
  try { state.queue = await api("/queue"); renderQueue(); $("queue-error").textContent = ""; }
  catch (error) { $("queue-error").textContent = error.message; }
}

function renderQueue() {
  const body = $("queue-body");
  body.replaceChildren();
  for (const item of state.queue) {
    const t = item.ticket;
    const row = el("tr");
    row.append(el("td", t.priority, `priority ${t.priority}`));
    const waitCell = el("td", waited(t.queued_at)); waitCell.dataset.since = t.queued_at; row.append(waitCell);
    row.append(el("td", t.customer_first_name || "–"));
    row.append(el("td", (t.reasons || [])[0] || t.trigger || "–"));  // the headline reason; the rest on the ticket
    row.append(el("td", emotionText(t)));
    row.append(el("td", t.preferred_mode === "callback" ? `callback ${t.callback_phone || ""}` : t.preferred_mode));
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

function showTicket(t) {
  state.ticketId = t.id;
  $("ticket-view").hidden = false;
  $("ticket-error").textContent = "";
  $("ticket-title").textContent = t.customer_first_name || "Customer";
  $("ticket-status").textContent = t.status;
  const meta = [`#${t.id}`, `priority ${t.priority}`, `via ${t.channel}`, `prefers ${t.preferred_mode}`];
  if (t.callback_phone) meta.push(`call back on ${t.callback_phone}${t.callback_time ? ` (${t.callback_time})` : ""}`);
  if (t.assigned_agent) meta.push(`with ${t.assigned_agent.name}`);
  $("ticket-meta").textContent = meta.join(" · ");
  $("ticket-summary").textContent = t.summary || "No summary.";
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
  renderTimeline(t.emotion_timeline || []);
  const transcript = $("transcript"); transcript.replaceChildren();
  for (const turn of t.transcript || []) transcript.append(el("li", turn.text, `from-${turn.sender}`));
  const messages = $("messages"); messages.replaceChildren();
  state.lastMessageId = 0;
  for (const m of t.messages || []) appendMessage(m);
  showDeliveryProblems(t.id, t.delivery_problems || []);
  const mine = t.status === "claimed" && t.assigned_agent && t.assigned_agent.id === state.agent.id;
  for (const id of ["reply-text", "release", "resolve", "transfer", "transfer-to"]) $(id).disabled = !mine;
  $("reply-form").querySelector("button[type=submit]").disabled = !mine;
  showVideo(t, mine);
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

function appendMessage(m) {
  if (m.id <= state.lastMessageId) return;
  state.lastMessageId = m.id;
  const item = el("li", null, `from-${m.sender}`);
  item.append(el("span", m.sender, "who"), el("span", m.text, "text"));
  $("messages").append(item);
}

function renderTimeline(points) {
  const body = $("timeline-body"); body.replaceChildren();
  points.forEach((p, i) => {
    const row = el("tr");
    row.append(el("td", p.turn ?? i + 1), el("td", `${Math.round(p.intensity * 100)}%`), el("td", p.emotion || "–"));
    body.append(row);
  });
  const ns = "http://www.w3.org/2000/svg"; const width = 240; const height = 48;
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`); svg.setAttribute("class", "spark");
  svg.setAttribute("preserveAspectRatio", "none");
  if (points.length > 0) {
    const step = points.length > 1 ? width / (points.length - 1) : 0;
    const coords = points.map((p, i) => `${(i * step).toFixed(1)},${(height - 4 - p.intensity * (height - 8)).toFixed(1)}`);
    const line = document.createElementNS(ns, "polyline");
    line.setAttribute("points", coords.join(" ")); svg.append(line);
  }
  $("sparkline").replaceChildren(svg);
}

async function ticketAction(path, body) {
  try {
    const ticket = await api(`/tickets/${state.ticketId}/${path}`, { method: "POST", body: body ? JSON.stringify(body) : undefined });
    await Promise.all([openTicket(ticket.id), loadQueue(), loadMine()]);
  } catch (error) { $("ticket-error").textContent = error.message; }
}

async function sendReply(event) {
  event.preventDefault();
  const text = $("reply-text").value.trim();
  if (!text) return;
  try {
    appendMessage(await api(`/tickets/${state.ticketId}/replies`, { method: "POST", body: JSON.stringify({ text }) }));
    $("reply-text").value = "";
  } catch (error) { $("ticket-error").textContent = error.message; }
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

document.addEventListener("DOMContentLoaded", () => {
  $("login-form").addEventListener("submit", login);
  $("logout").addEventListener("click", logout);
  $("claim-next").addEventListener("click", () => claim(null));
  $("reply-form").addEventListener("submit", sendReply);
  $("release").addEventListener("click", () => ticketAction("release"));
  $("resolve").addEventListener("click", () => ticketAction("resolve"));
  $("transfer").addEventListener("click", () => ticketAction("transfer", { to_agent_id: Number($("transfer-to").value) }));
  $("presence").addEventListener("change", async (e) => {
    await api("/agents/me/presence", { method: "PUT", body: JSON.stringify({ presence: e.target.value }) });
  });
  setInterval(tick, 1000);
  if (state.token) start().catch(() => logout());
});
