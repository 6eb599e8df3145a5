export { assetRoutes } from './routes.js';
