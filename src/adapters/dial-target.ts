// What a switch dials is built from the operator's template and a directory number, and from
// nothing else: no caller input and no request body ever becomes part of a dial string
// (FreeSWITCH) or an endpoint (Asterisk).

import { HotlineError } from '../errors.js'
import type { DialTarget } from '../ports/switch.js'

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
