// SPDX-License-Identifier: Apache-2.0
import { api, query } from "./api";
import { field, h, input, status } from "./ui";

interface AuditEvent {
  seq: number;
  time: string;
  type: string;
  role: string | null;
  subject: string | null;
  secrets: string[];
  reason: string | null;
}

interface Page {
  events: AuditEvent[];
  next_after: number;
}

export const EVENT_TYPES = ["token.exchanged", "token.rejected", "session.revoked", "lease.issued", "lease.denied",
  "lease.renewed", "lease.revoked", "lease.expired", "secret.written", "secret.rotated", "secret.exposed",
  "policy.warned", "vault.rekey_started", "vault.rekeyed", "vault.rekey_failed", "dynamic.issued", "dynamic.revoked",
  "dynamic.revoke_failed", "sync.written", "sync.deleted", "sync.failed", "sync.drifted", "anomaly.detected",
  "anomaly.blocked", "anomaly.block_lifted", "webhook.registered", "webhook.deleted", "console.signed_in",
  "console.sign_in_failed", "console.signed_out", "admin.denied",
  "exposure.rejected"];

const POLL_MS = 3000;
const MAX_ROWS = 1000;

function localInput(d: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/**
 * The audit stream through the events API's cursor (?after=): pages in chain order, "Load more" for the next one,
 * and live updates that poll the same cursor, so nothing is skipped or shown twice.
 */
export async function audit(main: HTMLElement): Promise<() => void> {
  const type = h("select", { id: "filter-type", name: "type" }, h("option", { value: "" }, "any"),
    ...EVENT_TYPES.map((t) => h("option", { value: t }, t)));
  const subject = input("filter-subject", { type: "search" });
  const path = input("filter-path", { type: "search" });
  const since = input("filter-since", { type: "datetime-local", value: localInput(new Date(Date.now() - 3600_000)) });
  const live = input("live", { type: "checkbox", checked: true });
  const list = h("ol", { class: "events", "data-testid": "events", "aria-label": "Audit events" });
  const more = h("button", { type: "button" }, "Load more");
  let after = 0;
  let timer: number | undefined;
  let busy = false;

  function row(e: AuditEvent): HTMLElement {
    return h("li", { "data-seq": e.seq, "data-type": e.type },
      h("details", {},
        h("summary", {}, h("span", { class: "seq" }, `#${e.seq}`), " ", new Date(e.time).toLocaleString(), " ",
          h("strong", {}, e.type), " ", e.subject ?? "", e.role ? ` (${e.role})` : "",
          e.reason ? h("span", { class: "reason" }, ` — ${e.reason}`) : ""),
        h("pre", { class: "json" }, JSON.stringify(e, null, 2))));
  }

  async function next(): Promise<number> {
    if (busy) {
      return 0;
    }
    busy = true;
    try {
      const page = await api<Page>("GET", "/api/v2/a2a/events" + query({
        after, limit: 100, type: type.value, subject: subject.value.trim(), path: path.value.trim(),
        since: since.value ? new Date(since.value).toISOString() : undefined,
      }));
      after = page.next_after;
      list.append(...page.events.map(row));
      while (list.children.length > MAX_ROWS) {
        list.firstElementChild!.remove();
      }
      return page.events.length;
    } finally {
      busy = false;
    }
  }

  function schedule(): void {
    window.clearTimeout(timer);
    if (live.checked) {
      timer = window.setTimeout(() => {
        next().catch((err) => status(String(err.message ?? err), "error")).finally(schedule);
      }, POLL_MS);
    }
  }

  async function reload(): Promise<void> {
    after = 0;
    list.replaceChildren();
    await next();
    schedule();
  }

  const form = h("form", { class: "filters", "aria-label": "Filter events" }, field("Type", type),
    field("Subject", subject), field("Secret path", path), field("Since", since),
    h("button", { type: "submit" }, "Apply"));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    reload().catch((err) => status(String(err.message ?? err), "error"));
  });
  more.addEventListener("click", () => {
    next().catch((err) => status(String(err.message ?? err), "error"));
  });
  live.addEventListener("change", schedule);
  main.replaceChildren(h("h1", {}, "Audit"), form,
    h("div", { class: "field inline" }, live, h("label", { for: "live" }, "Live updates")), list, more);
  await reload();
  return () => window.clearTimeout(timer);
}
