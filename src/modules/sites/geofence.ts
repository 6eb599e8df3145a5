import type { Polygon } from './schemas.js';

type Ring = Polygon['coordinates'][number];

/**
 * Whether a point lies inside a GeoJSON polygon: inside its outer ring and in none of its holes.
 * Positions are `[lng, lat]` (GeoJSON order). Planar: fine at the size of a site, but a polygon
 * that crosses the antimeridian (±180° longitude) is not supported.
 */
export function polygonContains(polygon: Polygon, point: { lat: number; lng: number }): boolean {
  const [outer, ...holes] = polygon.coordinates;
  if (!outer || !ringContains(outer, point)) return false;
  return !holes.some((hole) => ringContains(hole, point));
}

/** Ray casting: a ray east from the point crosses the ring's edges an odd number of times. */
function ringContains(ring: Ring, { lat, lng }: { lat: number; lng: number }): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i, i += 1) {
    const [xi, yi] = ring[i] as [number, number];
    const [xj, yj] = ring[j] as [number, number];
    const crosses = yi > lat !== yj > lat && lng < ((xj - xi) * (lat - yi)) / (yj - yi) + xi;
    if (crosses) inside = !inside;
  }
  return inside;
}
