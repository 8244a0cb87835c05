import { z } from 'zod';
import type { RouteDef } from './route.js';
import { errorResponseSchema } from './route.js';

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
  return rest;
}

function objectProperties(
  schema: z.ZodType | undefined,
): Array<{ name: string; required: boolean; schema: unknown }> {
  if (!schema) return [];
  const json = jsonSchema(schema, 'input') as { properties?: Record<string, unknown>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, s]) => ({
    name,
    required: (json.required ?? []).includes(name),
    schema: s,
  }));
}

/** The OpenAPI 3.1 document, generated from the same zod schemas that validate requests. */
export function buildOpenApi(routes: readonly RouteDef[], version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const path = route.path.replace(/:([A-Za-z_]+)/g, '{$1}');
    const parameters = [
      ...objectProperties(route.params).map((p) => ({
        in: 'path',
        name: p.name,
        required: true,
        schema: p.schema,
      })),
      ...objectProperties(route.query).map((p) => ({
        in: 'query',
        name: p.name,
        required: p.required,
        schema: p.schema,
      })),
    ];
    const responses: Record<string, unknown> = {};
    for (const [status, r] of Object.entries(route.responses)) {
      responses[status] = r.schema
        ? {
            description: r.description,
            content: { 'application/json': { schema: jsonSchema(r.schema, 'output') } },
          }
        : { description: r.description };
    }
    responses.default = {
      description: 'Error',
      content: { 'application/json': { schema: jsonSchema(errorResponseSchema, 'output') } },
    };
    const requestBody = route.body
      ? { required: true, content: { 'application/json': { schema: jsonSchema(route.body, 'input') } } }
      : route.rawBody
        ? { required: false, content: { [route.rawBody]: { schema: { type: 'string', format: 'binary' } } } }
        : undefined;
    paths[path] ??= {};
    paths[path][route.method] = {
      summary: route.summary,
      tags: [route.tag],
      ...(parameters.length ? { parameters } : {}),
      ...(requestBody ? { requestBody } : {}),
      ...(route.access === 'public' ? { security: [] } : {}),
      'x-access': typeof route.access === 'string' ? route.access : route.access.capability,
      ...(route.example?.body !== undefined ? { 'x-example': route.example.body } : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Koppeling admin API', version },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    security: [{ bearer: [] }],
    paths,
  };
}
