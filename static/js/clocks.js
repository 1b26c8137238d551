// Running clocks of reports still owed, on the server's time: green while time is left,
// amber past the ruleset's warning mark, red once due, then the time overdue (漏报 past
// the grace, until the report comes).
import { el } from "./dom.js";
import { t } from "./i18n.js";
import { clockText } from "./time.js";

export function clock(ob) {
  const owed = ob.state === "pending" || ob.state === "missed";
  return el(
    "span",
    {
      className: owed ? "clock" : "clock settled",
      dataset: {
        due: Date.parse(ob.due_at),
        warn: Date.parse(ob.warn_at || ob.due_at),
        missed: ob.state === "missed",
        state: ob.state,
      },
    },
    el("span", { className: "clock-label", text: owed ? "" : t(`desk.ob.${ob.state}`) }),
    el("span", { className: "clock-time" }),
  );
}

export function tickClocks(root, now) {
  for (const node of root.querySelectorAll(".clock:not(.settled)")) {
    const due = Number(node.dataset.due);
    const missed = node.dataset.missed === "true";
    const phase = missed || now >= due ? "over" : now >= Number(node.dataset.warn) ? "warn" : "ok";
    if (node.dataset.phase !== phase) {
      node.dataset.phase = phase;
      node.querySelector(".clock-label").textContent = t(missed ? "clock.missed" : `clock.${phase}`);
    }
    const text = (phase === "over" ? "+" : "") + clockText(due - now, t("unit.day"));
    const time = node.querySelector(".clock-time");
    if (time.textContent !== text) time.textContent = text;
  }
}
