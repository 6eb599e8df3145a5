export { identityRoutes } from './routes.js';
export { createTenant, type CreatedTenant } from './create-tenant.js';
export { createPerson } from './create-person.js';
export { createRole } from './create-role.js';
export { createToken } from './create-token.js';
export { ALL_PERMISSIONS } from './permissions.js';
