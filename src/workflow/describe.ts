import type { Static } from 'typebox';
import { rulesOf } from './decide.js';
import { movesOf, terminalStates, type WorkflowDefinition } from './definition.js';
import type { WorkflowDescription } from './schemas.js';

/** A definition as data: states, every (from, to) pair, its permission, rules and warnings. */
export function describeWorkflow(
  workflow: WorkflowDefinition<unknown>,
): Static<typeof WorkflowDescription> {
  const describe = (item: { code: string; description: string }) => ({
    code: item.code,
    description: item.description,
  });
  const transitions = movesOf(workflow).map((move) => ({
    from_state: move.from,
    to_state: move.to,
    name: move.definition.name ?? null,
    permission: move.definition.permission,
    comments_required: move.definition.commentsRequired ?? false,
    rules: rulesOf(move).map(describe),
    warnings: [...(workflow.warnings ?? []), ...(move.definition.warnings ?? [])].map(describe),
  }));
  return {
    entity: workflow.entity,
    path: `/api/v1/${workflow.path}`,
    initial_state: workflow.initial,
    states: [...workflow.states],
    terminal_states: terminalStates(workflow),
    transitions,
    permissions: [...new Set(transitions.map((t) => t.permission))].sort(),
  };
}

/** A Mermaid state diagram of a definition: each edge names its permission and rules. */
export function workflowDiagram(workflow: WorkflowDefinition<unknown>): string {
  const lines = ['stateDiagram-v2', `    [*] --> ${workflow.initial}`];
  for (const move of movesOf(workflow)) {
    const rules = rulesOf(move).map((rule) => rule.code);
    const label = [
      move.definition.name,
      move.definition.permission,
      rules.length > 0 ? `[${rules.join(', ')}]` : undefined,
    ]
      .filter(Boolean)
      .join(' ');
    lines.push(`    ${move.from} --> ${move.to} : ${label}`);
  }
  for (const state of terminalStates(workflow)) lines.push(`    ${state} --> [*]`);
  return `${lines.join('\n')}\n`;
}

/** The definition an API path or CLI argument names: `work-orders`, `work_order` or `work_orders`. */
export function findWorkflow<W extends WorkflowDefinition<unknown>>(
  workflows: readonly W[],
  name: string,
): W | undefined {
  const normal = name.toLowerCase().replace(/-/g, '_');
  return workflows.find(
    (w) => w.entity === normal || w.path.replace(/-/g, '_') === normal || `${w.entity}s` === normal,
  );
}
