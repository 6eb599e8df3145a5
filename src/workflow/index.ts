export {
  noFacts,
  type Rule,
  type TransitionDefinition,
  type TransitionFacts,
  type WarningCheck,
  type WorkflowDefinition,
  type WorkflowRecord,
} from './definition.js';
export { decideTransition, type Decision, type TransitionRequest, type Warning } from './decide.js';
export { describeWorkflow, findWorkflow, workflowDiagram } from './describe.js';
export { transitionRoutes, workflowCatalogRoutes } from './routes.js';
export {
  listTransitionOptions,
  transitionRecord,
  type TransitionResult,
} from './transition-record.js';
export {
  bulkAssign,
  bulkMove,
  bulkSetField,
  bulkTransition,
  bulkUpdate,
  type BulkEndpoint,
} from './bulk/endpoints.js';
export { BULK_RATE_LIMIT_POLICY, bulkRoutes } from './bulk/routes.js';
