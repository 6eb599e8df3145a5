export { vendorRoutes } from './routes.js';
