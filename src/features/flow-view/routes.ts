// REST API of the flow view (流程图), for supervisors and admins:
//
//   GET /api/flows                 every flow file: in force (id, version, steps) or refused
//                                  with its problems; refusals of the prompt catalogue
//   GET /api/flows/:id/graph       the version in force of one flow, laid out for drawing:
//                                  nodes with positions, edges with their points and labels
//
// Thin: the files and their refusals come from FlowView (feature.ts), the graph from graph.ts
// and layout.ts. An id no flow in force carries is a 404 with the
// reason; a direction other than TB or LR is a 400. Definitions: docs/flows.md#flow-view.

import { type Static, Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { DIRECTIONS, type Direction, type LaidOutGraph } from './layout.js'
import { STEP_KIND_NAMES } from '../../flows/schema.js'
import { BEARER, ERROR_RESPONSES, NoQuery, failureBody } from '../../http/schemas.js'
import { typeboxValidator } from '../../http/validator.js'

export interface FlowViewSource {
  files(): Promise<FlowFilesAnswer>
  graph(flowId: string, direction: Direction): Promise<LaidOutGraph | undefined>
}

export interface FlowRoutesDeps {
  view: FlowViewSource
}

const Problem = Type.Object({
  file: Type.String({ description: 'the file name inside ivr-flows/ (the folder\'s own name for a folder that cannot be read)' }),
  path: Type.String({ description: 'JSON pointer inside the file' }),
  reason: Type.String()
})

const FlowFile = Type.Object({
  file: Type.String({ description: 'the file name inside ivr-flows/' }),
  status: Type.Union([Type.Literal('loaded'), Type.Literal('rejected')], {
    description: 'loaded: no refusal stands; rejected: the registry refused the file as it stands (the version in force, if any, stays)'
  }),
  id: Type.Optional(Type.String({ description: 'absent: the file was never in force' })),
  name: Type.Optional(Type.String()),
  version: Type.Optional(Type.String({ description: 'the version in force: the first 16 hex digits of the file\'s SHA-256' })),
  start: Type.Optional(Type.String()),
  steps: Type.Optional(Type.Integer()),
  problems: Type.Array(Problem, { description: 'why the file was refused' }),
  warnings: Type.Array(Problem, { description: 'the warnings of the version in force' }),
  refusedAt: Type.Optional(Type.String({ format: 'date-time', description: 'when the registry last refused it' }))
})

const FilesAnswer = Type.Object({
  flows: Type.Array(FlowFile),
  problems: Type.Array(Type.Object({ ...Problem.properties, refusedAt: Type.String({ format: 'date-time' }) }), {
    description: 'refusals of the prompt catalogue (prompts.yaml) or of the folder'
  })
})

/** What GET /api/flows answers (the feature's FlowFilesView is of this shape). */
export type FlowFilesAnswer = Static<typeof FilesAnswer>

const Point = Type.Object({ x: Type.Number(), y: Type.Number() })

const ExitFields = {
  label: Type.String(),
  outcome: Type.String({ description: 'next, key, fail, open, closed, first, second, case, default, served, overflow, confirmed' }),
  key: Type.Optional(Type.String()),
  detail: Type.Optional(Type.String())
}

const Node = Type.Object({
  id: Type.String(),
  kind: Type.Union(STEP_KIND_NAMES.map((k) => Type.Literal(k))),
  kindName: Type.String(),
  label: Type.String(),
  start: Type.Boolean(),
  end: Type.Boolean(),
  reachable: Type.Boolean(),
  prompts: Type.Array(Type.Object({ role: Type.String(), id: Type.String(), text: Type.Optional(Type.String()) })),
  facts: Type.Array(Type.Object({ name: Type.String(), value: Type.String() })),
  exits: Type.Array(Type.Object({ to: Type.String(), ...ExitFields })),
  x: Type.Number({ description: 'the centre of the box' }),
  y: Type.Number(),
  width: Type.Number(),
  height: Type.Number()
})

const Edge = Type.Object({
  from: Type.String(),
  to: Type.String(),
  label: Type.String({ description: 'every exit from `from` to `to`, merged (按1–7、0；超时/按错)' }),
  exits: Type.Array(Type.Object(ExitFields)),
  points: Type.Array(Point),
  labelX: Type.Optional(Type.Number()),
  labelY: Type.Optional(Type.Number())
})

const GraphAnswer = Type.Object({
  flow: Type.Object({
    id: Type.String(),
    name: Type.String(),
    description: Type.Optional(Type.String()),
    version: Type.String(),
    file: Type.String(),
    start: Type.String()
  }),
  direction: Type.Union(DIRECTIONS.map((d) => Type.Literal(d))),
  start: Type.String(),
  ends: Type.Array(Type.String()),
  nodes: Type.Array(Node),
  edges: Type.Array(Edge),
  width: Type.Number(),
  height: Type.Number()
})

const GraphParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) })
const GraphQuery = Type.Object({
  // A pattern rather than a union of literals: the 400 then names the values allowed.
  direction: Type.Optional(Type.String({ pattern: `^(${DIRECTIONS.join('|')})$`, description: 'TB: top to bottom (default); LR: left to right' }))
}, { additionalProperties: false })

function flowRoutes (app: FastifyInstance, deps: FlowRoutesDeps): Promise<void> {
  app.setValidatorCompiler(typeboxValidator)
  const supervisors = app.requireRole(['supervisor', 'admin'])

  app.get('/api/flows', {
    onRequest: supervisors,
    schema: {
      summary: 'Every flow file of ivr-flows/: in force (id, version, steps) or refused with its problems',
      tags: ['flows'],
      security: BEARER,
      querystring: NoQuery,
      response: { 200: FilesAnswer, ...ERROR_RESPONSES }
    }
  }, async () => await deps.view.files())

  app.get<{ Params: Static<typeof GraphParams>, Querystring: Static<typeof GraphQuery> }>('/api/flows/:id/graph', {
    onRequest: supervisors,
    schema: {
      summary: 'The version in force of one flow as a laid-out graph: steps as nodes, exits as edges',
      description: 'Positions in px from the top left (node x/y: the centre of its box); parallel exits between two steps are one edge whose label lists them. direction: TB (top to bottom, default) or LR (left to right). 404 when no flow in force has this id.',
      tags: ['flows'],
      security: BEARER,
      params: GraphParams,
      querystring: GraphQuery,
      response: { 200: GraphAnswer, ...ERROR_RESPONSES }
    }
  }, async (request, reply) => {
    const graph = await deps.view.graph(request.params.id, (request.query.direction ?? 'TB') as Direction)
    if (graph === undefined) {
      return await reply.code(404).send(failureBody(404, 'HC_NOT_FOUND', `no flow "${request.params.id}" in force (GET /api/flows lists them)`))
    }
    return graph
  })
  return Promise.resolve()
}

/** Encapsulated (its validator is its own), after the auth plugin it depends on. */
const flowRoutesPlugin = fp(flowRoutes, {
  name: 'hotline-flow-routes',
  fastify: '5.x',
  dependencies: ['hotline-auth'],
  encapsulate: true
})

export async function registerFlowRoutes (app: FastifyInstance, deps: FlowRoutesDeps): Promise<void> {
  await app.register(flowRoutesPlugin, deps)
}
