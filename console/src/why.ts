// SPDX-License-Identifier: Apache-2.0
import { api, query } from "./api";
import { field, h, input, status, table } from "./ui";

interface Check {
  claim: string;
  expected?: unknown;
  actual: unknown;
  ok: boolean;
}

interface Evaluation {
  decision: string;
  role: string | null;
  issuer_trusted: boolean;
  refused?: { reason: string; claim: string | null; detail: string };
  role_checks: Check[];
  condition: { present: boolean; expr?: string; ok?: boolean; error?: string | null };
  not_allowed: string[];
  violations: Record<string, unknown>[];
  warnings: Record<string, unknown>[];
}

interface Rejection {
  seq: number;
  time: string;
  role: string | null;
  reason: string | null;
  details: Record<string, unknown>;
}

function show(v: unknown): string {
  return v === undefined ? "" : typeof v === "string" ? v : JSON.stringify(v);
}

/**
 * The dry run (POST /api/v2/policy/evaluate) in its admin view: per bound claim, expected against actual. A
 * token.rejected event keeps the token's digest, not the token, so picking one fills in its role and shows the claim
 * that failed; the job's token (or its claims) is pasted to replay the decision.
 */
export async function why(main: HTMLElement): Promise<() => void> {
  const role = input("why-role", { type: "text", placeholder: "the role the job asked for (optional)" });
  const token = h("textarea", { id: "why-token", name: "subject_token", rows: 4,
    placeholder: "the job's OIDC token (a JWT)" });
  const claims = h("textarea", { id: "why-claims", name: "claims", rows: 4, placeholder: "{\"repository\": \"…\"}" });
  const issuer = input("why-issuer", { type: "text", placeholder: "issuer name or URL (claims only)" });
  const result = h("section", { "aria-live": "polite", "aria-label": "Evaluation" });
  const recent = h("div", {});

  const rejections = await api<{ events: Rejection[] }>("GET", "/api/v2/a2a/events"
    + query({ type: "token.rejected", limit: 20 }));
  recent.replaceChildren(rejections.events.length === 0 ? h("p", {}, "No recent token rejections.")
    : table("Recent token rejections", ["When", "Role", "Reason", "Claim", ""], rejections.events.map((e) => [
      new Date(e.time).toLocaleString(), e.role ?? "", e.reason ?? "", show(e.details?.claim),
      h("button", { type: "button", "aria-label": `Use rejection ${e.seq}`, onclick: () => {
        role.value = e.role ?? "";
        status(`Rejection #${e.seq} selected: paste the job's token (or claims) and evaluate.`);
        token.focus();
      } }, "Use")]), "rejections"));

  async function evaluate(): Promise<void> {
    const body: Record<string, unknown> = {};
    if (role.value.trim()) {
      body.role = role.value.trim();
    }
    if (token.value.trim()) {
      body.subject_token = token.value.trim();
    } else {
      body.claims = JSON.parse(claims.value || "{}");
      if (issuer.value.trim()) {
        body.issuer = issuer.value.trim();
      }
    }
    const e = await api<Evaluation>("POST", "/api/v2/policy/evaluate", body);
    result.replaceChildren(
      h("h2", {}, "Decision: ", h("span", { class: e.decision === "allow" ? "ok" : "bad", "data-testid": "decision" },
        e.decision)),
      h("p", {}, `Role: ${e.role ?? "none matched"} · issuer trusted: ${e.issuer_trusted ? "yes" : "no"}`),
      e.refused ? h("p", { class: "bad", "data-testid": "refused" },
        `Refused: ${e.refused.reason}${e.refused.claim ? ` (claim ${e.refused.claim})` : ""} — ${e.refused.detail}`)
        : "",
      table("Bound claims: expected against actual", ["Claim", "Expected", "Actual", "Result"],
        e.role_checks.map((c) => [h("code", {}, c.claim), show(c.expected), show(c.actual),
          h("span", { class: c.ok ? "ok" : "bad" }, c.ok ? "matches" : "fails")]), "role-checks"),
      h("h3", {}, "Condition"),
      h("p", {}, e.condition.present ? `${e.condition.expr ?? ""} → ${e.condition.ok ? "true" : "false"}`
        + (e.condition.error ? ` (${e.condition.error})` : "") : "none"),
      e.not_allowed.length ? h("p", { class: "bad" }, `Not allowed for this role: ${e.not_allowed.join(", ")}`) : "",
      h("h3", {}, "Policy violations"),
      e.violations.length ? h("ul", {}, ...e.violations.map((v) => h("li", { class: "bad" }, show(v))))
        : h("p", {}, "none"),
      e.warnings.length ? h("ul", {}, ...e.warnings.map((v) => h("li", {}, show(v)))) : "");
  }

  const form = h("form", { class: "stack", "aria-label": "Evaluate a token" }, field("Role", role),
    field("Subject token", token), field("Or claims (JSON)", claims), field("Issuer (for claims)", issuer),
    h("button", { type: "submit" }, "Evaluate"));
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    evaluate().catch((err) => status(String(err.message ?? err), "error"));
  });
  main.replaceChildren(h("h1", {}, "Why denied"), h("section", { "aria-label": "Recent denials" }, recent), form,
    result);
  return () => undefined;
}
