// SPDX-License-Identifier: Apache-2.0
import { api } from "./api";
import { h, table } from "./ui";

type Row = Record<string, unknown>;

interface Config {
  file: string;
  issuers: Row[];
  roles: Row[];
  policies: Row[];
  clients: Row[];
  lint_warnings: string[];
}

function cell(v: unknown): string {
  if (v === null || v === undefined) {
    return "";
  }
  return typeof v === "string" ? v : JSON.stringify(v);
}

function section(title: string, rows: Row[], testId: string): HTMLElement {
  const keys = rows.length ? Object.keys(rows[0]) : [];
  return h("section", { "aria-label": title }, h("h2", {}, title),
    rows.length === 0 ? h("p", {}, "none") : table(title, keys, rows.map((r) => keys.map((k) => cell(r[k]))), testId));
}

export async function config(main: HTMLElement): Promise<() => void> {
  const c = await api<Config>("GET", "/api/v2/admin/config");
  main.replaceChildren(h("h1", {}, "Config"), h("p", {}, "Loaded from ", h("code", {}, c.file), " (read-only)."),
    h("section", { "aria-label": "Lint warnings" }, h("h2", {}, "Lint warnings"),
      c.lint_warnings.length === 0 ? h("p", {}, "none")
        : h("ul", { "data-testid": "lint" }, ...c.lint_warnings.map((w) => h("li", { class: "warn" }, w)))),
    section("Issuers", c.issuers, "issuers"), section("Roles", c.roles, "roles"),
    section("Policies", c.policies, "policies"), section("Clients", c.clients, "clients"));
  return () => undefined;
}
