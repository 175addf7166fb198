// SPDX-License-Identifier: Apache-2.0
// Small DOM helpers. Text always goes in as text nodes (never innerHTML), so nothing the API returns is markup.

type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | boolean | number | EventListener | undefined>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]):
    HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) {
      continue;
    }
    if (typeof v === "function") {
      el.addEventListener(k.replace(/^on/, ""), v);
    } else if (v === true) {
      el.setAttribute(k, "");
    } else {
      el.setAttribute(k, String(v));
    }
  }
  append(el, children);
  return el;
}

export function append(el: Element, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) {
      continue;
    }
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

const SVG = "http://www.w3.org/2000/svg";

export function svg(tag: string, attrs: Record<string, string | number> = {}, ...children: Node[]): SVGElement {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) {
    el.setAttribute(k, String(v));
  }
  el.append(...children);
  return el;
}

export function status(message: string, kind: "info" | "error" = "info"): void {
  const el = document.getElementById("status")!;
  el.textContent = message;
  el.className = `status ${kind}`;
}

/** A labelled form field: the label's for= names the input, so screen readers and tests find it by its label. */
export function field(label: string, input: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement):
    HTMLElement {
  return h("div", { class: "field" }, h("label", { for: input.id }, label), input);
}

/** The native modal dialog: focus is trapped in it and Escape cancels. Resolves true on Confirm. */
export function confirmAction(title: string, text: string, okLabel = "Confirm"): Promise<boolean> {
  const dialog = document.getElementById("confirm") as HTMLDialogElement;
  document.getElementById("confirm-title")!.textContent = title;
  document.getElementById("confirm-text")!.textContent = text;
  document.getElementById("confirm-ok")!.textContent = okLabel;
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "ok"), { once: true });
    dialog.returnValue = "";
    dialog.showModal();
    (document.getElementById("confirm-cancel") as HTMLButtonElement).focus();
  });
}

export function table(caption: string, headers: string[], rows: Child[][], testId?: string): HTMLTableElement {
  return h("table", { "data-testid": testId },
    h("caption", {}, caption),
    h("thead", {}, h("tr", {}, ...headers.map((x) => h("th", { scope: "col" }, x)))),
    h("tbody", {}, ...rows.map((r) => h("tr", {}, ...r.map((c) => h("td", {}, c))))));
}

export function timeLeft(until: string): string {
  const s = Math.round((new Date(until).getTime() - Date.now()) / 1000);
  if (s <= 0) {
    return "expired";
  }
  if (s < 120) {
    return `${s} s`;
  }
  if (s < 7200) {
    return `${Math.round(s / 60)} min`;
  }
  return `${Math.round(s / 3600)} h`;
}

export function age(since: string): string {
  const s = Math.round((Date.now() - new Date(since).getTime()) / 1000);
  if (s < 120) {
    return `${s} s`;
  }
  if (s < 7200) {
    return `${Math.round(s / 60)} min`;
  }
  if (s < 172800) {
    return `${Math.round(s / 3600)} h`;
  }
  return `${Math.round(s / 86400)} d`;
}

export function input(id: string, attrs: Attrs = {}): HTMLInputElement {
  return h("input", { id, name: id, ...attrs });
}
