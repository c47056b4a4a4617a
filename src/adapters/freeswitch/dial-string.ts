// Dial strings are built from the operator's template and a directory number, and from
// nothing else: no caller input and no request body ever becomes part of a dial string.

import { HotlineError } from '../../errors.js'
import type { DialTarget } from '../../ports/switch.js'

const DIGITS = /^[0-9]{3,20}$/

/** `sofia/gateway/department/{number}` + `02155010001` → `sofia/gateway/department/02155010001` */
export function buildDialString (template: string, target: DialTarget): string {
  // Checked again here although the directory schema allows digits only: a dial string is
  // where an injected `,` `{` `}` `&` or space would turn into switch commands.
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
