import type { FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import { tenantOfToken } from '../auth/tokens.js';
import { AppError } from '../errors.js';
import type { Limiter, Verdict } from './sliding-window.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The rate-limit policy a route is counted under (SPEC §9); none: not limited. */
    rateLimit?: string;
  }
}

export interface RateLimitPolicy {
  windowSeconds: number;
  anonymous: number;
  user: number;
  premium: number;
}

/** A tenant's plan and its per-policy overrides (`{"search": 2000}`). */
export interface TenantLimits {
  plan: 'standard' | 'premium';
  overrides: Readonly<Record<string, number>>;
}

export interface RateLimitHooksOptions {
  limiter: Limiter;
  policies: Readonly<Record<string, RateLimitPolicy>>;
  onLimited: (policy: string) => void;
}

/** The limit a tenant's person gets under a policy: the override, else by plan. */
export function userLimit(policy: RateLimitPolicy, name: string, tenant: TenantLimits): number {
  return tenant.overrides[name] ?? (tenant.plan === 'premium' ? policy.premium : policy.user);
}

/**
 * Hooks for the routes whose config names a policy (SPEC §9), each request counted once, before
 * permissions, validation and the work:
 * - without a tenant token, by client address (anonymous limit), before authentication;
 * - with a tenant token, per person as soon as authentication knows the person: at once for a
 *   token the process resolved recently (principal cache, no lookup), else after the lookup;
 * - a token that fails authentication, by client address before its 401, so unknown tokens
 *   are refused with 429 once the address is over the anonymous limit.
 * A person's allowance is never shared with others behind the same address (ADR 0008).
 */
export function rateLimitHooks(options: RateLimitHooksOptions) {
  const counted = new WeakSet<FastifyRequest>();

  const count = async (
    request: FastifyRequest,
    reply: FastifyReply,
    key: string,
    limit: number,
  ) => {
    const name = request.routeOptions.config.rateLimit!;
    const policy = options.policies[name]!;
    counted.add(request);
    const verdict = await options.limiter.hit(`${name}:${key}`, limit, policy.windowSeconds * 1000);
    setHeaders(reply, name, policy, verdict);
    if (!verdict.allowed) {
      options.onLimited(name);
      const seconds = Math.ceil(verdict.retryAfterMs / 1000);
      reply.header('retry-after', String(seconds));
      throw new AppError('RATE_LIMITED', { details: { retry_after_seconds: seconds } });
    }
  };
  const countAddress = (request: FastifyRequest, reply: FastifyReply, policy: RateLimitPolicy) =>
    count(request, reply, `ip:${request.ip}`, policy.anonymous);
  const policyOf = (request: FastifyRequest) => {
    const name = request.routeOptions.config.rateLimit;
    return name ? options.policies[name] : undefined;
  };

  const beforeAuthentication: onRequestAsyncHookHandler = async (request, reply) => {
    const policy = policyOf(request);
    if (!policy || hasTenantToken(request)) return;
    await countAddress(request, reply, policy);
  };
  const afterAuthentication: onRequestAsyncHookHandler = async (request, reply) => {
    const policy = policyOf(request);
    const ctx = request.ctx;
    if (!policy || !ctx || counted.has(request)) return;
    // The plan and overrides come with the principal: a change reaches every process with it.
    const tenant = { plan: ctx.tenant.plan, overrides: ctx.tenant.rateLimits };
    const limit = userLimit(policy, request.routeOptions.config.rateLimit!, tenant);
    await count(request, reply, `user:${ctx.tenantId}:${ctx.actorId}`, limit);
  };
  /** Before a 401 is sent: a token that is not (or no longer) valid is counted by address. */
  const onUnauthenticated = async (request: FastifyRequest, reply: FastifyReply) => {
    const policy = policyOf(request);
    if (!policy || counted.has(request)) return;
    await countAddress(request, reply, policy);
  };
  return { beforeAuthentication, afterAuthentication, onUnauthenticated };
}

function hasTenantToken(request: FastifyRequest): boolean {
  const token = request.headers.authorization?.match(/^Bearer\s+(\S+)\s*$/i)?.[1];
  return token !== undefined && tenantOfToken(token) !== null;
}

/** The X-RateLimit-* fields and the IETF RateLimit-Policy / RateLimit fields. */
function setHeaders(reply: FastifyReply, name: string, policy: RateLimitPolicy, verdict: Verdict) {
  const resetSeconds = Math.ceil(verdict.resetMs / 1000);
  reply.header('x-ratelimit-limit', String(verdict.limit));
  reply.header('x-ratelimit-remaining', String(verdict.remaining));
  reply.header('x-ratelimit-reset', String(Math.ceil(Date.now() / 1000) + resetSeconds));
  reply.header('ratelimit-policy', `"${name}";q=${verdict.limit};w=${policy.windowSeconds}`);
  reply.header('ratelimit', `"${name}";r=${verdict.remaining};t=${resetSeconds}`);
}
