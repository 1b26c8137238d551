// The realtime channel (/ws; docs/websocket-protocol.md) for the bundled pages.
//
// Signs in with the page's session cookie, keeps the cursor of the last frame and, when
// the connection drops (server restart, network, a slow-consumer close), reconnects
// with backoff and resumes from that cursor: the server replays what was missed, or
// sends a fresh snapshot when it cannot. Events are delivered at least once; duplicates
// are dropped by event id. No frame for three heartbeats means the link is dead.

// Close codes after which reconnecting cannot help (the hello itself is refused).
const REFUSED = new Set([4000, 4001, 4002, 4003, 4004, 4009]);
const SEEN_LIMIT = 4096;

function channelUrl() {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${location.host}/ws`;
}

export class Channel extends EventTarget {
  constructor({ topics, clock, url = channelUrl(), minDelay = 500, maxDelay = 8000 }) {
    super();
    this.topics = topics;
    this.clock = clock;
    this.url = url;
    this.minDelay = minDelay;
    this.maxDelay = maxDelay;
    this.cursor = null;
    this.unit = null; // the unit whose subtree the screen sees (from the welcome)
    this.heartbeat = 5;
    this.attempt = 0;
    this.state = "idle";
    this.seen = new Set();
    this.socket = null;
    this.retryTimer = null;
    this.watchdog = null;
  }

  start() {
    window.addEventListener("online", () => this.retryNow());
    this.connect();
  }

  retryNow() {
    if (this.state !== "reconnecting") return;
    clearTimeout(this.retryTimer);
    this.connect();
  }

  connect() {
    this.setState(this.cursor ? "reconnecting" : "connecting", { attempt: this.attempt });
    const socket = new WebSocket(this.url);
    this.socket = socket;
    socket.onopen = () => socket.send(JSON.stringify(this.hello()));
    socket.onmessage = (message) => this.receive(message.data);
    socket.onclose = (event) => this.closed(socket, event.code, event.reason);
    this.watch();
  }

  hello() {
    const hello = { type: "hello", topics: this.topics };
    if (this.cursor) hello.cursor = this.cursor;
    return hello;
  }

  receive(text) {
    const frame = JSON.parse(text);
    this.watch();
    if (frame.server_time) this.clock.update(frame.server_time);
    if (frame.type === "welcome") this.welcome(frame);
    else if (frame.type === "snapshot") this.snapshot(frame);
    else if (frame.type === "event") this.event(frame);
    else if (frame.type === "heartbeat") {
      this.cursor = frame.cursor;
      this.health(frame.channel);
    } else if (frame.type === "status") this.health(frame.channel, frame.reason);
  }

  // The server says whether live events can flow (its event bus is reachable): while it
  // is degraded, heartbeats still arrive but the screen must not look live.
  health(channel, reason = "") {
    if (channel === "degraded" && this.state === "live") this.setState("degraded", { reason });
    else if (channel === "live" && this.state === "degraded") this.live({ resumed: true });
  }

  welcome(frame) {
    this.heartbeat = frame.heartbeat_seconds || this.heartbeat;
    this.cursor = frame.cursor;
    this.unit = frame.unit;
    this.watch();
    if (frame.resumed) this.live({ resumed: true });
  }

  snapshot(frame) {
    this.cursor = frame.cursor;
    this.dispatchEvent(new CustomEvent("snapshot", { detail: frame }));
    this.live({ resumed: false, reset: frame.reset });
  }

  event(frame) {
    this.cursor = frame.cursor;
    const id = frame.event.id;
    if (this.seen.has(id)) return;
    this.remember(id);
    this.dispatchEvent(new CustomEvent("event", { detail: frame.event }));
  }

  remember(id) {
    this.seen.add(id);
    if (this.seen.size > SEEN_LIMIT) this.seen = new Set([...this.seen].slice(SEEN_LIMIT / 2));
  }

  live(detail) {
    this.attempt = 0;
    this.setState("live", detail);
  }

  closed(socket, code, reason) {
    if (socket !== this.socket) return;
    clearTimeout(this.watchdog);
    this.socket = null;
    if (REFUSED.has(code)) {
      this.setState("refused", { code, reason });
      return;
    }
    this.scheduleRetry();
  }

  scheduleRetry() {
    const base = Math.min(this.maxDelay, this.minDelay * 2 ** this.attempt);
    const delay = base * (0.8 + Math.random() * 0.4);
    this.attempt += 1;
    this.setState("reconnecting", { attempt: this.attempt, retryAt: Date.now() + delay });
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  // A connection that stays silent for three heartbeats is dead even if TCP says not.
  watch() {
    clearTimeout(this.watchdog);
    this.watchdog = setTimeout(() => this.abandon(), this.heartbeat * 3000);
  }

  abandon() {
    const socket = this.socket;
    if (!socket) return;
    this.socket = null;
    socket.onclose = null;
    socket.onmessage = null;
    socket.close();
    this.scheduleRetry();
  }

  setState(state, detail = {}) {
    this.state = state;
    this.dispatchEvent(new CustomEvent("state", { detail: { state, ...detail } }));
  }
}
