// What a switch dials is built from the operator's template and a directory number, and from
// nothing else: no caller input and no request body ever becomes part of a dial string
// (FreeSWITCH) or an endpoint (Asterisk).

import { HotlineError } from '../errors.js'
import { type DialTarget, LEG_ROLES, type LegTag } from '../ports/switch.js'

const DIGITS = /^[0-9]{3,20}$/

/**
 * `sofia/gateway/department/{number}` or `PJSIP/{number}@department` + `02155010001`.
 * The number is checked again here although the directory schema allows digits only: in a
 * dial string an injected `,` `{` `}` `&` or space turns into switch commands, and in a PJSIP
 * endpoint a `/`, `@`, `&` or `,` reaches another endpoint or dials several at once.
 */
export function fillDialTemplate (template: string, target: DialTarget): string {
  if (!DIGITS.test(target.number)) {
    throw new HotlineError('HC_DIAL_TARGET', 'dial target is not a directory number', {
      details: { length: target.number.length }
    })
  }
  if (!template.includes('{number}')) {
    throw new HotlineError('HC_DIAL_TARGET', 'dial template has no {number} placeholder')
  }
  return template.replaceAll('{number}', target.number)
}

/** Ids a leg tag may hold: they go into originate variables and API arguments, so nothing that could end or split them. */
const TAG_ID = /^[A-Za-z0-9._:-]{1,128}$/

/** The tag as it was given, once both ids are checked (HC_SWITCH_COMMAND otherwise). */
export function checkedTag (tag: LegTag): LegTag {
  for (const value of [tag.controllerId, tag.callId]) {
    if (!TAG_ID.test(value)) throw new HotlineError('HC_SWITCH_COMMAND', `a leg tag may hold letters, digits and . _ : - only: ${JSON.stringify(value)}`)
  }
  if (tag.role !== undefined && !LEG_ROLES.includes(tag.role)) throw new HotlineError('HC_SWITCH_COMMAND', `no leg role ${JSON.stringify(tag.role)}`)
  return tag
}

/** The tag read back from a leg's variables: undefined unless both ids are there and well formed. */
export function readTag (controllerId: string | undefined, callId: string | undefined, role: string | undefined): LegTag | undefined {
  if (controllerId === undefined || callId === undefined || !TAG_ID.test(controllerId) || !TAG_ID.test(callId)) return undefined
  const known = LEG_ROLES.find((r) => r === role)
  return { controllerId, callId, ...(known === undefined ? {} : { role: known }) }
}
