// What a controller asks a switch to find legs again after it (re)connects: FreeSWITCH's
// `show channels as json` (mod_commands show_function, show_as_json_callback) and a channel's
// variables; Asterisk's channel variables over ARI (resource_channels.c get/set_channel_var).
import t from 'tap'
import { EslServer } from '../../../src/adapters/sim/esl-server.js'
import { SimSwitch } from '../../../src/adapters/sim/sim-switch.js'
import { SHIPPED_INSTALL } from '../../helpers/install.js'
import { EventSocket, startAri } from './ari-harness.js'
import { RawClient } from './esl-raw-client.js'

const PASSWORD = 'inventory-secret'

void t.test('FreeSWITCH: show channels as json, as 1.11.1 writes it; variables set on an originate', async (t) => {
  const model = new SimSwitch({ install: SHIPPED_INSTALL, timeScale: 0.01 })
  model.defineEndpoint('02150008101', { kind: 'answer', afterMs: 20 })
  const server = new EslServer(model, { password: PASSWORD, port: 0 })
  const { port } = await server.listen()
  t.teardown(async () => { await server.close(); model.close() })
  const client = await RawClient.open(port)
  t.teardown(() => { client.close() })
  client.send(`auth ${PASSWORD}\n\n`)
  await client.waitFor(2, 'auth')

  t.equal(await client.api('show channels as json'), '{"row_count": 0}\n', 'none: the row count alone, with a newline')
  const caller = model.placeCall({ from: '13812345678', to: '12345' })
  const dialled = await client.api('originate {origination_uuid=leg-b,hc_controller=ctl-1,hc_call=call-1}sofia/gateway/department/02150008101 &park()')
  t.match(dialled, /^\+OK leg-b/)
  const text = await client.api('show channels as json')
  t.notMatch(text, /\n$/, 'unformatted JSON, no newline')
  const listed = JSON.parse(text) as { row_count: number, rows: Array<Record<string, string>> }
  t.equal(listed.row_count, 2)
  t.match(listed.rows.find((r) => r.uuid === caller.channel.id), { direction: 'inbound', dest: '12345', cid_num: '13812345678', application: 'park' })
  t.match(listed.rows.find((r) => r.uuid === 'leg-b'), { direction: 'outbound', dest: '02150008101', callstate: 'ACTIVE' })
  t.same(Object.keys(listed.rows[0] ?? {}).slice(0, 10), ['uuid', 'direction', 'created', 'created_epoch', 'name', 'state', 'cid_name', 'cid_num', 'ip_addr', 'dest'])
  t.equal(await client.api('uuid_getvar leg-b hc_call'), 'call-1')
  t.equal(await client.api('uuid_getvar leg-b hc_nothing'), '_undef_')
})

void t.test('Asterisk: channel variables set and read over ARI', async (t) => {
  const { model, http, url } = await startAri(t)
  const events = await EventSocket.open(t, url)
  model.placeCall({ from: '13812345678', to: '12345' })
  const started = await events.take('StasisStart')
  const id = String(started.channel.id)
  t.match(await http.get(`/channels/${id}/variable?variable=HC_CALL`), { status: 404, body: { message: 'Provided variable was not found' } })
  t.match(await http.post(`/channels/${id}/variable?variable=HC_CALL&value=call-1`), { status: 204 })
  t.match(await http.get(`/channels/${id}/variable?variable=HC_CALL`), { status: 200, body: { value: 'call-1' } })
  t.match(await http.get(`/channels/${id}/variable`), { status: 400, body: { message: 'Variable name is required' } })
  t.match(await http.post('/channels/no-such/variable?variable=X&value=1'), { status: 404, body: { message: 'Provided channel was not found' } })
})
