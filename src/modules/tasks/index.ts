export { taskRoutes } from './routes.js';
