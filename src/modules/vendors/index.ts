export { vendorRoutes } from './routes.js';
export { vendors } from './vendor-records.js';
export type { CreateVendorInput, UpdateVendorInput, VendorRecord } from './schemas.js';
