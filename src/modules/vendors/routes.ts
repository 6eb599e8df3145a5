import { recordRoutes } from '../../platform/http/record-routes.js';
import { vendors } from './vendor-records.js';
import { CreateVendorBody, ListVendorsQuery, UpdateVendorBody, VendorSchema } from './schemas.js';

export const vendorRoutes = recordRoutes({
  path: '/vendors',
  tag: 'vendors',
  schemas: {
    record: VendorSchema,
    create: CreateVendorBody,
    update: UpdateVendorBody,
    listQuery: ListVendorsQuery,
  },
  permissions: { create: 'vendors.manage', update: 'vendors.manage', delete: 'vendors.manage' },
  service: vendors,
});
