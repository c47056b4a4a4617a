// Pages in a real headless Chromium: Debian's /usr/bin/chromium driven by playwright-core
// (never a downloaded browser). One browser per test file; each test gets a fresh context
// (its own sessionStorage), optionally logged in with a token, and leaves a screenshot of
// each page it looks at in test-results/screenshots/.

import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import tap, { type Test } from 'tap'
import { type Browser, type Page, chromium } from 'playwright-core'
import type { FastifyInstance } from 'fastify'
import { eventually } from './sim.js'

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const ROOT = new URL('../../', import.meta.url).pathname
export const SCREENSHOTS = join(ROOT, 'test-results', 'screenshots')

let shared: Promise<Browser> | undefined

/** The file's browser, closed when the file's tests end. */
export async function browser (): Promise<Browser> {
  if (shared === undefined) {
    shared = chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      // Root in CI cannot use Chromium's sandbox; no GPU, no network beyond the test server.
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--no-first-run', '--lang=zh-CN']
    })
    const opened = shared
    tap.teardown(async () => {
      shared = undefined
      await (await opened).close()
    })
  }
  return await shared
}

export interface OpenedPage {
  page: Page
  /** Uncaught page errors and console errors: a page test expects none. */
  errors: string[]
}

/** A new page at `url`, its sessionStorage holding `token` first when one is given. */
export async function openPage (t: Test, url: string, options: { token?: string, viewport?: { width: number, height: number } } = {}): Promise<OpenedPage> {
  const context = await (await browser()).newContext({
    viewport: options.viewport ?? { width: 1440, height: 900 },
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai'
  })
  t.teardown(async () => { await context.close() })
  if (options.token !== undefined) {
    await context.addInitScript({ content: `sessionStorage.setItem('hotline12345.token', ${JSON.stringify(options.token)})` })
  }
  const page = await context.newPage()
  const errors: string[] = []
  page.on('pageerror', (err) => { errors.push(`pageerror: ${err.message}`) })
  page.on('console', (message) => { if (message.type() === 'error') errors.push(`console: ${message.text()}`) })
  await page.goto(url)
  return { page, errors }
}

/**
 * Waits until `expression` (page-side JavaScript, as a string: the test's TypeScript has no
 * DOM types) is truthy, looking again and again (eventually()). Not `page.waitForFunction`:
 * under the pages' Content-Security-Policy (no 'unsafe-eval') its polling evaluates the
 * predicate again with eval, which Chromium refuses once the first look was false
 * (microsoft/playwright#7395). One `page.evaluate` per look is a plain DevTools evaluation,
 * which the CSP allows.
 */
export async function waitForPage (page: Page, expression: string, timeoutMs = 15_000): Promise<void> {
  await eventually(async () => await page.evaluate<boolean>(`Boolean(${expression})`) ? true : undefined, `in the page: ${expression}`, timeoutMs)
}

/** Saves a full-page screenshot as test-results/screenshots/<name>.png; returns the path. */
export async function screenshot (page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true })
  const path = join(SCREENSHOTS, `${name}.png`)
  await page.screenshot({ path, fullPage: true })
  return path
}

/** Makes the app listen on a free loopback port; returns its base URL. */
export async function listen (app: FastifyInstance): Promise<string> {
  const address = await app.listen({ port: 0, host: '127.0.0.1' })
  return address
}
