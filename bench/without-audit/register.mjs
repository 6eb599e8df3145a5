// Given to a server process with --import (before tsx): its imports of the audit writer get
// ./record-audit.ts instead. Only `npm run bench` does this, for its server without the audit write.
import { register } from 'node:module';

register('./hooks.mjs', import.meta.url);
