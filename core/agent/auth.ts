/**
 * Who may call the agent's API (interfaces.md: every route but `/healthz` needs a bearer token, "decided on
 * the route actually matched (however its path is encoded)"). Deny by default: the decision is made in
 * fastify's onRequest hook from the options of the route the router matched — a route is public only when
 * registered with `config: { public: true }`, and a request that matched no route needs a token too (so
 * an unauthenticated caller learns nothing, not even which paths exist). Nothing here looks at `req.url`:
 * the router decodes percent-escapes before matching, so a check on the raw URL is a check on a different
 * path than the one served (issue 8: `/%61pi/v1/status` was answered without a token).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { CoreError } from '../errors.js';
import type { TokenVerifier } from './tokens.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** answered without a token (only `/healthz`) */
    public?: boolean;
  }
}

/** One registered route, as collected by `onRoute` (tests walk every one of them). */
export interface RegisteredRoute {
  method: string;
  url: string;
  public: boolean;
}

export interface Auth {
  /** every route registered after `installAuth`, HEAD twins included */
  routes: RegisteredRoute[];
  /** the token name of an authenticated request (`-::who::-`, history `who`) */
  whoOf(req: FastifyRequest): string;
}

/** Adds the auth hook to `app`; call before registering routes so that every route is collected. */
export function installAuth(
  app: FastifyInstance,
  tokens: TokenVerifier,
  refuse: (reply: FastifyReply, e: CoreError) => FastifyReply,
): Auth {
  const routes: RegisteredRoute[] = [];
  const who = new WeakMap<FastifyRequest, string>();
  app.addHook('onRoute', (route: RouteOptions) => {
    for (const method of [route.method].flat()) routes.push({ method, url: route.url, public: route.config?.public === true });
  });
  app.addHook('onRequest', async (req, reply) => {
    // routeOptions.config is the matched route's config ({} when nothing matched): public only if it says so
    if (req.routeOptions.config?.public === true && !req.is404) return;
    const name = await tokens.verify(req.headers.authorization);
    if (name) {
      who.set(req, name);
      return;
    }
    reply.header('www-authenticate', 'Bearer');
    return refuse(
      reply,
      new CoreError(
        'UNAUTHORIZED',
        "A valid API token is required: send `Authorization: Bearer <token>` with the token from the node store's token file (or one made with `agent token add NAME`).",
      ),
    );
  });
  return {
    routes,
    whoOf(req) {
      const name = who.get(req);
      // only reachable on a route wrongly marked public; never act in nobody's name
      if (!name) throw new CoreError('UNAUTHORIZED', 'This request carries no authenticated token.');
      return name;
    },
  };
}
