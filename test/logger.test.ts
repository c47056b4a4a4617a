// Numbers in free text (a raw frame from the switch) are masked like numbers under known keys.
import t from 'tap'
import { maskDigitRuns } from '../src/logger.js'

void t.test('runs of 7 digits or more are masked; shorter ones and the text around them stay', async (t) => {
  const frame = '{"type":"StasisStart","channel":{"caller":{"number":"13812345678"},"dialplan":{"exten":"12345"}},"x":+8613812345678}'
  const masked = maskDigitRuns(frame)
  t.notMatch(masked, /13812345678/)
  t.match(masked, '"number":"138****5678"')
  t.match(masked, '+86*******5678', 'with its country code')
  t.match(masked, '"exten":"12345"', 'the hotline number is not a caller\'s')
  t.equal(maskDigitRuns('no digits here'), 'no digits here')
})
