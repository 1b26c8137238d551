// The map of the unit's area: unit locations, open incidents coloured by level with
// their geometries. Works without tiles (no internet): a graticule, the boundaries and the
// units. Labels never cover each other: the most urgent incidents' labels are placed
// first, then the areas'; a label that would overlap one already placed is left out.
import { el } from "../dom.js";
import { t, unitName } from "../i18n.js";
import { L, baseMap, declutterSoon, drawBoundaries, located, unitMarker } from "../mapbase.js";

const LABELLED_TIERS = new Set(["city", "county"]);

export function levelClass(incident) {
  return `lv-${incident.level || "none"}`;
}

export class WallMap {
  constructor(element, tileUrl, home = null) {
    this.map = baseMap(element, tileUrl, { zoomControl: false, keyboard: false });
    const known = home?.lat != null && home?.lon != null;
    this.map.setView(known ? [home.lat, home.lon] : [35, 105], known ? 9 : 4);
    this.unitLayer = L.layerGroup().addTo(this.map);
    this.incidentLayer = L.layerGroup().addTo(this.map);
    this.framed = false;
    this.priority = () => 0;
    this.map.on("zoomend moveend", () => this.declutter());
    drawBoundaries(this.map);
  }

  // Labels in order of importance: incidents by `priority` (lower first), then the areas.
  // Taken from the layers, not the page: a label just removed lingers while it fades.
  declutter() {
    declutterSoon(this.map, () => {
      const incidents = tooltipsOf(this.incidentLayer);
      incidents.sort((a, b) => this.priority(Number(a.dataset.incident)) - this.priority(Number(b.dataset.incident)));
      return [...incidents, ...tooltipsOf(this.unitLayer)];
    });
  }

  showUnits(units, incidents = []) {
    this.unitLayer.clearLayers();
    const shown = located(units);
    for (const unit of shown) {
      const marker = unitMarker(unit).addTo(this.unitLayer);
      if (LABELLED_TIERS.has(unit.tier) && unit.kind === "area") {
        marker.bindTooltip(el("span", { text: unitName(unit) }), { permanent: true, direction: "right", className: "unit-label" });
      }
    }
    this.frame(shown, incidents);
    this.declutter();
  }

  // Fit the view once, the first time units come, to the area's townships and villages
  // (or whatever it has) and the incidents open then.
  frame(units, incidents = []) {
    if (this.framed) return;
    const local = units.filter((unit) => unit.tier === "township" || unit.tier === "village");
    const points = (local.length ? local : units).map((unit) => [unit.lat, unit.lon]);
    points.push(...incidents.map((incident) => [incident.lat, incident.lon]));
    if (!points.length) return;
    this.map.fitBounds(L.latLngBounds(points), { padding: [60, 60], paddingTopLeft: [120, 90] });
    this.framed = true;
  }

  showIncidents(incidents, priority = this.priority) {
    this.priority = priority;
    this.incidentLayer.clearLayers();
    for (const incident of incidents) this.drawIncident(incident);
    this.declutter();
  }

  drawIncident(incident) {
    const level = levelClass(incident);
    const exercise = incident.exercise ? " exercise" : "";
    L.geoJSON(incident.geometry, {
      style: () => ({ className: `incident-shape ${level}${exercise}` }),
      pointToLayer: (_feature, latlng) => L.circleMarker(latlng, { radius: 9 }),
      interactive: false,
    }).addTo(this.incidentLayer);
    const fresh = incident.acknowledged_at ? "" : " new";
    const marker = L.circleMarker([incident.lat, incident.lon], {
      radius: 14,
      className: `incident-marker ${level}${exercise}${fresh}`,
      interactive: false,
    }).addTo(this.incidentLayer);
    const prefix = incident.exercise ? `【${t("exercise")}】` : "";
    const tag = incident.level ? t(`level.short.${incident.level}`) : t("level.short.none");
    // An element, not a string: Leaflet would parse a string as HTML.
    marker.bindTooltip(el("span", { text: `${prefix}${tag} ${incident.title}` }), {
      permanent: true,
      direction: "top",
      offset: [0, -14],
      className: `incident-label ${level}${exercise}`,
    });
    marker.getTooltip().getElement()?.setAttribute("data-incident", incident.id);
  }
}

function tooltipsOf(layer) {
  return layer.getLayers().map((marker) => marker.getTooltip?.()?.getElement()).filter(Boolean);
}
