// Photos and PDFs the customer sent with the ticket, in #customer-attachments (hook: console.js calls
// HeardAttachments.show(ticketId, agentToken) when a ticket opens and when a ticket.attachment event
// arrives). Files are fetched with the agent's token and shown from blob: URLs; names are text.
"use strict";

(function () {
  const shown = { ticketId: null, urls: [] };

  function el(tag, text, className) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (className) node.className = className;
    return node;
  }

  function size(bytes) {
    return bytes >= 1048576 ? `${(bytes / 1048576).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1024))} KB`;
  }

  async function fetchBlob(ticketId, attachment, token) {
    const response = await fetch(`/api/v1/tickets/${ticketId}/attachments/${attachment.id}/content`,
      { headers: { Authorization: `Bearer ${token}` } });
    if (!response.ok) throw new Error(`Could not load ${attachment.file_name} (${response.status})`);
    return response.blob();
  }

  async function render(section, ticketId, token, list) {
    shown.urls.forEach((url) => URL.revokeObjectURL(url));
    shown.urls = [];
    const items = el("ul");
    for (const attachment of list) {
      const item = el("li");
      item.dataset.attachmentId = attachment.id;
      const label = `${attachment.file_name} (${size(attachment.size_bytes)})`;
      try {
        const blob = await fetchBlob(ticketId, attachment, token);
        const url = URL.createObjectURL(blob);
        shown.urls.push(url);
        const link = el("a", null);
        link.href = url;
        link.download = attachment.file_name;
        // Chromium cannot draw HEIC: those and PDFs are offered as a download.
        if (attachment.content_type === "image/png" || attachment.content_type === "image/jpeg") {
          const image = el("img");
          image.src = url;
          image.alt = `Photo from the customer: ${attachment.file_name}`;
          link.append(image);
        }
        link.append(el("span", label));
        item.append(link);
      } catch (error) {
        item.append(el("span", error.message, "error"));
      }
      items.append(item);
    }
    section.replaceChildren(el("h3", "Files from the customer"), items);
  }

  window.HeardAttachments = {
    async show(ticketId, token) {
      const section = document.getElementById("customer-attachments");
      if (!section) return;
      shown.ticketId = ticketId;
      try {
        const response = await fetch(`/api/v1/tickets/${ticketId}/attachments`, { headers: { Authorization: `Bearer ${token}` } });
        const list = response.ok ? await response.json() : [];
        if (shown.ticketId !== ticketId) return;
        section.hidden = list.length === 0;
        if (list.length) await render(section, ticketId, token, list);
      } catch (error) {
        section.hidden = true;
      }
    },
  };
})();
