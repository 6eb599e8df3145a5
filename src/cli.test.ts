import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { workflowDiagram } from './workflow/index.js';
import { WORKFLOWS } from './workflows.js';

const BIN = fileURLToPath(new URL('../bin/facilityflow.js', import.meta.url));
/** Where a database would go if the command opened one: it must not appear. */
const DATA_DIR = join(tmpdir(), `facilityflow-cli-${process.pid}`, 'data');

/** `npx facilityflow <args>`, pointed at databases that cannot be opened. */
function facilityflow(...args: string[]) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      {
        env: {
          ...process.env,
          DATA_DIR,
          DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none',
        },
      },
      (error, stdout, stderr) => {
        resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
      },
    );
  });
}

describe('facilityflow diagram <entity>', () => {
  it('prints each Mermaid diagram by entity or path, without opening a database', async () => {
    // Entities by either name: work_order as work-orders, the others by entity.
    const names = WORKFLOWS.map((workflow, i) => (i === 0 ? workflow.path : workflow.entity));
    const runs = await Promise.all(names.map((name) => facilityflow('diagram', name)));
    runs.forEach((run, i) => {
      const workflow = WORKFLOWS[i]!;
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(run.stdout).toBe(workflowDiagram(workflow));
      expect(run.stdout).toMatch(
        new RegExp(`^stateDiagram-v2\\n {4}\\[\\*\\] --> ${workflow.initial}\\n`),
      );
    });
    expect(existsSync(DATA_DIR)).toBe(false);
  });

  it('answers an unknown or missing entity with the valid names and exit code 2', async () => {
    const [unknown, missing] = await Promise.all([
      facilityflow('diagram', 'boiler'),
      facilityflow('diagram'),
    ]);
    for (const run of [unknown, missing]) {
      expect(run.code).toBe(2);
      expect(run.stdout).toBe('');
      for (const workflow of WORKFLOWS) expect(run.stderr).toContain(workflow.entity);
    }
    expect(unknown.stderr).toContain('"boiler"');
  });
});
