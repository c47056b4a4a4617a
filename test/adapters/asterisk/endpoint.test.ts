import t from 'tap'
import { fillDialTemplate as buildEndpoint } from '../../../src/adapters/dial-target.js'

void t.test('a directory number fills the endpoint template', async (t) => {
  t.equal(buildEndpoint('PJSIP/{number}@department', { number: '02155010001' }), 'PJSIP/02155010001@department')
})

void t.test('anything but digits never reaches an endpoint', async (t) => {
  for (const number of ['8101@other', '8101&PJSIP/9999', '12', '', '8101,8102', '8101/x', '１２３４５']) {
    t.throws(() => buildEndpoint('PJSIP/{number}@department', { number }), { code: 'HC_DIAL_TARGET' }, JSON.stringify(number))
  }
  t.throws(() => buildEndpoint('PJSIP/department', { number: '02155010001' }), { code: 'HC_DIAL_TARGET' }, 'template without placeholder')
})
