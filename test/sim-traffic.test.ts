// When `npm start`'s synthetic traffic may run: only on a store and directory of its own, so
// a simulator started by mistake with a production environment never logs real agents in or
// sends tickets to real departments.
import t from 'tap'
import { resolveAppConfig } from '../src/config/app-config.js'
import { loadConfig } from '../src/config/index.js'
import { trafficRefusal } from '../src/wiring/sim-traffic.js'
import { CONFIG_DIR } from './helpers/controller.js'

const { directory } = await loadConfig(CONFIG_DIR, {})
const config = (env: Record<string, string> = {}) => resolveAppConfig({}, 'default.yaml', env)

void t.test('the shipped setup (memory store, no webhooks) runs it', async (t) => {
  t.equal(trafficRefusal(config(), directory), undefined)
  t.equal(directory.departments().filter((d) => d.ticketWebhookUrl !== undefined).length, 0, 'the sample directory has no webhooks')
})

void t.test('a shared store refuses it', async (t) => {
  t.match(trafficRefusal(config({ STORE_KIND: 'redis', REDIS_URL: 'redis://127.0.0.1:6379/0' }), directory), /store is redis/)
})

void t.test('a department with a webhook refuses it', async (t) => {
  const withHook = { departments: () => [...directory.departments(), { id: 'tax2', name: '税务局二', nameEn: 'Tax 2', ticketWebhookUrl: 'https://tax.example.gov.cn/hook' }] }
  t.match(trafficRefusal(config(), withHook), /1 department\(s\) have a ticketWebhookUrl \(e\.g\. tax2\)/)
})
