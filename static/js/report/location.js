// Where the incident is: the device's position, or a tap on the map.
import { el } from "../dom.js";
import { unitName } from "../i18n.js";
import { L, baseMap, declutterSoon, drawBoundaries, located, unitMarker } from "../mapbase.js";

// The units named on the map: the areas a reporter finds the place by.
const LABELLED_TIERS = new Set(["county", "township", "village"]);

// Where the map looks before it knows better: the caller's unit, or the whole country.
const COUNTRY = { center: [35, 105], zoom: 4 };
const UNIT_ZOOM = 11;

export class LocationPicker extends EventTarget {
  constructor(element, tileUrl, home = null) {
    super();
    this.map = baseMap(element, tileUrl, { tap: true });
    if (home?.lat != null && home?.lon != null) this.map.setView([home.lat, home.lon], UNIT_ZOOM);
    else this.map.setView(COUNTRY.center, COUNTRY.zoom);
    this.units = L.layerGroup().addTo(this.map);
    this.marker = null;
    this.point = null;
    this.map.on("click", (event) => this.set(event.latlng.lng, event.latlng.lat, "map"));
    // A tap by keyboard: Enter on the focused map marks its centre (the arrows move it).
    element.addEventListener("keydown", (event) => {
      if (event.key !== "Enter" || event.target !== element) return;
      event.preventDefault();
      const center = this.map.getCenter();
      this.set(center.lng, center.lat, "keyboard");
    });
    this.map.on("zoomend moveend", () => this.declutter());
    drawBoundaries(this.map);
  }

  showUnits(units, home) {
    this.units.clearLayers();
    const shown = located(units);
    for (const unit of shown) {
      const marker = unitMarker(unit).addTo(this.units);
      if (unit.kind === "area" && LABELLED_TIERS.has(unit.tier)) {
        marker.bindTooltip(el("span", { text: unitName(unit) }), { permanent: true, direction: "right", className: `unit-label tier-${unit.tier}` });
      }
    }
    const center = shown.find((unit) => unit.code === home) || shown[0];
    if (center) this.map.setView([center.lat, center.lon], UNIT_ZOOM);
    this.declutter();
  }

  // Counties first, then townships, then villages: the larger area keeps its name.
  declutter() {
    const rank = (label) => ["county", "township", "village"].findIndex((tier) => label.classList.contains(`tier-${tier}`));
    declutterSoon(this.map, () =>
      this.units.getLayers().map((marker) => marker.getTooltip()?.getElement()).filter(Boolean).sort((a, b) => rank(a) - rank(b)),
    );
  }

  set(lon, lat, source) {
    this.point = { lon: Number(lon.toFixed(7)), lat: Number(lat.toFixed(7)), source };
    if (this.marker) this.marker.setLatLng([lat, lon]);
    else this.marker = L.circleMarker([lat, lon], { radius: 10, className: "picked" }).addTo(this.map);
    this.map.panTo([lat, lon]);
    this.dispatchEvent(new CustomEvent("change", { detail: this.point }));
  }

  clear() {
    this.point = null;
    this.marker?.remove();
    this.marker = null;
    this.dispatchEvent(new CustomEvent("change", { detail: null }));
  }

  geometry() {
    return this.point ? { type: "Point", coordinates: [this.point.lon, this.point.lat] } : null;
  }

  // The device's position; rejects with an error whose `key` names the message for people.
  locate() {
    return new Promise((resolve, reject) => {
      if (!navigator.geolocation || !window.isSecureContext) {
        reject(Object.assign(new Error("no geolocation"), { key: "report.locate.unavailable" }));
        return;
      }
      navigator.geolocation.getCurrentPosition(
        (position) => {
          this.set(position.coords.longitude, position.coords.latitude, "device");
          resolve(this.point);
        },
        (error) => reject(Object.assign(new Error(error.message), { key: error.code === 1 ? "report.locate.denied" : "report.locate.failed" })),
        { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 },
      );
    });
  }

  invalidate() {
    this.map.invalidateSize();
  }
}
