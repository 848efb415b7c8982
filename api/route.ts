// A route is declared once: its zod schemas validate the request in the handler and describe the
// operation in the OpenAPI document, so the two cannot drift apart.
import type Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { createDocument, type ZodOpenApiOperationObject, type ZodOpenApiPathsObject } from 'zod-openapi';
import { ProblemSchema } from './problem.schema.ts';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface RouteResponse {
  description: string;
  schema?: z.ZodType;
  contentType?: string;
}

export interface RouteSpec<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType> {
  method: Method;
  /** OpenAPI style: `/v1/members/{id}`. */
  path: string;
  operationId: string;
  summary: string;
  tags: string[];
  params?: P;
  query?: Q;
  body?: B;
  responses: Record<number, RouteResponse>;
}

export interface Input<P, Q, B> {
  params: P;
  query: Q;
  body: B;
}

export interface Route {
  spec: RouteSpec<z.ZodType, z.ZodType, z.ZodType>;
  handle(ctx: Context): Promise<void>;
}

export function defineRoute<
  P extends z.ZodType = z.ZodUndefined,
  Q extends z.ZodType = z.ZodUndefined,
  B extends z.ZodType = z.ZodUndefined,
>(
  spec: RouteSpec<P, Q, B>,
  handler: (input: Input<z.output<P>, z.output<Q>, z.output<B>>, ctx: Context) => Promise<void> | void,
): Route {
  return {
    spec: spec as unknown as Route['spec'],
    async handle(ctx) {
      const input = {
        params: (spec.params ? spec.params.parse(ctx.params) : undefined) as z.output<P>,
        query: (spec.query ? spec.query.parse(ctx.query) : undefined) as z.output<Q>,
        body: (spec.body ? spec.body.parse(ctx.request.body) : undefined) as z.output<B>,
      };
      await handler(input, ctx);
    },
  };
}

const koaPath = (openApiPath: string) => openApiPath.replace(/\{(\w+)\}/g, ':$1');

export function mountRoutes(router: Router, routes: Route[]): void {
  for (const route of routes) {
    router[route.spec.method](route.spec.operationId, koaPath(route.spec.path), (ctx) => route.handle(ctx));
  }
}

const problemResponse = {
  description: 'Problem details (RFC 9457)',
  content: { 'application/problem+json': { schema: ProblemSchema } },
};

export function openApiDocument(routes: Route[], info: { title: string; version: string; description?: string }, serverUrl: string) {
  const paths: ZodOpenApiPathsObject = {};
  for (const { spec } of routes) {
    const operation: ZodOpenApiOperationObject = {
      operationId: spec.operationId,
      summary: spec.summary,
      tags: spec.tags,
      requestParams: {
        ...(spec.params ? { path: spec.params as never } : {}),
        ...(spec.query ? { query: spec.query as never } : {}),
      },
      ...(spec.body ? { requestBody: { content: { 'application/json': { schema: spec.body } } } } : {}),
      responses: {
        ...Object.fromEntries(
          Object.entries(spec.responses).map(([status, r]) => [
            status,
            {
              description: r.description,
              ...(r.schema ? { content: { [r.contentType ?? 'application/json']: { schema: r.schema } } } : {}),
            },
          ]),
        ),
        default: problemResponse,
      },
    };
    paths[spec.path] = { ...paths[spec.path], [spec.method]: operation };
  }
  return createDocument({
    openapi: '3.1.0',
    info,
    servers: [{ url: serverUrl }],
    paths,
  });
}
