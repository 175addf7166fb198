// SPDX-License-Identifier: Apache-2.0
import { api, query } from "./api";
import { confirmAction, field, h, input, status, table, timeLeft } from "./ui";

interface Lease {
  lease_id: string;
  role: string;
  subject: string;
  secrets: string[];
  expires_at: string;
  ctx: Record<string, unknown>;
}

interface Revoked {
  revoked_sessions: number;
  revoked_leases: number;
}

function ctx(l: Lease, key: string): string {
  const v = l.ctx?.[key];
  return v === undefined || v === null ? "" : String(v);
}

export async function leases(main: HTMLElement): Promise<() => void> {
  const role = input("filter-role", { type: "search" });
  const subject = input("filter-subject", { type: "search" });
  const repository = input("filter-repository", { type: "search" });
  const secret = input("filter-secret", { type: "search" });
  const results = h("div", { "aria-live": "polite" });
  const form = h("form", { class: "filters", "aria-label": "Filter leases" },
    field("Role", role), field("Subject", subject), field("Repository", repository), field("Secret", secret),
    h("button", { type: "submit" }, "Filter"));

  async function load(): Promise<void> {
    const body = await api<{ leases: Lease[] }>("GET",
      "/api/v2/admin/leases" + query({ role: role.value.trim(), subject: subject.value.trim(), limit: 1000 }));
    const rows = body.leases.filter((l) =>
      (!repository.value.trim() || ctx(l, "repository").includes(repository.value.trim()))
      && (!secret.value.trim() || l.secrets.some((s) => s.includes(secret.value.trim()))));
    const bulk: HTMLElement[] = [];
    if (role.value.trim()) {
      bulk.push(h("button", { type: "button", class: "danger", onclick: () => revokeAll("role", role.value.trim()) },
        `Revoke everything of role ${role.value.trim()}`));
    }
    if (subject.value.trim()) {
      bulk.push(h("button", { type: "button", class: "danger",
        onclick: () => revokeAll("subject", subject.value.trim()) }, `Revoke everything of subject ${subject.value.trim()}`));
    }
    results.replaceChildren(
      h("p", { "data-testid": "lease-count" }, `${rows.length} active lease${rows.length === 1 ? "" : "s"}`),
      bulk.length ? h("div", { class: "actions" }, ...bulk) : "",
      table("Active leases", ["Lease", "Role", "Subject", "Repository", "Ref", "Workflow", "Run", "Secrets",
        "Time left", ""], rows.map((l) => [
        h("code", {}, l.lease_id), l.role, l.subject, ctx(l, "repository"), ctx(l, "ref"), ctx(l, "pipeline"),
        ctx(l, "run_id"), l.secrets.join(", "), timeLeft(l.expires_at),
        h("button", { type: "button", class: "danger", "aria-label": `Revoke lease ${l.lease_id}`,
          onclick: () => revokeOne(l) }, "Revoke")]), "leases"));
  }

  async function revokeOne(l: Lease): Promise<void> {
    if (!await confirmAction("Revoke lease", `Revoke lease ${l.lease_id} of ${l.subject}? The job's session is `
      + "revoked with it, so its next lease is refused.", "Revoke")) {
      return;
    }
    const r = await api<Revoked>("DELETE", `/api/v2/admin/leases/${encodeURIComponent(l.lease_id)}`);
    status(`Revoked ${r.revoked_leases} lease(s) and ${r.revoked_sessions} session(s).`);
    await load();
  }

  async function revokeAll(kind: "role" | "subject", value: string): Promise<void> {
    if (!await confirmAction(`Revoke everything of ${kind}`, `Revoke every session and lease of ${kind} "${value}"?`
      + " Their jobs' next leases are refused.", "Revoke all")) {
      return;
    }
    const r = await api<Revoked>("DELETE", "/api/v2/admin/sessions" + query({ [kind]: value }));
    status(`Revoked ${r.revoked_sessions} session(s) and ${r.revoked_leases} lease(s) of ${kind} ${value}.`);
    await load();
  }

  form.addEventListener("submit", (e) => {
    e.preventDefault();
    load().catch((err) => status(String(err.message ?? err), "error"));
  });
  main.replaceChildren(h("h1", {}, "Leases"), form, results);
  await load();
  return () => undefined;
}
