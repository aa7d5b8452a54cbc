// Agent assist and context: suggested replies (band, concern, first name), saved replies of the team,
// internal notes, the customer panel (identity, policies, claims, policy numbers written in the chat),
// the customer's earlier conversations and the search of past tickets.
"use strict";

(() => {
  const C = window.HeardConsole;
  const { $, el, api } = C;
  let saved = [];

  function useText(text) {
    const box = $("reply-text");
    if (box.disabled) return;
    box.value = text;  // editable before sending: nothing is sent until the agent presses Enter or Send
    box.focus();
    box.setSelectionRange(text.length, text.length);
  }

  // ---- suggestions -------------------------------------------------------
  async function loadSuggestions(ticketId, mine) {
    const list = $("suggestions"); list.replaceChildren();
    $("assist").hidden = !mine;
    if (!mine) return;
    try {
      const suggestions = await api(`/tickets/${ticketId}/suggestions`);
      if (ticketId !== C.state.ticketId) return;
      list.replaceChildren();
      $("assist-why").textContent = suggestions.length ? `(${suggestions[0].why})` : "";
      for (const s of suggestions) {
        const item = el("li"); const button = el("button", s.text);
        button.type = "button"; button.dataset.suggestion = s.id;
        button.addEventListener("click", () => useText(s.text));
        item.append(button); list.append(item);
      }
    } catch (error) { $("ticket-error").textContent = error.message; }
  }

  // ---- saved replies -----------------------------------------------------
  async function loadSaved() {
    saved = await api("/saved-replies");
    const select = $("saved-replies");
    select.replaceChildren(el("option", "Saved replies…"));
    select.options[0].value = "";
    for (const r of saved) { const option = el("option", r.title); option.value = String(r.id); select.append(option); }
    $("delete-reply").hidden = true;
  }

  function pickSaved() {
    const reply = saved.find((r) => String(r.id) === $("saved-replies").value);
    $("delete-reply").hidden = !reply;
    if (reply) useText(reply.text);
  }

  async function saveReply() {
    const text = $("reply-text").value.trim();
    if (!text) { $("ticket-error").textContent = "Write the reply first, then save it."; return; }
    const title = $("save-title").value.trim();
    if (!title) { $("ticket-error").textContent = "Give the saved reply a name (your team will see it)."; $("save-title").focus(); return; }
    try {
      await api("/saved-replies", { method: "POST", body: JSON.stringify({ title, text }) });
      $("save-title").value = "";
      $("ticket-error").textContent = "";
      await loadSaved();
    } catch (error) { $("ticket-error").textContent = error.message; }
  }

  async function deleteReply() {
    const id = $("saved-replies").value;
    if (!id) return;
    try { await api(`/saved-replies/${id}`, { method: "DELETE" }); await loadSaved(); }
    catch (error) { $("ticket-error").textContent = error.message; }
  }

  // ---- notes -------------------------------------------------------------
  function renderNotes(notes) {
    const list = $("notes"); list.replaceChildren();
    for (const n of notes) {
      const item = el("li");
      item.append(el("span", `${n.agent.name} · ${C.clock(n.created_at)}`, "meta"), el("span", n.text));
      list.append(item);
    }
    if (!notes.length) list.append(el("li", "No notes yet.", "empty-note"));
  }

  async function addNote(event) {
    event.preventDefault();
    const text = $("note-text").value.trim();
    if (!text || !C.state.ticketId) return;
    try {
      await api(`/tickets/${C.state.ticketId}/notes`, { method: "POST", body: JSON.stringify({ text }) });
      $("note-text").value = "";
      renderNotes(await api(`/tickets/${C.state.ticketId}/notes`));
    } catch (error) { $("ticket-error").textContent = error.message; }
  }

  // ---- customer panel ----------------------------------------------------
  function renderCustomer(t) {
    const panel = $("customer-panel"); panel.replaceChildren();
    const context = t.customer_context || {};
    const head = el("p");
    head.append(el("strong", context.customer_name || t.customer_first_name || "Name not known"), " ",
      el("span", context.verified ? "verified" : "not verified", `pill ${context.verified ? "verified" : "unverified"}`));
    panel.append(head);
    if (!context.verified) {
      panel.append(el("p", "Identity not checked by the bot: confirm it before discussing the policy.", "muted"));
    }
    const facts = el("dl");
    for (const p of context.policies || []) {
      facts.append(el("dt", "Policy"), el("dd", [p.number, p.product, p.status].filter(Boolean).join(" · ")));
    }
    for (const c of context.open_claims || []) {
      facts.append(el("dt", "Open claim"), el("dd", [c.reference, c.status].filter(Boolean).join(" · ")));
    }
    const known = new Set((context.policies || []).map((p) => String(p.number).toUpperCase()));
    for (const number of t.mentioned_policies || []) {
      if (!known.has(number)) facts.append(el("dt", "Policy (from the chat)"), el("dd", number));
    }
    if (!facts.children.length) facts.append(el("dt", "Policies"), el("dd", "None known yet."));
    panel.append(facts);
  }

  // ---- history and search ------------------------------------------------
  function ticketLine(t) {
    const item = el("li");
    const button = el("button", `${t.customer_first_name || "Customer"} – ${(t.reasons || [])[0] || t.trigger || t.summary.split("\n")[0] || "ticket"}`, "link");
    button.type = "button";
    button.addEventListener("click", () => C.openTicket(t.id));
    const when = new Date(t.created_at).toLocaleDateString();
    item.append(button, el("span", `#${t.id} · ${when} · ${t.status}${t.outcome ? ` · ${t.outcome.replace(/_/g, " ")}` : ""}`, "meta"));
    return item;
  }

  async function loadHistory(ticketId) {
    const list = $("customer-history"); list.replaceChildren();
    try {
      const past = await api(`/tickets/${ticketId}/history`);
      if (ticketId !== C.state.ticketId) return;
      for (const t of past) list.append(ticketLine(t));
      if (!past.length) list.append(el("li", "No earlier conversations found.", "empty-note"));
    } catch (error) { list.append(el("li", error.message, "error")); }
  }

  async function search(event) {
    event.preventDefault();
    const list = $("search-results"); list.replaceChildren();
    const q = $("search-q").value.trim();
    try {
      const found = await api(`/tickets?q=${encodeURIComponent(q)}&limit=20`);
      for (const t of found) list.append(ticketLine(t));
      if (!found.length) list.append(el("li", `Nothing found for “${q}”.`, "empty-note"));
    } catch (error) { list.append(el("li", error.message, "error")); }
  }

  C.on("start", () => { loadSaved().catch(() => {}); });
  C.on("ticket", ({ ticket, mine, changed }) => {
    renderCustomer(ticket);
    renderNotes(ticket.notes || []);
    if (changed) loadHistory(ticket.id);
    loadSuggestions(ticket.id, mine);
  });
  C.on("message", (m) => {
    // A new customer message can change the band or the concern: choose the suggestions again.
    if (m.sender === "customer" && C.state.ticket) loadSuggestions(C.state.ticketId, !$("reply-text").disabled);
  });
  C.on("note", async (data) => {
    if (data.ticket_id === C.state.ticketId) renderNotes(await api(`/tickets/${data.ticket_id}/notes`));
  });

  document.addEventListener("DOMContentLoaded", () => {
    $("saved-replies").addEventListener("change", pickSaved);
    $("save-reply").addEventListener("click", saveReply);
    $("delete-reply").addEventListener("click", deleteReply);
    $("note-form").addEventListener("submit", addNote);
    $("search-form").addEventListener("submit", search);
  });
})();
