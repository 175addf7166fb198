// SPDX-License-Identifier: Apache-2.0
import { api } from "./api";
import { h, svg, table } from "./ui";

interface Minute {
  minute: string;
  exchanges: number;
  denials: number;
  leases: number;
}

interface Overview {
  minutes: Minute[];
  totals: { exchanges: number; denials: number; leases: number };
  active_sessions: number;
  active_leases: number;
  denials_by_reason: Record<string, number>;
}

interface Verify {
  ok: boolean;
  chained_through: number;
  pending_unchained: number;
  broken_at: number | null;
  problem: string | null;
}

const SERIES: { key: "exchanges" | "denials" | "leases"; label: string }[] = [
  { key: "exchanges", label: "Exchanges" },
  { key: "denials", label: "Denials" },
  { key: "leases", label: "Leases" },
];

function stat(label: string, value: number | string, testId: string): HTMLElement {
  return h("div", { class: "stat" }, h("span", { class: "stat-label" }, label),
    h("span", { class: "stat-value", "data-testid": testId }, value));
}

/** Three lines over the hour; the same numbers are in the table below it for screen readers and keyboards. */
function chart(minutes: Minute[]): Element {
  const width = 720;
  const height = 200;
  const pad = 28;
  const max = Math.max(1, ...minutes.flatMap((m) => [m.exchanges, m.denials, m.leases]));
  const x = (i: number) => pad + (i * (width - 2 * pad)) / Math.max(1, minutes.length - 1);
  const y = (v: number) => height - pad - (v * (height - 2 * pad)) / max;
  const lines = SERIES.map((s) => svg("polyline", {
    class: `series ${s.key}`,
    points: minutes.map((m, i) => `${x(i).toFixed(1)},${y(m[s.key]).toFixed(1)}`).join(" "),
  }));
  const axis = svg("g", { class: "axis" },
    svg("line", { x1: pad, y1: height - pad, x2: width - pad, y2: height - pad }),
    svg("line", { x1: pad, y1: pad, x2: pad, y2: height - pad }),
    Object.assign(svg("text", { x: 2, y: pad + 4 }), { textContent: String(max) }),
    Object.assign(svg("text", { x: 2, y: height - pad + 4 }), { textContent: "0" }),
    Object.assign(svg("text", { x: pad, y: height - 6 }), { textContent: "−60 min" }),
    Object.assign(svg("text", { x: width - pad - 30, y: height - 6 }), { textContent: "now" }));
  const picture = svg("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", class: "chart",
    "aria-labelledby": "chart-title" }, svg("title", { id: "chart-title" }), axis, ...lines);
  picture.querySelector("title")!.textContent = "Exchanges, denials and leases per minute over the last hour";
  const legend = h("ul", { class: "legend" }, ...SERIES.map((s) =>
    h("li", {}, h("span", { class: `swatch ${s.key}`, "aria-hidden": "true" }), s.label)));
  const data = h("details", {}, h("summary", {}, "Per-minute numbers"),
    table("Per minute", ["Minute", "Exchanges", "Denials", "Leases"], minutes.filter((m) =>
      m.exchanges + m.denials + m.leases > 0).map((m) =>
      [new Date(m.minute).toLocaleTimeString(), m.exchanges, m.denials, m.leases])));
  return h("figure", { class: "chart-box" }, picture, legend, data);
}

export async function overview(main: HTMLElement): Promise<() => void> {
  const [o, v] = await Promise.all([
    api<Overview>("GET", "/api/v2/admin/overview?minutes=60"),
    api<Verify>("GET", "/api/v2/admin/audit/verify"),
  ]);
  const reasons = Object.entries(o.denials_by_reason);
  main.replaceChildren(
    h("h1", {}, "Overview"),
    h("section", { class: "stats", "aria-label": "Now and the last hour" },
      stat("Active sessions", o.active_sessions, "active-sessions"),
      stat("Active leases", o.active_leases, "active-leases"),
      stat("Exchanges (1 h)", o.totals.exchanges, "total-exchanges"),
      stat("Denials (1 h)", o.totals.denials, "total-denials"),
      stat("Leases (1 h)", o.totals.leases, "total-leases")),
    h("section", { "aria-labelledby": "per-minute" }, h("h2", { id: "per-minute" }, "Per minute"), chart(o.minutes)),
    h("div", { class: "columns" },
      h("section", { "aria-labelledby": "by-reason" }, h("h2", { id: "by-reason" }, "Denials by reason"),
        reasons.length === 0 ? h("p", {}, "No denials in the last hour.")
          : table("Denials in the last hour", ["Reason", "Count"], reasons.map(([r, n]) => [r, n]), "denials")),
      h("section", { "aria-labelledby": "chain" }, h("h2", { id: "chain" }, "Audit chain"),
        h("p", { class: v.ok ? "ok" : "bad", "data-testid": "verify-status" },
          v.ok ? "Verifies" : `Broken at event ${v.broken_at ?? "?"}`),
        h("dl", {},
          h("dt", {}, "Chained through"), h("dd", { "data-testid": "chained-through" }, v.chained_through),
          h("dt", {}, "Pending (not yet chained)"), h("dd", {}, v.pending_unchained),
          v.problem ? h("dt", {}, "Problem") : null, v.problem ? h("dd", {}, v.problem) : null))));
  return () => undefined;
}
