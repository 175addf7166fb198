// SPDX-License-Identifier: Apache-2.0
// The broker's JSON API as the console calls it: same-origin, the session cookie (HttpOnly, so no script can read
// it) sent by the browser, the CSRF token kept in memory only (never localStorage) and sent on every state change.

export interface Problem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
}

export class ApiError extends Error {
  constructor(readonly status: number, readonly problem: Problem) {
    super(problem.detail ?? problem.title ?? `HTTP ${status}`);
  }

  /** The problem's reason code, the last segment of its type URI. */
  get reason(): string {
    const t = this.problem.type ?? "";
    return t.substring(t.lastIndexOf("/") + 1);
  }
}

interface SessionView {
  csrf_token: string;
  expires_at: string;
}

let csrf: string | null = null;
let expiresAt: Date | null = null;
let onSignedOut: (message: string) => void = () => undefined;

export function whenSignedOut(handler: (message: string) => void): void {
  onSignedOut = handler;
}

export function sessionExpiry(): Date | null {
  return expiresAt;
}

function remember(view: SessionView): void {
  csrf = view.csrf_token;
  expiresAt = new Date(view.expires_at);
}

function forget(): void {
  csrf = null;
  expiresAt = null;
}

async function problemOf(response: Response): Promise<Problem> {
  try {
    return (await response.json()) as Problem;
  } catch {
    return { status: response.status, detail: response.statusText };
  }
}

/** Signs in with the admin token; the token itself is sent once and not kept. */
export async function signIn(adminToken: string): Promise<void> {
  const response = await fetch("/console/api/session", {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ token: adminToken }),
  });
  if (!response.ok) {
    throw new ApiError(response.status, await problemOf(response));
  }
  remember((await response.json()) as SessionView);
}

/**
 * After a reload: the cookie may still be valid; fetch its CSRF token. Answers null when signed in, else what the
 * sign-in screen should say ("" when there was no session at all).
 */
export async function resume(): Promise<string | null> {
  const response = await fetch("/console/api/session", { credentials: "same-origin" });
  if (!response.ok) {
    const error = new ApiError(response.status, await problemOf(response));
    return expiryMessage(error);
  }
  remember((await response.json()) as SessionView);
  return null;
}

function expiryMessage(error: ApiError): string {
  switch (error.reason) {
    case "console-session-expired":
      return "Your session expired. Sign in again with the admin token.";
    case "console-signed-out":
      return "";
    default:
      return error.message;
  }
}

export async function signOut(): Promise<void> {
  const headers: Record<string, string> = {};
  if (csrf) {
    headers["X-Segura-CSRF"] = csrf;
  }
  try {
    await fetch("/console/api/session", { method: "DELETE", credentials: "same-origin", headers });
  } finally {
    forget();
  }
}

/** A call to the broker's API. A 401 means the console session ended: the sign-in screen says why. */
export async function api<T>(method: string, url: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
  }
  if (method !== "GET" && csrf) {
    headers["X-Segura-CSRF"] = csrf;
  }
  const response = await fetch(url, {
    method,
    credentials: "same-origin",
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.status === 401) {
    const error = new ApiError(401, await problemOf(response));
    forget();
    onSignedOut(expiryMessage(error) || "You are signed out.");
    throw error;
  }
  if (!response.ok) {
    throw new ApiError(response.status, await problemOf(response));
  }
  if (response.status === 204) {
    return undefined as T;
  }
  return (await response.json()) as T;
}

export function query(params: Record<string, string | number | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== "") {
      q.set(k, String(v));
    }
  }
  const s = q.toString();
  return s ? `?${s}` : "";
}
