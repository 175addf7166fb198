// SPDX-License-Identifier: Apache-2.0
import { api, query } from "./api";
import { age, confirmAction, field, h, input, status, table } from "./ui";

interface Summary {
  path: string;
  current_version: number;
  updated_at: string;
}

interface Version {
  version: number;
  created_at: string;
  exposed_at: string | null;
}

interface Metadata {
  path: string;
  current_version: number;
  max_age: string | null;
  created_at: string;
  updated_at: string;
  versions: Version[];
}

interface Usage {
  versions?: { version: number; uses: number; last_used: string }[];
}

/** "90d", "12h", "30m", "45s" as the broker formats max-age, in seconds; null when unknown. */
function seconds(text: string | null): number | null {
  const m = text ? /^(\d+)([smhd])$/.exec(text) : null;
  return m ? Number(m[1]) * { s: 1, m: 60, h: 3600, d: 86400 }[m[2] as "s" | "m" | "h" | "d"] : null;
}

/** Metadata only: no call this page makes can answer a secret's value (the admin API has none). */
export async function secrets(main: HTMLElement): Promise<() => void> {
  const prefix = input("filter-prefix", { type: "search" });
  const list = h("div", {});
  const detail = h("section", { "aria-live": "polite", "aria-label": "Secret details" });

  async function load(): Promise<void> {
    const body = await api<{ secrets: Summary[] }>("GET", "/api/v2/admin/secrets" + query({ prefix: prefix.value }));
    list.replaceChildren(table("Secrets", ["Path", "Version", "Updated", ""], body.secrets.map((s) => [
      h("code", {}, s.path), s.current_version, `${age(s.updated_at)} ago`,
      h("button", { type: "button", "aria-label": `Details of ${s.path}`, onclick: () => open(s.path) },
        "Details")]), "secrets"));
  }

  async function open(path: string): Promise<void> {
    const encoded = path.split("/").map(encodeURIComponent).join("/");
    const [meta, usage] = await Promise.all([
      api<Metadata>("GET", `/api/v2/admin/secrets/${encoded}`),
      api<Usage>("GET", `/api/v2/admin/secrets/${encoded}/usage`).catch(() => ({} as Usage)),
    ]);
    const maxAge = seconds(meta.max_age);
    const current = meta.versions.find((v) => v.version === meta.current_version);
    const currentAge = current ? (Date.now() - new Date(current.created_at).getTime()) / 1000 : 0;
    const lastUsed = new Map((usage.versions ?? []).map((u) => [u.version, u]));
    detail.replaceChildren(
      h("h2", {}, h("code", {}, meta.path)),
      h("dl", {},
        h("dt", {}, "Current version"), h("dd", { "data-testid": "current-version" }, meta.current_version),
        h("dt", {}, "Age of the current version"), h("dd", {}, current ? age(current.created_at) : "?",
          maxAge !== null ? ` of max-age ${meta.max_age}` : " (no max-age)",
          maxAge !== null && currentAge > maxAge ? h("strong", { class: "bad" }, " — older than max-age") : "")),
      table("Versions", ["Version", "Created", "Exposed", "Uses", "Last used", ""],
        [...meta.versions].reverse().map((v) => [v.version, `${age(v.created_at)} ago`,
          v.exposed_at ? h("strong", { class: "bad", "data-testid": `exposed-${v.version}` },
            `exposed ${age(v.exposed_at)} ago`) : "no",
          lastUsed.get(v.version)?.uses ?? 0,
          lastUsed.has(v.version) ? `${age(lastUsed.get(v.version)!.last_used)} ago` : "never",
          v.exposed_at ? "" : h("button", { type: "button", "aria-label": `Mark version ${v.version} exposed`,
            onclick: () => expose(meta.path, v.version) }, "Mark exposed")]), "versions"),
      h("button", { type: "button", class: "danger", onclick: () => rotate(meta.path) },
        "Rotate with a generated value"));
  }

  async function rotate(path: string): Promise<void> {
    if (!await confirmAction("Rotate secret", `Rotate ${path} to a new generated 32-character value? Jobs get the `
      + "new version on their next lease; the value is never shown here.", "Rotate")) {
      return;
    }
    const encoded = path.split("/").map(encodeURIComponent).join("/");
    const v = await api<{ version: number }>("POST", `/api/v2/admin/secrets/${encoded}/rotate`,
      { generate: { length: 32 } });
    status(`Rotated ${path} to version ${v.version}.`);
    await open(path);
    await load();
  }

  async function expose(path: string, version: number): Promise<void> {
    if (!await confirmAction("Mark exposed", `Mark ${path} version ${version} as exposed? Policies with `
      + "block-exposed refuse to lease it.", "Mark exposed")) {
      return;
    }
    const encoded = path.split("/").map(encodeURIComponent).join("/");
    await api("POST", `/api/v2/admin/secrets/${encoded}/exposures`, { version, source: "console" });
    status(`Marked ${path}@${version} exposed.`);
    await open(path);
  }

  const form = h("form", { class: "filters", "aria-label": "Filter secrets" }, field("Path prefix", prefix),
    h("button", { type: "submit" }, "Filter"));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    load().catch((err) => status(String(err.message ?? err), "error"));
  });
  main.replaceChildren(h("h1", {}, "Secrets"), form, h("div", { class: "columns" }, list, detail));
  await load();
  return () => undefined;
}
