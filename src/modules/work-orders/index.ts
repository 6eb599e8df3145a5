export { workOrderRoutes } from './routes.js';
export { workOrders } from './work-order-records.js';
export { createWorkOrder } from './create-work-order.js';
export { lineItems } from './line-items.js';
export {
  findWorkOrder,
  LINE_ITEMS,
  listLineItems,
  requireWorkOrder,
  WORK_ORDERS,
} from './repository.js';
export {
  WORK_ORDER_STATUSES,
  WorkOrderSchema,
  type CreateWorkOrderInput,
  type LineItemRecord,
  type LineItemSummary,
  type UpdateWorkOrderInput,
  type WorkOrderRecord,
  type WorkOrderStatus,
} from './schemas.js';
export { WORK_ORDER_WORKFLOW } from './machine.js';
