import t from 'tap'
import { defaultMediaDurationMs, FILE_MS, TONE_MS } from '../../../src/adapters/sim/media.js'

void t.test('silence_stream://N plays N ms; a negative N plays until stopped', (t) => {
  t.equal(defaultMediaDurationMs('silence_stream://1500'), 1500)
  t.equal(defaultMediaDurationMs('silence_stream://250,1400'), 250, 'the silence factor is ignored')
  t.equal(defaultMediaDurationMs('silence_stream://-1'), Number.POSITIVE_INFINITY)
  t.end()
})

void t.test('tones and files have fixed lengths', (t) => {
  t.equal(TONE_MS, 800)
  t.equal(FILE_MS, 1000)
  t.equal(defaultMediaDurationMs('tone_stream://%(300,100,440);loops=2'), TONE_MS)
  t.equal(defaultMediaDurationMs('tone:ring'), TONE_MS)
  t.equal(defaultMediaDurationMs('/opt/freeswitch/var/sounds/ivr/welcome.wav'), FILE_MS)
  t.equal(defaultMediaDurationMs('sound:hello-world'), FILE_MS)
  t.equal(defaultMediaDurationMs('silence_stream://x'), FILE_MS, 'not a length: treated as a file')
  t.end()
})
