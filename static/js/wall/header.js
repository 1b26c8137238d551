// The wall's header: the connection indicator, who is on duty and the drill under way.
import { $ } from "../dom.js";
import { t } from "../i18n.js";
import { runningDrills } from "./drills.js";

let lastConnection = { state: "connecting" };

export function showConnection(detail = lastConnection) {
  lastConnection = detail;
  const node = $("#connection");
  node.dataset.state = detail.state;
  node.dataset.resumed = detail.resumed ? "true" : "false";
  const key = detail.state === "refused" && detail.code === 4001 ? "conn.signedOut" : `conn.${detail.state}`;
  node.querySelector(".label").textContent = t(key, { n: detail.attempt || 1 });
}

export function showRunningDrills(state, now) {
  const node = $("#drill-live");
  const running = runningDrills(state.drills, now);
  node.hidden = running.length === 0;
  node.textContent = running.length ? t("wall.drillRunning", { title: running.map((o) => o.drill.title).join("、") }) : "";
}

// 带班领导, 值班员 and the duty line of the screen's unit, from the roster (topic duty).
export function showOnDuty(state, now) {
  const node = $("#on-duty");
  const shift = state.onDuty(now);
  node.hidden = !shift;
  if (!shift) return;
  const officers = shift.officers.map((officer) => officer.name).join("、");
  node.textContent = t("wall.onDuty", { leader: shift.leader.name, officers, line: shift.line || "—" });
  node.title = node.textContent;
}
