// What espeak-ng would say for every prompt of the catalogue, from its phonemes alone (-q -x,
// no audio, so all of them are checked quickly): no switch to another language mid-prompt,
// no long number read as a quantity, ten different digits.
import { join } from 'node:path'
import t from 'tap'
import { loadPromptCatalogue } from '../../src/flows/prompts.js'
import { VOICE, languageSwitches, phonemes, speechText } from '../../src/prompts/speech.js'

const ROOT = new URL('../../', import.meta.url).pathname
const catalogue = await loadPromptCatalogue(join(ROOT, 'ivr-flows', 'prompts.yaml'))
// A tune (the hold music) is never spoken.
const prompts = Object.fromEntries(Object.entries(catalogue.prompts).filter(([, p]) => p.tune === undefined))

void t.test('languageSwitches reads espeak-ng\'s markers; a return to the voice is not a switch', async (t) => {
  t.same(languageSwitches("s'uei35_| p'a51n_| (en)a11p(cmn)_|"), ['en'])
  t.same(languageSwitches("n'i35n_| X'Au214_|"), [])
  // The check below would pass vacuously if the voice never switched: it does, on English.
  t.same(languageSwitches(await phonemes('随申办App')), ['en'])
  t.same(languageSwitches(await phonemes('欢迎')), [], `${VOICE} reads Han characters in Mandarin`)
})

void t.test('no prompt\'s speech text switches language', async (t) => {
  const ids = Object.keys(prompts)
  t.ok(ids.length > 50, `${ids.length} prompts`)
  // One espeak-ng run reads them all, a prompt a line (loading the Mandarin dictionary is
  // most of its time); only when that run switches are the prompts read one by one, to name
  // the culprits.
  const all = await phonemes(ids.map((id) => speechText(prompts[id]!)).join('\n'))
  if (languageSwitches(all).length === 0) {
    t.pass(`${ids.length} prompts, all in Mandarin`)
    return
  }
  for (const id of ids) {
    const said = await phonemes(speechText(prompts[id]!))
    t.same(languageSwitches(said), [], `${id}: ${said.trim()}`)
  }
})

void t.test('numbers of three digits or more are spelt out in `say`', async (t) => {
  // espeak-ng reads 12345 as a quantity (一万二千…); codes, phone numbers and years are read
  // digit by digit, so their speech text spells them (幺二三四五).
  for (const [id, prompt] of Object.entries(prompts)) {
    t.notMatch(speechText(prompt), /[0-9]{3}/, id)
  }
  t.equal(speechText(prompts.welcome!).includes('幺二三四五'), true)
})

void t.test('the ten digit prompts say ten different single syllables', async (t) => {
  const said = await Promise.all([...'0123456789'].map(async (d) => (await phonemes(speechText(prompts[`digit-${d}`]!))).trim()))
  for (const [d, p] of said.entries()) t.match(p, /^[^|]+_\|$/, `digit-${d}: one syllable (${p})`)
  t.equal(new Set(said).size, 10, 'all different')
})
