// Sign in with a password; the session cookie then serves every page and the channel.
import { api, errorText, isNetworkError } from "./api.js";
import { caller, config } from "./config.js";
import { $, el } from "./dom.js";
import { applyI18n, mountLangToggle, onLangChange, t } from "./i18n.js";

const form = $("#login");
const notice = $("#notice");
let noticeKey = config.notice ? `login.notice.${config.notice}` : null;
let noticeText = null;

function showNotice() {
  const text = noticeText ?? (noticeKey ? t(noticeKey) : "");
  notice.hidden = !text;
  notice.textContent = text;
}

function showSignedIn() {
  const line = $("#signed-in");
  line.hidden = !caller;
  if (caller) line.textContent = t("login.already", { name: caller.name, unit: caller.unit });
}

// Where the demo is loaded: its users, each with the page its role lands on (a tap fills
// the username).
function showDemoUsers() {
  const users = config.demo_users || [];
  const section = $("#demo-users");
  section.hidden = users.length === 0;
  section.querySelector("ul").replaceChildren(
    ...users.map((user) =>
      el(
        "li",
        {},
        el("button", { type: "button", className: "secondary small", text: user.username, onclick: () => fillDemoUser(user.username) }),
        el("span", { text: `→ ${user.home} · ${t(`login.demoRole.${user.role}`)}` }),
      ),
    ),
  );
}

function fillDemoUser(username) {
  form.username.value = username;
  form.password.focus();
}

async function submit(event) {
  event.preventDefault();
  const username = form.username.value.trim();
  const password = form.password.value;
  if (!username || !password) {
    [noticeKey, noticeText] = ["login.notice.missing", null];
    return showNotice();
  }
  try {
    await api("/api/auth/login", { method: "POST", body: { username, password } });
    location.assign(config.next || "/");
  } catch (error) {
    noticeKey = isNetworkError(error) ? "error.network" : error.status === 401 ? "login.notice.wrong" : null;
    noticeText = noticeKey ? null : errorText(error);
    showNotice();
  }
}

form.addEventListener("submit", submit);
applyI18n();
mountLangToggle($("#lang"));
onLangChange(() => {
  showNotice();
  showSignedIn();
  showDemoUsers();
});
showNotice();
showSignedIn();
showDemoUsers();
