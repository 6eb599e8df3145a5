import type { RequestContext } from '../platform/context.js';
import { transitionRecord, type WorkflowDefinition } from '../workflow/index.js';
import type { Step } from './demo-stories.js';

export interface StoryStep extends Step {
  metadata?: Record<string, unknown>;
}

/**
 * Takes a record through `story` with the engine, as `POST .../transitions` does, so each step
 * is checked and leaves its STATE_CHANGED entry. `prepare` runs before each step: what a person
 * would do first for its rules to pass (assign a vendor, tick the checklist).
 */
export async function walkStory<Facts>(
  ctx: RequestContext,
  workflow: WorkflowDefinition<Facts>,
  id: string,
  story: readonly StoryStep[],
  prepare?: (step: StoryStep) => Promise<void>,
): Promise<void> {
  for (const step of story) {
    await prepare?.(step);
    await transitionRecord(
      ctx,
      workflow,
      id,
      { targetState: step.to, comments: step.comments, metadata: step.metadata },
      null,
    );
  }
}
