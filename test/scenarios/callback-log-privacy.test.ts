// Personal data in the log: an after-hours caller declines their caller ID, keys another
// number to be called back on and hears it read back, digit by digit. Every log line of the
// controller is then searched for either number: no run of 7 of its digits may appear, in one
// line or spelled out over the call's lines (a prompt per digit, a key per field).
import t from 'tap'
import type { SimCallHandle } from '../../src/adapters/sim/model-types.js'
import { type LogLine, PROTOCOLS, sounds, startTestController } from '../helpers/controller.js'
import { eventually } from '../helpers/sim.js'

const CALLER = '13812345678'
const KEYED = '13987654321'
const TAX_DESK = 'tax-desk-token-0123456789'

/** Waits for the `nth` time the caller hears `prompt`, then keys `digits`. */
async function at (caller: SimCallHandle, prompt: string, digits: string, nth = 1): Promise<void> {
  await eventually(() => sounds(caller.heard).filter((p) => p === prompt).length >= nth ? true : undefined, `${prompt} #${nth}`, 15_000)
  caller.sendDtmf(digits)
}

/** Every run of 7 digits of the number: what must never be found. */
const windows = (number: string): string[] => Array.from({ length: number.length - 6 }, (_, i) => number.slice(i, i + 7))

/** Ids and times are digits by nature; everything else a line says is searched. */
const NOT_SAID = new Set(['time', 'pid', 'hostname', 'callId', 'leg', 'legId', 'ticketId', 'controllerId', 'reqId'])

/** The digits a line's values hold, in order (nested objects too). */
function digitsOf (value: unknown, key = ''): string {
  if (NOT_SAID.has(key)) return ''
  if (typeof value === 'string') return (value.match(/[0-9]+/g) ?? []).join('')
  if (typeof value === 'object' && value !== null) return Object.entries(value).map(([k, v]) => digitsOf(v, k)).join('')
  return ''
}

for (const protocol of PROTOCOLS) {
  void t.test(`${protocol}: a callback number keyed in and read back is nowhere in the log`, async (t) => {
    const c = await startTestController(t, protocol, {
      ivr: { at: '2025-03-14T18:00:00+08:00' }, env: { API_TOKENS: `${TAX_DESK}:department:tax` }
    })
    const caller = c.sim.model.placeCall({ from: CALLER, to: '12345' })
    await at(caller, 'priority-menu', '1')
    await at(caller, 'category-menu', '1')
    await at(caller, 'matter-menu-tax', '2')
    await at(caller, 'callback-confirm', '2') // not the caller ID: another number
    await at(caller, 'callback-enter', `${KEYED}#`)
    await at(caller, 'callback-confirm', '1', 2) // the keyed number, read back, confirmed
    await caller.ended
    const heard = sounds(caller.heard)
    t.same(heard.slice(heard.indexOf('callback-keyed') + 1, heard.indexOf('callback-keyed') + 12), [...KEYED].map((d) => `digit-${d}`),
      'the caller heard the keyed number read back in full')

    const list = await c.controller.app.inject({ url: '/api/tickets', headers: { authorization: `Bearer ${TAX_DESK}` } })
    t.match(list.json(), { tickets: [{ callbackNumber: KEYED }] }, 'the department gets the keyed number to call back')

    const call = await eventually(() => c.controller.calls.recent().find((s) => s.legId === caller.channel.id), 'call record')
    const lines = c.lines.filter((l) => l.callId === call.callId)
    t.ok(lines.some((l) => l.msg === 'caller pressed keys' && l.digits === '139****4321'), 'the keyed number is logged masked')
    t.equal(lines.filter((l) => l.msg === 'reading the number back').length, 2, 'one summary per read-back (caller ID, keyed number)')
    t.ok(lines.some((l) => l.readBack === '139****4321'), 'the read-back summary is masked')
    t.notOk(lines.some((l) => typeof l.prompt === 'string' && l.prompt.startsWith('digit-')), 'no line per digit read back')

    const spelled = lines.map((l: LogLine) => digitsOf(l)).join('')
    for (const number of [CALLER, KEYED]) {
      for (const run of windows(number)) {
        const line = c.raw.find((text) => text.includes(run))
        t.equal(line, undefined, `no log line holds ${run}`)
        t.notOk(spelled.includes(run), `the call's lines together do not spell ${run}`)
      }
    }
  })
}
