// The wall's header: the connection indicator, who is on duty and the drill under way.
import { $ } from "../dom.js";
import { t } from "../i18n.js";
import { formatTime } from "../time.js";
import { runningDrills } from "./drills.js";

let lastConnection = { state: "connecting" };
// When the wall last had a live link: while the link is down, its data is as of then.
let liveUntil = null;

export function showConnection(detail = lastConnection, now = Date.now()) {
  lastConnection = detail;
  const node = $("#connection");
  node.dataset.state = detail.state;
  node.dataset.resumed = detail.resumed ? "true" : "false";
  const key = detail.state === "refused" && detail.code === 4001 ? "conn.signedOut" : `conn.${detail.state}`;
  node.querySelector(".label").textContent = t(key, { n: detail.attempt || 1 });
  showStale(detail.state, now);
}

// Data from a link that is down is greyed, with the time it dates from.
function showStale(connection, now) {
  const loaded = document.body.dataset.loaded === "true";
  if (connection === "live") liveUntil = null;
  else if (loaded && liveUntil === null) liveUntil = now;
  const stale = loaded && connection !== "live";
  document.body.classList.toggle("stale", stale);
  const note = $("#stale");
  note.hidden = !stale;
  note.textContent = stale ? t("wall.staleSince", { at: formatTime(liveUntil, true) }) : "";
}

// The drills under way: how many, and as many titles as the header has room for (the
// full list is in the title attribute and in the drill panel).
export function showRunningDrills(state, now) {
  const node = $("#drill-live");
  const running = runningDrills(state.drills, now);
  node.hidden = running.length === 0;
  const titles = running.map((o) => o.drill.title).join(t("listSep"));
  node.textContent = running.length ? t("wall.drillsRunning", { n: running.length, title: titles }) : "";
  node.title = titles;
}

// 带班领导, 值班员 and the duty line of the screen's unit, from the roster (topic duty).
export function showOnDuty(state, now) {
  const node = $("#on-duty");
  const shift = state.onDuty(now);
  node.hidden = !shift;
  if (!shift) return;
  const officers = shift.officers.map((officer) => officer.name).join(t("listSep"));
  node.textContent = t("wall.onDuty", { leader: shift.leader.name, officers, line: shift.line || "—" });
  node.title = node.textContent;
}
