/** Dates and places the attendance tests share. */

/** Today (UTC): its month's payroll cutoff is days away on any site's clock. */
export const today = new Date().toISOString().slice(0, 10);

/** The 15th two months back: that month's payroll cutoff has passed. */
export const twoMonthsBack = (() => {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 2, 15))
    .toISOString()
    .slice(0, 10);
})();

/** A geofence ring around west London, and a point inside it. */
export const LONDON_SQUARE = [
  [-0.2, 51.4],
  [0.0, 51.4],
  [0.0, 51.6],
  [-0.2, 51.6],
  [-0.2, 51.4],
];
export const INSIDE = { lat: 51.45, lng: -0.15 };
