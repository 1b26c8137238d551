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

export async function api(path, options = {}) {
  return (await apiTagged(path, options)).body;
}

// The body with the response's ETag: the version a later write names in `ifMatch`
// (If-Match), so that a change made meanwhile by someone else is refused (412), not lost.
export async function apiTagged(path, { method = "GET", body, key, ifMatch, signal } = {}) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (key) headers["Idempotency-Key"] = key;
  if (ifMatch) headers["If-Match"] = ifMatch;
  const response = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: "same-origin",
    signal,
  });
  const data = response.status === 204 ? null : await response.json().catch(() => null);
  if (!response.ok) throw new ApiError(response.status, data);
  return { body: data, etag: response.headers.get("ETag") };
}

// What a failure was, kept as data (the report page's outbox stores it) so that it is
// put into words in the language the page has when it is shown.
export function failureOf(error) {
  if (isNetworkError(error)) return { network: true };
  if (!(error instanceof ApiError)) return { code: "unexpected" };
  return { status: error.status, code: error.code, fields: error.details.map((d) => d.field) };
}

// The field a detail names, without the request part and list indexes ("body.casualties.dead" → "dead").
function fieldName(field) {
  const parts = String(field || "").split(".").filter((part) => !["body", "query", "header"].includes(part) && !/^\d+$/.test(part));
  return parts.at(-1) || "";
}

// A message for people, in the page's language: the sentence for the error's stable code
// (or for the code and the field it names), and the fields. Never the server's English.
export function errorText(error) {
  if (typeof error === "string") return error; // put into words already (older outboxes)
  const failure = error instanceof Error || error instanceof ApiError ? failureOf(error) : error || {};
  if (failure.network) return t("error.network");
  if (failure.code === "unexpected") return t("apiError.unexpected");
  const names = [...new Set((failure.fields || []).map(fieldName).filter(Boolean))];
  const specific = names.map((name) => `apiError.${failure.code}.${name}`).find((key) => has(key));
  if (specific) return t(specific);
  const base = [`apiError.${failure.code}`, `error.${failure.code}`].filter(has).map((key) => t(key))[0]
    ?? t("apiError.other", { status: failure.status });
  // A field without words in the page's language is left unnamed: never the API's English.
  const fields = names.filter((name) => has(`apiField.${name}`)).map((name) => t(`apiField.${name}`));
  return fields.length ? base + t("apiError.fields", { fields: fields.join(t("listSep")) }) : base;
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
