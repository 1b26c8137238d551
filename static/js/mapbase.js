// Leaflet maps that work with no internet: tiles only when WATCHFLOOR_TILE_URL names a
// tile server; otherwise a graticule and the units' own locations.
import * as L from "/static/vendor/leaflet/leaflet-src.esm.js";

export { L };

const TIER_RADIUS = { province: 9, city: 9, county: 7, township: 4, village: 2.5 };

export function baseMap(element, tileUrl, options = {}) {
  const map = L.map(element, { zoomSnap: 0.25, attributionControl: Boolean(tileUrl), ...options });
  if (tileUrl) {
    L.tileLayer(tileUrl, { maxZoom: 18, attribution: "" }).addTo(map);
  } else {
    element.classList.add("no-tiles");
    drawGraticule(map);
  }
  return map;
}

function drawGraticule(map) {
  const lines = [];
  for (let lon = 70; lon <= 140; lon += 0.5) lines.push([[10, lon], [60, lon]]);
  for (let lat = 10; lat <= 60; lat += 0.5) lines.push([[lat, 70], [lat, 140]]);
  L.polyline(lines, { className: "graticule", interactive: false }).addTo(map);
}

export function located(units) {
  return units.filter((unit) => unit.lon !== null && unit.lat !== null);
}

export function unitMarker(unit) {
  return L.circleMarker([unit.lat, unit.lon], {
    radius: TIER_RADIUS[unit.tier] ?? 3,
    className: `unit unit-${unit.tier}`,
    interactive: false,
  });
}
