// SPDX-License-Identifier: Apache-2.0
import "./style.css";
import { ApiError, resume, sessionExpiry, signIn, signOut, whenSignedOut } from "./api";
import { audit } from "./audit";
import { config } from "./config";
import { leases } from "./leases";
import { overview } from "./overview";
import { secrets } from "./secrets";
import { h, input, status } from "./ui";
import { why } from "./why";

type Page = (main: HTMLElement) => Promise<() => void>;

const PAGES: Record<string, { title: string; render: Page }> = {
  overview: { title: "Overview", render: overview },
  leases: { title: "Leases", render: leases },
  audit: { title: "Audit", render: audit },
  why: { title: "Why denied", render: why },
  secrets: { title: "Secrets", render: secrets },
  config: { title: "Config", render: config },
};

const main = document.getElementById("main") as HTMLElement;
const top = document.getElementById("top") as HTMLElement;
let cleanup: () => void = () => undefined;
let signedIn = false;

function showSignIn(message = ""): void {
  signedIn = false;
  cleanup();
  cleanup = () => undefined;
  top.hidden = true;
  const token = input("admin-token", { type: "password", autocomplete: "off", required: true });
  const form = h("form", { class: "sign-in", "aria-labelledby": "sign-in-title" },
    h("h1", { id: "sign-in-title" }, "Sign in to the Segura console"),
    message ? h("p", { class: "notice", role: "alert", "data-testid": "sign-in-message" }, message) : "",
    h("div", { class: "field" }, h("label", { for: "admin-token" }, "Admin token"), token),
    h("p", { class: "hint" }, "The token is exchanged for a short-lived session cookie and not kept by the page."),
    h("button", { type: "submit" }, "Sign in"));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    try {
      await signIn(token.value);
      token.value = "";
      signedIn = true;
      status("");
      await route();
    } catch (err) {
      status(err instanceof ApiError ? err.message : String(err), "error");
    }
  });
  main.replaceChildren(form);
  document.title = "Sign in · Segura console";
  token.focus();
}

async function route(): Promise<void> {
  if (!signedIn) {
    return;
  }
  const name = location.hash.replace(/^#\//, "") || "overview";
  const page = PAGES[name] ?? PAGES.overview;
  // a message belongs to the page that showed it
  status("");
  cleanup();
  cleanup = () => undefined;
  top.hidden = false;
  for (const a of top.querySelectorAll("nav a")) {
    if (a.getAttribute("href") === `#/${name}`) {
      a.setAttribute("aria-current", "page");
    } else {
      a.removeAttribute("aria-current");
    }
  }
  const expiry = sessionExpiry();
  document.getElementById("session-expiry")!.textContent = expiry
    ? `Session ends ${expiry.toLocaleTimeString()}` : "";
  document.title = `${page.title} · Segura console`;
  main.setAttribute("aria-busy", "true");
  try {
    cleanup = await page.render(main);
    main.dataset.page = name;
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 401)) {
      status(err instanceof Error ? err.message : String(err), "error");
    }
  } finally {
    main.removeAttribute("aria-busy");
  }
}

whenSignedOut((message) => showSignIn(message));
window.addEventListener("hashchange", () => {
  route().then(() => main.focus());
});
document.getElementById("sign-out")!.addEventListener("click", async () => {
  await signOut();
  showSignIn("You are signed out.");
});

resume().then((message) => {
  if (message === null) {
    signedIn = true;
    return route();
  }
  showSignIn(message);
  return undefined;
});
