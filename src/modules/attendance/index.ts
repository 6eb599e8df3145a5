export { attendanceRoutes } from './routes.js';
