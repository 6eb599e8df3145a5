export { workOrderRoutes } from './routes.js';
