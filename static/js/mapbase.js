// Leaflet maps that work with no internet: tiles only when WATCHFLOOR_TILE_URL names a
// tile server and it answers; otherwise a graticule, the administrative boundaries and the
// units' own locations, with a notice saying the base map is missing.
import * as L from "/static/vendor/leaflet/leaflet-src.esm.js";
import { api } from "./api.js";
import { el } from "./dom.js";
import { t } from "./i18n.js";

export { L };

// Tiles that fail one after another with none loading: the tile server is gone.
const FAILED_TILES_LIMIT = 6;

const TIER_RADIUS = { province: 9, city: 9, county: 7, township: 4, village: 2.5 };

export function baseMap(element, tileUrl, options = {}) {
  const map = L.map(element, { zoomSnap: 0.25, attributionControl: Boolean(tileUrl), ...options });
  if (tileUrl) map.whenReady(() => probeTiles(map, element, tileUrl));
  else plainMap(map, element);
  return map;
}

function plainMap(map, element) {
  element.classList.add("no-tiles");
  drawGraticule(map);
}

// One tile of the first view is tried before the layer is added: a tile server that cannot
// be reached costs one failed request (one console line), not a screenful of them.
function probeTiles(map, element, tileUrl) {
  const zoom = Math.round(map.getZoom());
  const { x, y } = map.project(map.getCenter(), zoom).divideBy(256).floor();
  const probe = new Image();
  probe.onload = () => addTiles(map, element, tileUrl);
  probe.onerror = () => tilesFailed(map, element);
  probe.src = L.Util.template(tileUrl, { s: "a", z: zoom, x, y, r: "" });
}

function addTiles(map, element, tileUrl) {
  const layer = L.tileLayer(tileUrl, { maxZoom: 18, attribution: "" });
  let failures = 0;
  layer.on("tileload", () => {
    failures = 0;
  });
  layer.on("tileerror", () => {
    failures += 1;
    if (failures < FAILED_TILES_LIMIT || !map.hasLayer(layer)) return;
    layer.remove();
    tilesFailed(map, element);
  });
  layer.addTo(map);
}

function tilesFailed(map, element) {
  plainMap(map, element);
  const notice = el("div", { className: "map-notice", role: "status", dataset: { i18n: "map.tilesFailed" }, text: t("map.tilesFailed") });
  element.parentElement.append(notice);
}

// The administrative boundaries (the deployment's file, or outlines the server draws
// around its units), under everything else; labelled areas are not interactive.
export async function drawBoundaries(map) {
  let collection;
  try {
    collection = await api("/api/boundaries");
  } catch (error) {
    console.warn("map: no boundaries", error);
    return null;
  }
  return L.geoJSON(collection, {
    style: (feature) => ({ className: `boundary boundary-${feature.properties?.tier || "area"}` }),
    interactive: false,
  }).addTo(map).bringToBack();
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

// Labels in order of importance; one that would overlap a label already placed, or that
// falls outside the map, is hidden (class "covered") until the view changes.
// Measured a moment later, once a redraw (and the page around the map: a language switch
// moves the header) has settled; several redraws in that moment are measured once.
const SETTLE_MS = 250;

export function declutterSoon(map, labelsOf) {
  clearTimeout(map._declutterTimer);
  map._declutterTimer = setTimeout(() => declutterLabels(map, labelsOf()), SETTLE_MS);
}

export function declutterLabels(map, labels) {
  const frame = map.getContainer().getBoundingClientRect();
  const placed = [];
  for (const label of labels) {
    label.classList.remove("covered");
    const box = label.getBoundingClientRect();
    const outside = box.right < frame.left || box.left > frame.right || box.bottom < frame.top || box.top > frame.bottom;
    if (outside || placed.some((other) => overlaps(box, other))) label.classList.add("covered");
    else placed.push(box);
  }
}

function overlaps(a, b) {
  return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
}
