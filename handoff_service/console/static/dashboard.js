// Team lead dashboard: reads /api/v1/dashboard/* with the console's sign-in (same browser tab session) and
// draws it with the vendored Chart.js. Every chart has a table or an accessible name carrying its figures.
"use strict";

(() => {
  const API = "/api/v1/dashboard";
  const token = sessionStorage.getItem("heard-token");
  const $ = (id) => document.getElementById(id);
  const charts = {};
  const COLOURS = ["#1f5fbf", "#a4161a", "#1e6b3a", "#8a4308", "#6d4fb3", "#0f6f7a", "#5b6675", "#b0306a"];

  function el(tag, text, className) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (className) node.className = className;
    return node;
  }

  async function get(path) {
    const response = await fetch(API + path, { headers: { Authorization: `Bearer ${token}` } });
    if (response.status === 401) throw new Error("Please sign in at the agent console first.");
    if (response.status === 403) throw new Error("The dashboard is for team leads.");
    if (!response.ok) throw new Error(`Request failed (${response.status})`);
    return response;
  }

  const days = () => $("days").value;
  const minutes = (s) => (s === null || s === undefined ? "–" : s < 60 ? `${Math.round(s)} s` : `${(s / 60).toFixed(1)} min`);
  const label = (g) => g.replace(/_/g, " ");

  function draw(id, config, description) {
    if (charts[id]) charts[id].destroy();
    const canvas = $(id);
    canvas.setAttribute("aria-label", description);
    if (!window.Chart) return;
    charts[id] = new window.Chart(canvas, { ...config,
      options: { responsive: true, maintainAspectRatio: false, animation: false, ...(config.options || {}) } });
  }

  function tnpsBar(id, groups) {
    const text = groups.map((g) => `${label(g.group)} ${g.tnps ?? "no answers"} (${g.responses})`).join("; ") || "no answers";
    draw(id, {
      type: "bar",
      data: { labels: groups.map((g) => label(g.group)),
        datasets: [{ label: "TNPS", data: groups.map((g) => g.tnps ?? 0), backgroundColor: groups.map((g) => (g.tnps ?? 0) >= 0 ? "#1e6b3a" : "#a4161a") }] },
      options: { scales: { y: { min: -100, max: 100 } }, plugins: { legend: { display: false } } },
    }, `TNPS: ${text}`);
  }

  function renderTnps(report) {
    $("tnps-overall").textContent = report.overall.tnps === null ? "no answers yet" : `${report.overall.tnps} overall (${report.overall.responses} answers)`;
    tnpsBar("chart-path", report.by_path);
    tnpsBar("chart-trigger", report.by_trigger);
    tnpsBar("chart-band", report.by_band);
    const body = $("tnps-table").querySelector("tbody"); body.replaceChildren();
    for (const [dimension, groups] of [["path", report.by_path], ["trigger", report.by_trigger], ["band", report.by_band]]) {
      for (const g of groups) {
        const row = el("tr");
        row.append(el("td", `${dimension}: ${label(g.group)}`), el("td", g.responses), el("td", g.promoters),
          el("td", g.passives), el("td", g.detractors), el("td", g.tnps ?? "–"));
        body.append(row);
      }
    }
  }

  function renderEscalations(rows) {
    const daysList = [...new Set(rows.map((r) => r.day))].sort();
    const triggers = [...new Set(rows.map((r) => r.group))].sort();
    const datasets = triggers.map((trigger, i) => ({
      label: label(trigger), backgroundColor: COLOURS[i % COLOURS.length],
      data: daysList.map((d) => (rows.find((r) => r.day === d && r.group === trigger) || { count: 0 }).count),
    }));
    const total = rows.reduce((sum, r) => sum + r.count, 0);
    draw("chart-escalations", { type: "bar", data: { labels: daysList, datasets },
      options: { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } } } },
    `Escalations by trigger per day: ${total} in total; ${triggers.map((t) => `${label(t)} ${rows.filter((r) => r.group === t).reduce((s, r) => s + r.count, 0)}`).join(", ") || "none"}.`);
  }

  function renderIntensity(rows) {
    draw("chart-intensity", { type: "line", data: { labels: rows.map((r) => r.day), datasets: [
      { label: "mean", data: rows.map((r) => Math.round(r.mean * 100)), borderColor: "#1f5fbf", backgroundColor: "#1f5fbf" },
      { label: "max", data: rows.map((r) => Math.round(r.max * 100)), borderColor: "#a4161a", backgroundColor: "#a4161a" },
    ] }, options: { scales: { y: { min: 0, max: 100, ticks: { callback: (v) => `${v}%` } } } } },
    `Intensity at hand-over per day: ${rows.map((r) => `${r.day} mean ${Math.round(r.mean * 100)}%, max ${Math.round(r.max * 100)}%`).join("; ") || "no tickets"}.`);
  }

  function renderTimes(report) {
    const body = $("times-table").querySelector("tbody"); body.replaceChildren();
    for (const [name, d] of [["Waiting (queued → claimed)", report.waiting], ["Handling (claimed → resolved)", report.handling]]) {
      const row = el("tr");
      row.append(el("td", name), el("td", d.count), el("td", minutes(d.mean_seconds)), el("td", minutes(d.median_seconds)),
        el("td", minutes(d.p90_seconds)));
      body.append(row);
    }
  }

  function renderAgents(rows) {
    const body = $("agents-table").querySelector("tbody"); body.replaceChildren();
    for (const a of rows) {
      const row = el("tr");
      const outcomes = Object.entries(a.outcomes).map(([k, v]) => `${label(k)} ${v}`).join(", ") || "–";
      row.append(el("td", a.name), el("td", a.resolved), el("td", minutes(a.handling.mean_seconds)),
        el("td", a.tnps.tnps === null ? "–" : `${a.tnps.tnps} (${a.tnps.responses})`), el("td", outcomes));
      body.append(row);
    }
    if (!rows.length) { const row = el("tr"); const cell = el("td", "No conversations with a person yet."); cell.colSpan = 5; row.append(cell); body.append(row); }
  }

  async function load() {
    $("dashboard-error").textContent = "";
    try {
      const q = `?days=${days()}`;
      const [tnps, escalations, intensity, times, agents] = await Promise.all(
        ["/tnps", "/escalations", "/intensity", "/times", "/agents"].map(async (p) => (await get(p + q)).json()));
      $("dashboard").hidden = false;
      renderTnps(tnps); renderEscalations(escalations); renderIntensity(intensity); renderTimes(times); renderAgents(agents);
      document.documentElement.dataset.loaded = "true";
    } catch (error) {
      $("dashboard").hidden = true;
      $("dashboard-error").textContent = error.message;
    }
  }

  async function downloadCsv(section) {
    try {
      const blob = await (await get(`/${section}.csv?days=${days()}`)).blob();
      const link = el("a"); link.href = URL.createObjectURL(blob); link.download = `heard-${section}-${days()}d.csv`;
      document.body.append(link); link.click(); link.remove();
      setTimeout(() => URL.revokeObjectURL(link.href), 1000);
    } catch (error) { $("dashboard-error").textContent = error.message; }
  }

  document.addEventListener("DOMContentLoaded", () => {
    $("days").addEventListener("change", load);
    for (const button of document.querySelectorAll("[data-csv]")) button.addEventListener("click", () => downloadCsv(button.dataset.csv));
    if (!token) { $("dashboard-error").textContent = "Please sign in at the agent console first."; return; }
    load();
  });
})();
