// Record versions: what this version writes, and how it reads what others wrote.
import t from 'tap'
import { RECORD_VERSION, readRecord, stamped, upgraded } from '../../src/domain/record-version.js'

void t.test('written with this version; read up to it; a newer one left as it is', (t) => {
  t.same(stamped({ id: 'a', v: 7 }), { id: 'a', v: RECORD_VERSION }, 'the writer stamps what it understands')
  t.same(upgraded<{ id: string, v?: number }>({ id: 'a' }), { id: 'a', v: RECORD_VERSION }, 'before versions: brought up to this one')
  const newer = { id: 'a', v: RECORD_VERSION + 1, extra: [1] }
  t.equal(upgraded(newer), newer, 'a newer record is used as written')
  t.same(readRecord('{"id":"b","v":0}'), { id: 'b', v: RECORD_VERSION })
  t.throws(() => { readRecord('{') }, SyntaxError)
  t.end()
})
