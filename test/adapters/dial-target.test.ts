import t from 'tap'
import { fillDialTemplate } from '../../src/adapters/dial-target.js'

void t.test('a directory number fills the template', async (t) => {
  t.equal(fillDialTemplate('PJSIP/{number}@department', { number: '02155010001' }), 'PJSIP/02155010001@department')
  t.equal(fillDialTemplate('sofia/gateway/department/{number}', { number: '02155010001' }),
    'sofia/gateway/department/02155010001')
  t.equal(fillDialTemplate('sofia/internal/{number}@10.0.0.5', { number: '8101' }), 'sofia/internal/8101@10.0.0.5')
})

void t.test('anything but digits is refused: nothing else can reach a dial string', async (t) => {
  const attacks = [
    '', '12', '123 &park()', '8101,user/9999', '{origination_uuid=x}8101', '8101|sofia/gateway/x/110',
    '8101\nsendmsg', '８１０１', '+8613800000000', '1'.repeat(21), '8101;transport=tcp', '8101@evil.example',
    '8101&PJSIP/9999', '8101/x', '１２３４５'
  ]
  for (const number of attacks) {
    t.throws(() => fillDialTemplate('sofia/gateway/department/{number}', { number }),
      { code: 'HC_DIAL_TARGET' }, JSON.stringify(number))
  }
})

void t.test('a template without a placeholder is refused', async (t) => {
  t.throws(() => fillDialTemplate('sofia/gateway/department/8101', { number: '8101' }),
    { code: 'HC_DIAL_TARGET' })
})
