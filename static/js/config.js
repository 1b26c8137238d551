// The page's settings and caller, put in the page by the server (command/pages.py).
const block = document.getElementById("wf-config");

export const config = block ? JSON.parse(block.textContent) : {};
export const caller = config.caller || null;
export const zone = config.timezone || "Asia/Shanghai";

export function can(capability) {
  return Boolean(caller && caller.capabilities.includes(capability));
}
