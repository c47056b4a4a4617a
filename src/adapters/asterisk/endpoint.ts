// ARI endpoints are built from the operator's template and a directory number, and from nothing
// else: no caller input and no request body ever becomes part of what `POST /channels` dials.

import { HotlineError } from '../../errors.js'
import type { DialTarget } from '../../ports/switch.js'

const DIGITS = /^[0-9]{3,20}$/

/** `PJSIP/{number}@department` + `02155010001` → `PJSIP/02155010001@department` */
export function buildEndpoint (template: string, target: DialTarget): string {
  // Checked again here although the directory schema allows digits only: in a PJSIP endpoint a
  // `/`, `@`, `&` or `,` would reach another endpoint or dial several at once.
  if (!DIGITS.test(target.number)) {
    throw new HotlineError('HC_DIAL_TARGET', 'dial target is not a directory number', {
      details: { length: target.number.length }
    })
  }
  if (!template.includes('{number}')) {
    throw new HotlineError('HC_DIAL_TARGET', 'endpoint template has no {number} placeholder')
  }
  return template.replaceAll('{number}', target.number)
}
