import { describe, expect, it } from 'vitest';
import { polygonContains } from './geofence.js';
import type { Polygon } from './schemas.js';

const polygon = (...rings: [number, number][][]): Polygon => ({
  type: 'Polygon',
  coordinates: rings,
});

/** A square around central London, [lng, lat]: lng -0.2…0.0, lat 51.4…51.6. */
const london = [
  [-0.2, 51.4],
  [0.0, 51.4],
  [0.0, 51.6],
  [-0.2, 51.6],
  [-0.2, 51.4],
] as [number, number][];

/** A hole in its middle: lng -0.12…-0.08, lat 51.48…51.52. */
const hole = [
  [-0.12, 51.48],
  [-0.08, 51.48],
  [-0.08, 51.52],
  [-0.12, 51.52],
  [-0.12, 51.48],
] as [number, number][];

describe('polygonContains', () => {
  it('holds for a point inside the outer ring and not for one outside it', () => {
    const fence = polygon(london);
    expect(polygonContains(fence, { lat: 51.5, lng: -0.1 })).toBe(true);
    expect(polygonContains(fence, { lat: 51.45, lng: -0.15 })).toBe(true);
    expect(polygonContains(fence, { lat: 51.7, lng: -0.1 })).toBe(false);
    expect(polygonContains(fence, { lat: 51.5, lng: 0.1 })).toBe(false);
    expect(polygonContains(fence, { lat: 51.5, lng: -0.3 })).toBe(false);
    expect(polygonContains(fence, { lat: 51.3, lng: -0.1 })).toBe(false);
  });

  it('leaves out a point in a hole, and keeps one between the hole and the outer ring', () => {
    const fence = polygon(london, hole);
    expect(polygonContains(fence, { lat: 51.5, lng: -0.1 })).toBe(false);
    expect(polygonContains(fence, { lat: 51.51, lng: -0.11 })).toBe(false);
    expect(polygonContains(fence, { lat: 51.45, lng: -0.1 })).toBe(true);
    expect(polygonContains(fence, { lat: 51.5, lng: -0.15 })).toBe(true);
    expect(polygonContains(fence, { lat: 51.5, lng: -0.05 })).toBe(true);
  });

  it('reads positions as GeoJSON [lng, lat], not [lat, lng]', () => {
    // A thin box, lng 10…20, lat 0…1: (lat 15, lng 0.5) lies inside only with the axes swapped.
    const fence = polygon([
      [10, 0],
      [20, 0],
      [20, 1],
      [10, 1],
      [10, 0],
    ]);
    expect(polygonContains(fence, { lat: 0.5, lng: 15 })).toBe(true);
    expect(polygonContains(fence, { lat: 15, lng: 0.5 })).toBe(false);
  });

  it('follows a concave outline: the notch of a U is outside', () => {
    // A U opening north: lng 0…3, lat 0…3, with the notch lng 1…2, lat 1…3 cut out.
    const u = polygon([
      [0, 0],
      [3, 0],
      [3, 3],
      [2, 3],
      [2, 1],
      [1, 1],
      [1, 3],
      [0, 3],
      [0, 0],
    ]);
    expect(polygonContains(u, { lat: 2, lng: 1.5 })).toBe(false);
    expect(polygonContains(u, { lat: 2, lng: 0.5 })).toBe(true);
    expect(polygonContains(u, { lat: 2, lng: 2.5 })).toBe(true);
    expect(polygonContains(u, { lat: 0.5, lng: 1.5 })).toBe(true);
    expect(polygonContains(u, { lat: 2, lng: 3.5 })).toBe(false);
  });

  it('works on both sides of the equator and the prime meridian', () => {
    const fence = polygon([
      [-1, -1],
      [1, -1],
      [1, 1],
      [-1, 1],
      [-1, -1],
    ]);
    expect(polygonContains(fence, { lat: -0.5, lng: -0.5 })).toBe(true);
    expect(polygonContains(fence, { lat: 0.5, lng: 0.5 })).toBe(true);
    expect(polygonContains(fence, { lat: -1.5, lng: 0 })).toBe(false);
  });

  it('contains nothing without an outer ring', () => {
    expect(polygonContains(polygon(), { lat: 0, lng: 0 })).toBe(false);
  });
});
