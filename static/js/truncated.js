// A snapshot that stops at the server's limit says how many open incidents it left out
// (snapshot.truncated): the wall and the desk show "N more" instead of looking complete.
import { $ } from "./dom.js";
import { t } from "./i18n.js";

let last = null;

export function showTruncated(truncated = last) {
  last = truncated || null;
  const node = $("#truncated");
  if (!node) return;
  const part = last?.incidents;
  node.hidden = !part?.more;
  const words = { n: part?.more, shown: part?.shown };
  node.textContent = part?.more ? t("snapshot.more", words) : "";
  node.title = part?.more ? t("snapshot.more.title", words) : "";
}
