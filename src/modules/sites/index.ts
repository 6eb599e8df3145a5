export { siteRoutes } from './routes.js';
export { sites } from './site-records.js';
export { isTimeZone } from './site-rules.js';
export { GeoJsonPolygon, type Polygon, type SiteRecord } from './schemas.js';
export { polygonContains } from './geofence.js';
