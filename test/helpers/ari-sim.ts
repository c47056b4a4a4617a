// Starts the simulated switch's Asterisk side (call model + ARI server on a free loopback
// port) for a test, and stops it afterwards.
import type { Test } from 'tap'
import { AriServer } from '../../src/adapters/sim/ari-server.js'
import { SimSwitch } from '../../src/adapters/sim/sim-switch.js'
import type { SimSwitchOptions } from '../../src/adapters/sim/model-types.js'
import { SHIPPED_INSTALL } from './install.js'

export const ARI_USER = 'hotline'
export const ARI_PASSWORD = 'sim-secret'
export const ARI_APP = 'hotline'

export interface RunningAriSim {
  model: SimSwitch
  ari: AriServer
  url: string
  user: string
  password: string
  app: string
}

export async function startAriSim (t: Test, options: Partial<SimSwitchOptions> = {}): Promise<RunningAriSim> {
  const model = new SimSwitch({ timeScale: 0.02, install: SHIPPED_INSTALL, ...options })
  const ari = new AriServer(model, { user: ARI_USER, password: ARI_PASSWORD, host: '127.0.0.1', port: 0, apps: [ARI_APP] })
  const { url } = await ari.listen()
  t.teardown(async () => {
    await ari.close()
    model.close()
  })
  return { model, ari, url, user: ARI_USER, password: ARI_PASSWORD, app: ARI_APP }
}
