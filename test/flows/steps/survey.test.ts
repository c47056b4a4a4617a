import t from 'tap'
import { type SurveyStep, surveyStep } from '../../../src/flows/steps/survey.js'
import { HANGUP, fakeStepContext } from '../fake-call.js'

const survey: SurveyStep = { kind: 'survey', prompt: 'survey', retries: 1, timeoutMs: 8000, invalidPrompt: 'invalid-input', next: 'bye' }

void t.test('keys 1, 2, 3 record the rating', async (t) => {
  const expected: Array<[string, string]> = [['1', 'satisfied'], ['2', 'basically-satisfied'], ['3', 'dissatisfied']]
  for (const [key, rating] of expected) {
    const f = fakeStepContext([key])
    t.same(await surveyStep.run(survey, f.ctx, f.signal), { next: 'bye' }, key)
    t.same(f.ctx.vars(), { satisfaction: rating }, key)
  }
})

void t.test('another key asks again; a valid key then counts', async (t) => {
  const f = fakeStepContext(['5', '3'])
  t.same(await surveyStep.run(survey, f.ctx, f.signal), { next: 'bye' })
  t.same(f.caller.heard, ['ask:survey', 'play:invalid-input', 'ask:survey'])
  t.same(f.ctx.vars(), { satisfaction: 'dissatisfied' })
})

void t.test('no answer records nothing and goes on', async (t) => {
  const f = fakeStepContext(['', ''])
  t.same(await surveyStep.run(survey, f.ctx, f.signal), { next: 'bye' })
  t.same(f.ctx.vars(), {})
  t.same(f.caller.heard, ['ask:survey', 'ask:survey'])
  const g = fakeStepContext(['9', '0'])
  t.same(await surveyStep.run(survey, g.ctx, g.signal), { next: 'bye' })
  t.same(g.ctx.vars(), {}, 'wrong keys to the end record nothing either')
  t.same(g.caller.heard, ['ask:survey', 'play:invalid-input', 'ask:survey'], 'no invalid prompt after the last try')
})

void t.test('default: one more try', async (t) => {
  const f = fakeStepContext(['', '1'])
  t.same(await surveyStep.run({ kind: 'survey', prompt: 'survey', next: 'bye' }, f.ctx, f.signal), { next: 'bye' })
  t.same(f.ctx.vars(), { satisfaction: 'satisfied' })
})

void t.test('a hang-up during the survey rejects', async (t) => {
  const f = fakeStepContext([HANGUP])
  await t.rejects(surveyStep.run(survey, f.ctx, f.signal), { code: 'HC_CALL_GONE' })
})
