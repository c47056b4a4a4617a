// REST API of the directory (事项目录) for the agent console: find the matter a caller needs by
// a piece of its Chinese name (or its id, or English name), or browse a category, then
// start the three-way transfer with the matter's id (POST /api/calls/:id/transfer).
//
// What each role sees: agents get the matter, its category and owning department and how
// many numbers its hunt list has — they never choose a number (the transfer names a matter and
// the directory supplies the numbers), and each number dialled shows in the hunt progress as
// it is tried. Supervisors and admins also get the hunt list itself, to check it against
// what they know of the departments. Department numbers are office lines, not personal data.

import { type Static, Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { type Directory, type Matter, PRIORITY_LABELS, priorityCode } from '../../domain/directory.js'
import { BEARER, ERROR_RESPONSES, NoQuery, failureBody } from '../schemas.js'
import { typeboxValidator } from '../validator.js'

export interface DirectoryRoutesDeps {
  directory: Directory
}

const DEFAULT_LIMIT = 100
const MAX_LIMIT = 500

const MattersQuery = Type.Object({
  /** Part of the matter's name (Chinese or English) or id; full-width letters count as ASCII. */
  q: Type.Optional(Type.String({ maxLength: 64 })),
  /** One category of the directory, as written there (e.g. 税务). */
  category: Type.Optional(Type.String({ minLength: 1, maxLength: 32 })),
  limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,4}$' }))
}, { additionalProperties: false })

const HuntView = Type.Object({
  number: Type.String(),
  label: Type.Optional(Type.String()),
  ringTimeoutSec: Type.Integer()
})
const MatterView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  nameEn: Type.String(),
  category: Type.String(),
  /** handling | help | hot-policy | second */
  priority: Type.String(),
  /** What agents read, e.g. 一类·办事. */
  priorityLabel: Type.String(),
  departmentId: Type.String(),
  departmentName: Type.String(),
  /** How many transfer numbers the hunt list has. */
  numbers: Type.Integer(),
  /** The hunt list in order: supervisors and admins only. */
  hunt: Type.Optional(Type.Array(HuntView))
})
const MattersAnswer = Type.Object({
  /** Matching matters, best first (exact id, then names starting with q, then the rest). */
  matters: Type.Array(MatterView),
  /** How many matched before `limit` cut the list. */
  total: Type.Integer()
})
const CategoriesAnswer = Type.Object({
  categories: Type.Array(Type.Object({ name: Type.String(), matters: Type.Integer() }))
})

type MatterViewT = Static<typeof MatterView>

function matterView (directory: Directory, matter: Matter, withHunt: boolean): MatterViewT {
  const code = priorityCode(matter.priority)
  const view: MatterViewT = {
    id: matter.id,
    name: matter.name,
    nameEn: matter.nameEn,
    category: matter.category,
    priority: code,
    priorityLabel: PRIORITY_LABELS[code],
    departmentId: matter.departmentId,
    departmentName: directory.department(matter.departmentId)?.name ?? matter.departmentId,
    numbers: matter.hunt.length
  }
  if (withHunt) view.hunt = matter.hunt.map((h) => ({ number: h.number, ringTimeoutSec: h.ringTimeoutSec, ...(h.label === undefined ? {} : { label: h.label }) }))
  return view
}

function directoryRoutes (app: FastifyInstance, deps: DirectoryRoutesDeps): Promise<void> {
  app.setValidatorCompiler(typeboxValidator)
  const readers = app.requireRole(['agent', 'supervisor', 'admin'])
  const { directory } = deps

  app.get<{ Querystring: Static<typeof MattersQuery> }>('/api/directory/matters', {
    onRequest: readers,
    schema: {
      summary: 'Find matters by part of their name or id, or by category (for the three-way transfer)',
      tags: ['directory'],
      security: BEARER,
      querystring: MattersQuery,
      response: { 200: MattersAnswer, ...ERROR_RESPONSES }
    }
  }, async (request, reply) => {
    const { q, category } = request.query
    if (category !== undefined && !directory.categories().includes(category)) {
      return await reply.code(400).send(failureBody(400, 'HC_BAD_REQUEST', `querystring/category: no category "${category}" in the directory (GET /api/directory/categories lists them)`))
    }
    const text = q?.trim() ?? ''
    // No text: the whole category (or the whole directory), in file order, as the menus list it.
    let found = text === '' ? (category === undefined ? directory.matters() : directory.mattersByCategory(category)) : directory.searchMatters(text)
    if (text !== '' && category !== undefined) found = found.filter((m) => m.category === category)
    const limit = Math.min(MAX_LIMIT, Math.max(1, request.query.limit === undefined ? DEFAULT_LIMIT : Number(request.query.limit)))
    const withHunt = request.apiUser?.role === 'supervisor' || request.apiUser?.role === 'admin'
    return { matters: found.slice(0, limit).map((m) => matterView(directory, m, withHunt)), total: found.length }
  })

  app.get('/api/directory/categories', {
    onRequest: readers,
    schema: {
      summary: 'The matter categories, in the order the IVR menus list them',
      tags: ['directory'],
      security: BEARER,
      querystring: NoQuery,
      response: { 200: CategoriesAnswer, ...ERROR_RESPONSES }
    }
  }, () => Promise.resolve({
    categories: directory.categories().map((name) => ({ name, matters: directory.mattersByCategory(name).length }))
  }))
  return Promise.resolve()
}

/** Encapsulated (its validator is its own), after the auth plugin it depends on. */
export const directoryRoutesPlugin = fp(directoryRoutes, {
  name: 'hotline-directory-routes',
  fastify: '5.x',
  dependencies: ['hotline-auth'],
  encapsulate: true
})

export async function registerDirectoryRoutes (app: FastifyInstance, deps: DirectoryRoutesDeps): Promise<void> {
  await app.register(directoryRoutesPlugin, deps)
}
