// The JSON API with the page's session cookie; errors in the API's one shape.
import { has, t } from "./i18n.js";

export class ApiError extends Error {
  constructor(status, body) {
    const error = body?.error || {};
    super(error.message || `HTTP ${status}`);
    this.status = status;
    this.code = error.code || "error";
    this.details = error.details || [];
    this.body = body;
  }
}

// A failure to reach the server at all (no signal, server down): fetch's TypeError.
export function isNetworkError(error) {
  return error instanceof TypeError;
}

export async function api(path, { method = "GET", body, key, signal } = {}) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (key) headers["Idempotency-Key"] = key;
  const response = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: "same-origin",
    signal,
  });
  const data = response.status === 204 ? null : await response.json().catch(() => null);
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

// A message for people: the server's message and the fields it names.
export function errorText(error) {
  if (isNetworkError(error)) return t("error.network");
  if (!(error instanceof ApiError)) return String(error?.message || error);
  if (has(`error.${error.code}`)) return t(`error.${error.code}`);
  const fields = error.details.map((d) => `${d.field}: ${d.message}`);
  return [error.message, ...fields].join("; ");
}

// Signing out also drops the offline copies of pages and lists kept for this person.
export async function signOut() {
  try {
    await api("/api/auth/logout", { method: "POST" });
    if ("caches" in window) {
      const keys = await caches.keys();
      await Promise.all(keys.filter((key) => key.startsWith("watchfloor-")).map((key) => caches.delete(key)));
    }
  } finally {
    location.assign("/login");
  }
}
