// The opened incident on a small map: its geometry and marker, coloured by level, over
// the area's units (no tiles needed).
import { L, baseMap, located, unitMarker } from "../mapbase.js";

export class DeskMap {
  constructor(element, tileUrl) {
    this.element = element;
    this.map = baseMap(element, tileUrl, { zoomControl: true, keyboard: false });
    this.map.setView([35, 105], 4);
    this.unitLayer = L.layerGroup().addTo(this.map);
    this.shapeLayer = L.layerGroup().addTo(this.map);
    this.shown = null;
  }

  showUnits(units) {
    this.unitLayer.clearLayers();
    for (const unit of located(units)) unitMarker(unit).addTo(this.unitLayer);
  }

  show(incident) {
    this.map.invalidateSize();
    this.shapeLayer.clearLayers();
    const level = `lv-${incident.level || "none"}`;
    const exercise = incident.exercise ? " exercise" : "";
    const shape = L.geoJSON(incident.geometry, {
      style: () => ({ className: `incident-shape ${level}${exercise}` }),
      pointToLayer: (_feature, latlng) => L.circleMarker(latlng, { radius: 8 }),
      interactive: false,
    }).addTo(this.shapeLayer);
    L.circleMarker([incident.lat, incident.lon], { radius: 12, className: `incident-marker ${level}${exercise}`, interactive: false }).addTo(this.shapeLayer);
    // Frame the incident once when it is opened, not on every update.
    if (this.shown !== incident.id) {
      const bounds = shape.getBounds();
      if (bounds.isValid() && !bounds.getNorthEast().equals(bounds.getSouthWest())) this.map.fitBounds(bounds, { padding: [30, 30], maxZoom: 14 });
      else this.map.setView([incident.lat, incident.lon], 12);
      this.shown = incident.id;
    }
  }
}
