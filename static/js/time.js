// Time on screens: the server's clock (not the device's), shown in the deployment's zone.
import { zone } from "./config.js";
import { currentLang } from "./i18n.js";

// The offset between the server's clock and this device's, from the server_time of
// the realtime channel's welcome, snapshot and heartbeat frames.
export class ServerClock {
  constructor() {
    this.offset = 0;
    this.synced = false;
  }

  update(serverTime) {
    const server = Date.parse(serverTime);
    if (Number.isNaN(server)) return;
    this.offset = server - Date.now();
    this.synced = true;
  }

  now() {
    return Date.now() + this.offset;
  }
}

const pad = (n) => String(n).padStart(2, "0");

// "01:02:03" for a duration in ms (its absolute value), "2d 01:02:03" past a day.
export function clockText(ms, dayLabel = "d") {
  const total = Math.floor(Math.abs(ms) / 1000);
  const days = Math.floor(total / 86400);
  const rest = `${pad(Math.floor((total % 86400) / 3600))}:${pad(Math.floor((total % 3600) / 60))}:${pad(total % 60)}`;
  return days ? `${days}${dayLabel} ${rest}` : rest;
}

const formatters = new Map();

function formatter(options) {
  const key = currentLang() + JSON.stringify(options);
  if (!formatters.has(key)) {
    formatters.set(key, new Intl.DateTimeFormat(currentLang(), { timeZone: zone, hourCycle: "h23", ...options }));
  }
  return formatters.get(key);
}

export function formatDateTime(value) {
  return formatter({ month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" }).format(new Date(value));
}

// With the year: for records kept and printed (a saved evaluation, a plan's history).
export function formatFullDateTime(value) {
  return formatter({ year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" }).format(new Date(value));
}

export function formatTime(value, seconds = false) {
  const options = { hour: "2-digit", minute: "2-digit", ...(seconds ? { second: "2-digit" } : {}) };
  return formatter(options).format(new Date(value));
}

export function formatDate(value) {
  return formatter({ year: "numeric", month: "2-digit", day: "2-digit", weekday: "short" }).format(new Date(value));
}

export function formatDay(value) {
  return formatter({ month: "2-digit", day: "2-digit", weekday: "short" }).format(new Date(value));
}

// Calendar fields of an instant in the deployment's zone.
const partsFormat = new Intl.DateTimeFormat("en-CA", {
  timeZone: zone,
  hourCycle: "h23",
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
});

function zonedParts(ms) {
  const parts = Object.fromEntries(partsFormat.formatToParts(new Date(ms)).map((p) => [p.type, p.value]));
  return { ...parts, hour: parts.hour === "24" ? "00" : parts.hour };
}

// "2025-06-01": the local date of an instant.
export function localDate(ms) {
  const p = zonedParts(ms);
  return `${p.year}-${p.month}-${p.day}`;
}

// Minutes east of UTC of the zone at an instant.
function offsetMinutes(ms) {
  const p = zonedParts(ms);
  const asUtc = Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour, +p.minute, +p.second);
  return Math.round((asUtc - Math.floor(ms / 1000) * 1000) / 60000);
}

function offsetText(minutes) {
  const sign = minutes < 0 ? "-" : "+";
  const abs = Math.abs(minutes);
  return `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

// "2025-06-01T09:40" (a datetime-local input) in the zone, for an instant.
export function toLocalInput(ms) {
  const p = zonedParts(ms);
  return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}`;
}

// The instant a local "2025-06-01T09:40" names in the zone, as ISO 8601 with its offset.
export function fromLocalInput(value) {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(value || "");
  if (!match) return null;
  const [, y, mo, d, h, mi] = match.map(Number);
  const wall = Date.UTC(y, mo - 1, d, h, mi);
  let offset = offsetMinutes(wall);
  offset = offsetMinutes(wall - offset * 60000);
  return `${match[0].slice(0, 16)}:00${offsetText(offset)}`;
}

// Monday 00:00 to the next Monday 00:00 (local) of the week holding `ms`, shifted by
// `weeks`; ISO strings with offsets, and the seven local dates.
export function weekWindow(ms, weeks = 0) {
  const [y, m, d] = localDate(ms).split("-").map(Number);
  const day = new Date(Date.UTC(y, m - 1, d));
  const monday = Date.UTC(y, m - 1, d - ((day.getUTCDay() + 6) % 7) + weeks * 7);
  const dates = Array.from({ length: 8 }, (_, i) => new Date(monday + i * 86400000).toISOString().slice(0, 10));
  return {
    from: fromLocalInput(`${dates[0]}T00:00`),
    to: fromLocalInput(`${dates[7]}T00:00`),
    dates: dates.slice(0, 7),
  };
}
