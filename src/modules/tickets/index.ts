export { ticketRoutes } from './routes.js';
