// Telling the officer something arrived: an optional sound (a short tone, no file) and
// a desktop notification while the page is not in view. The browser is asked for
// permission once, by a button, never on load.
import { t } from "../i18n.js";

const SOUND_KEY = "watchfloor.desk.sound";
const ASKED_KEY = "watchfloor.desk.notifyAsked";

function stored(key) {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

function store(key, value) {
  try {
    localStorage.setItem(key, value);
  } catch {
    // private mode: remembered for this page only
  }
}

export class Alerts {
  constructor(soundBox, notifyButton) {
    this.soundBox = soundBox;
    this.notifyButton = notifyButton;
    this.audio = null;
    soundBox.checked = stored(SOUND_KEY) === "on";
    soundBox.addEventListener("change", () => {
      store(SOUND_KEY, soundBox.checked ? "on" : "off");
      if (soundBox.checked) this.tone();
    });
    const askable = "Notification" in window && Notification.permission === "default" && !stored(ASKED_KEY);
    notifyButton.hidden = !askable;
    notifyButton.addEventListener("click", async () => {
      store(ASKED_KEY, "yes");
      notifyButton.hidden = true;
      try {
        await Notification.requestPermission();
      } catch {
        // an old browser without the promise form: nothing to do
      }
    });
  }

  tone() {
    try {
      this.audio ||= new AudioContext();
      const oscillator = this.audio.createOscillator();
      const gain = this.audio.createGain();
      oscillator.frequency.value = 880;
      gain.gain.setValueAtTime(0.15, this.audio.currentTime);
      gain.gain.exponentialRampToValueAtTime(0.001, this.audio.currentTime + 0.5);
      oscillator.connect(gain).connect(this.audio.destination);
      oscillator.start();
      oscillator.stop(this.audio.currentTime + 0.5);
    } catch {
      // no audio device: the highlight is still there
    }
  }

  announce(title, body) {
    if (this.soundBox.checked) this.tone();
    if ("Notification" in window && Notification.permission === "granted" && document.hidden) {
      try {
        new Notification(title, { body, tag: `watchfloor-${body}` });
      } catch {
        // notifications need a secure context on some browsers
      }
    }
    document.title = document.hidden ? `● ${t("desk.title")}` : t("desk.title");
  }
}
