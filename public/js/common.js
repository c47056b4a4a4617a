// What every page shares: the token login, API calls, the live stream, safe DOM building and
// number formats. Plain browser ES module, no build step; served from /ui/js/.
//
// Text from the server is only ever put into the page as text (el(), textContent), never as
// HTML, and the page's Content-Security-Policy forbids inline script: a matter name or a
// ticket note can never run as code.

const TOKEN_KEY = 'hotline12345.token'

export const ROLE_NAMES = { agent: '话务员', supervisor: '班长', admin: '管理员', department: '部门', metrics: '监控采集' }

/** Agent states as the console's badge and the dashboard say them. */
export const AGENT_STATE_WORDS = {
  'logged-out': '签出',
  ready: '示闲',
  'not-ready': '示忙',
  ringing: '振铃',
  'on-call': '通话中',
  'wrap-up': '话后整理'
}

/** Pages in the navigation bar: [file, title]. */
export const PAGES = [
  ['dashboard.html', '实时监控'],
  ['agent.html', '话务员工作台'],
  ['report.html', '月度报表'],
  ['flows.html', '流程图'],
  ['dial-test.html', '号码拨测'],
  ['/docs', '接口文档 API']
]

const NOTICE_KEY = 'hotline12345.notice'

export function getToken () { return sessionStorage.getItem(TOKEN_KEY) ?? '' }

/** Forgets the token and reloads to the sign-in form, which shows `notice`. */
export function signOut (notice = '') {
  sessionStorage.removeItem(TOKEN_KEY)
  if (notice !== '') sessionStorage.setItem(NOTICE_KEY, notice)
  location.reload()
}
export function setToken (token) { sessionStorage.setItem(TOKEN_KEY, token) }

export class ApiError extends Error {
  constructor (status, body) {
    super(body?.message ?? `HTTP ${status}`)
    this.status = status
    this.code = body?.code
  }
}

/** Calls the API with the stored token; JSON in, JSON (or text) out; throws ApiError. */
export async function api (path, { method = 'GET', body, accept } = {}) {
  const headers = { authorization: `Bearer ${getToken()}` }
  if (body !== undefined) headers['content-type'] = 'application/json'
  if (accept !== undefined) headers.accept = accept
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) })
  const type = res.headers.get('content-type') ?? ''
  const data = type.includes('json') ? await res.json() : await res.text()
  if (!res.ok) throw new ApiError(res.status, typeof data === 'object' ? data : { message: data })
  return data
}

/**
 * Follows a server-sent event stream (text/event-stream) with the bearer token, which the
 * browser's EventSource cannot send. Reconnects after `retry` ms (or the server's `retry:`)
 * until `signal` aborts. `onEvent(name, data)` gets each event's data parsed as JSON.
 * `onState('open' | 'closed')` tells the page whether it is live.
 */
export function stream (path, onEvent, { signal, onState = () => {}, retry = 2000 } = {}) {
  let wait = retry
  const run = async () => {
    while (!signal?.aborted) {
      try {
        const res = await fetch(path, { headers: { authorization: `Bearer ${getToken()}`, accept: 'text/event-stream' }, signal })
        if (!res.ok || res.body === null) throw new ApiError(res.status, null)
        onState('open')
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader()
        let buffer = ''
        for (;;) {
          const { value, done } = await reader.read()
          if (done) break
          buffer += value
          // Events end with a blank line (WHATWG HTML, "Server-sent events", §9.2.6).
          let end
          while ((end = buffer.search(/\r?\n\r?\n/)) >= 0) {
            const block = buffer.slice(0, end)
            buffer = buffer.slice(end).replace(/^\r?\n\r?\n/, '')
            let name = 'message'
            const data = []
            for (const line of block.split(/\r?\n/)) {
              if (line.startsWith('event:')) name = line.slice(6).trim()
              else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''))
              else if (line.startsWith('retry:')) wait = Number(line.slice(6)) || wait
            }
            if (data.length > 0) onEvent(name, JSON.parse(data.join('\n')))
          }
        }
      } catch (err) {
        if (signal?.aborted) return
        // The token was withdrawn (a restart with new tokens, a changed role): back to the
        // sign-in form, saying why, rather than "reconnecting" for ever.
        if (err instanceof ApiError && (err.status === 401 || err.status === 403)) {
          onState('closed')
          signOut(err.status === 401 ? '令牌已失效，请重新登录 (token no longer valid)' : '此令牌已无权访问本页，请重新登录 (token no longer allowed here)')
          return
        }
      }
      onState('closed')
      await new Promise((resolve) => setTimeout(resolve, wait))
    }
  }
  void run()
}

/** Builds an element: attributes (on* become listeners), then children (strings become text). */
export function el (tag, attrs = {}, ...children) {
  const node = document.createElement(tag)
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue
    if (key.startsWith('on') && typeof value === 'function') node.addEventListener(key.slice(2), value)
    else if (key === 'class') node.className = value
    else if (key === 'dataset') Object.assign(node.dataset, value)
    else node.setAttribute(key, value === true ? '' : String(value))
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue
    node.append(child instanceof Node ? child : document.createTextNode(String(child)))
  }
  return node
}

