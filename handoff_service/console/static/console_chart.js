// The emotion timeline as a chart (vendored Chart.js): one point per customer message the bot scored,
// first with the bot, then live with the agent; it grows with every message while they talk.
// A table with the same points sits under it for screen readers and keyboard users.
"use strict";

(() => {
  const C = window.HeardConsole;
  const WITH_BOT = "#6d4fb3";
  const LIVE = "#a4161a";
  let chart = null;
  let points = [];

  function pointsOf(ticket) {
    const fromBot = (ticket.emotion_timeline || []).map((p) => ({ intensity: p.intensity, emotion: p.emotion, live: false }));
    const live = (ticket.messages || []).filter((m) => m.sender === "customer" && typeof m.intensity === "number")
      .map((m) => ({ intensity: m.intensity, emotion: m.emotion, live: true }));
    return fromBot.concat(live);
  }

  function describe() {
    if (!points.length) return "No emotion readings yet.";
    const last = points[points.length - 1];
    const peak = Math.max(...points.map((p) => p.intensity));
    return `${points.length} readings; latest ${Math.round(last.intensity * 100)}%${last.emotion ? ` ${last.emotion}` : ""}, peak ${Math.round(peak * 100)}%.`;
  }

  function renderTable() {
    const body = C.$("timeline-body"); body.replaceChildren();
    points.forEach((p, i) => {
      const row = C.el("tr");
      row.append(C.el("td", `${i + 1}${p.live ? " (live)" : ""}`), C.el("td", `${Math.round(p.intensity * 100)}%`),
        C.el("td", p.emotion || "–"));
      body.append(row);
    });
    const canvas = C.$("emotion-chart");
    canvas.setAttribute("aria-label", `Emotion over the conversation: ${describe()}`);
    canvas.dataset.points = String(points.length);
  }

  function data() {
    return {
      labels: points.map((_, i) => String(i + 1)),
      datasets: [{
        label: "Intensity",
        data: points.map((p) => Math.round(p.intensity * 100)),
        borderColor: "#5b6675",
        pointBackgroundColor: points.map((p) => (p.live ? LIVE : WITH_BOT)),
        pointRadius: 4,
        tension: 0.25,
        segment: { borderColor: (ctx) => (points[ctx.p1DataIndex] && points[ctx.p1DataIndex].live ? LIVE : WITH_BOT) },
      }],
    };
  }

  function draw() {
    renderTable();
    if (!window.Chart) return;  // the table still carries the timeline
    if (chart) { chart.data = data(); chart.update(); return; }
    chart = new window.Chart(C.$("emotion-chart"), {
      type: "line",
      data: data(),
      options: {
        responsive: true, maintainAspectRatio: false, animation: false,
        scales: {
          y: { min: 0, max: 100, ticks: { callback: (v) => `${v}%` }, title: { display: true, text: "intensity" } },
          x: { title: { display: true, text: "customer message (purple: with the bot, red: with you)" } },
        },
        plugins: {
          legend: { display: false },
          tooltip: { callbacks: { label: (ctx) => {
            const p = points[ctx.dataIndex];
            return `${ctx.parsed.y}%${p.emotion ? ` ${p.emotion}` : ""}${p.live ? " (live)" : ""}`;
          } } },
        },
      },
    });
  }

  C.on("ticket", ({ ticket }) => { points = pointsOf(ticket); draw(); });
  C.on("message", (m) => {
    if (m.sender !== "customer" || typeof m.intensity !== "number") return;
    points.push({ intensity: m.intensity, emotion: m.emotion, live: true });
    draw();
  });
})();