/** Replaces the children of `node`. */
export function fill (node, ...children) {
  node.replaceChildren()
  for (const child of children.flat()) if (child !== undefined && child !== null) node.append(child instanceof Node ? child : String(child))
  return node
}

/** `138****5678`: the middle of a caller number hidden (the server masks too; this is a second fence). */
export function maskNumber (number) {
  const digits = String(number ?? '')
  if (digits.includes('*') || digits.length < 7) return digits.includes('*') ? digits : '****'
  return `${digits.slice(0, 3)}****${digits.slice(-4)}`
}

/** 0.9061 → "90.6%"; null → "—". */
export function pct (rate, digits = 1) {
  return rate === null || rate === undefined || Number.isNaN(rate) ? '—' : `${(rate * 100).toFixed(digits)}%`
}

/** A share for a chart: percent with two decimals; '-' (echarts: no point or bar) when there is none. */
export function chartPct (rate) {
  return rate === null || rate === undefined ? '-' : Math.round(rate * 10000) / 100
}

/** Local Beijing time of an epoch-ms instant, `MM-DD HH:mm:ss` (or `HH:mm:ss` for today). */
export function time (ms, { date = true } = {}) {
  if (ms === undefined || ms === null) return '—'
  const parts = new Intl.DateTimeFormat('zh-CN', {
    timeZone: 'Asia/Shanghai', hour12: false, month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit'
  }).formatToParts(new Date(ms))
  const get = (type) => parts.find((p) => p.type === type)?.value ?? ''
  const clock = `${get('hour')}:${get('minute')}:${get('second')}`
  return date ? `${get('month')}-${get('day')} ${clock}` : clock
}

/** Seconds as `m:ss`. */
export function duration (ms) {
  const s = Math.max(0, Math.round(ms / 1000))
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`
}

/** Shows a message in the page's status line (`#status`); kind: info | error | ok. */
export function notify (text, kind = 'info') {
  const node = document.getElementById('status')
  if (node === null) return
  node.textContent = text
  node.dataset.kind = kind
}

function header (active, me) {
  const nav = el('nav', { class: 'nav' },
    el('a', { href: '/ui/', class: 'brand' }, '12345 企业专席'),
    PAGES.map(([href, title]) => el('a', { href: href.startsWith('/') ? href : `/ui/${href}`, class: href === active ? 'active' : undefined }, title)),
    el('span', { class: 'who' }, me === undefined ? '' : `${ROLE_NAMES[me.role] ?? me.role}${me.agentId !== undefined ? ` ${me.agentId}` : ''}${me.departmentId !== undefined ? ` ${me.departmentId}` : ''}`),
    me === undefined ? '' : el('button', { type: 'button', class: 'link', onclick: () => { signOut() } }, '退出')
  )
  document.body.prepend(nav)
}

/**
 * The page's entry: asks for a token until one with an allowed role is given, then draws the
 * navigation bar and calls `start(me)`. The token lives in sessionStorage (gone with the tab).
 */
export async function boot ({ page, roles, start }) {
  document.documentElement.lang = 'zh-CN'
  const main = document.querySelector('main')
  const tryToken = async () => {
    try {
      const me = await api('/api/me')
      if (!roles.includes(me.role)) return { denied: `此页面需要以下角色之一：${roles.map((r) => ROLE_NAMES[r] ?? r).join('、')}` }
      return { me }
    } catch (err) {
      return { denied: err instanceof ApiError && err.status === 401 ? '令牌无效 (invalid token)' : `无法连接服务器：${err.message}` }
    }
  }
  const notice = sessionStorage.getItem(NOTICE_KEY) ?? ''
  sessionStorage.removeItem(NOTICE_KEY)
  let result = getToken() === '' ? { denied: '' } : await tryToken()
  if (result.me === undefined && notice !== '') result = { denied: notice }
  if (result.me !== undefined) {
    header(page, result.me)
    await start(result.me)
    return
  }
  main.hidden = true
  const input = el('input', { type: 'password', name: 'token', id: 'token', autocomplete: 'off', placeholder: 'API 令牌 (token)', required: true })
  const message = el('p', { class: 'error', id: 'login-error' }, result.denied)
  const form = el('form', { class: 'login', id: 'login' },
    el('h1', {}, document.title),
    el('label', { for: 'token' }, '请输入访问令牌'), input,
    el('button', { type: 'submit' }, '登录'),
    message)
  form.addEventListener('submit', async (event) => {
    event.preventDefault()
    setToken(input.value.trim())
    result = await tryToken()
    if (result.me === undefined) { message.textContent = result.denied; return }
    form.remove()
    main.hidden = false
    header(page, result.me)
    await start(result.me)
  })
  document.body.append(form)
}
