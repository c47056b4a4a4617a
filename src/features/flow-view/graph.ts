// A loaded flow as a graph for the flow view (流程图): one node per step, one edge per way out
// of a step, with the words a supervisor reads (zh-CN). Pure: the names it shows (prompt
// texts, matters, departments, agent groups) are handed in, nothing is read here.
//
// The ways out of a step come from a table with one entry per step kind, typed over every
// kind of the flow schema: a kind added to the schema and not drawn here does not compile.
// Each entry says what a caller does to leave by each exit, as the kind's run() decides it
// (steps/*.ts): a menu leaves by a listed key or, after too many wrong keys or silences, by
// `onFail`; a queue by the agent's conversation ending (`next`) or by `overflow` after
// `maxWaitSec`; a working-time branch by `open` / `closed`; and so on.

import { PRIORITY_CODES, PRIORITY_LABELS, type PriorityCode } from '../../domain/directory.js'
import type { LoadedFlow } from '../../flows/loader.js'
import type { Step, StepKindName } from '../../flows/schema.js'
import { FLOW_VARS } from '../../flows/step.js'
import { DEFAULT_RETRIES, DEFAULT_TIMEOUT_MS } from '../../flows/steps/fields.js'
import { stepKindOf } from '../../flows/steps/index.js'
import { DEFAULT_ANNOUNCE_EVERY_SEC } from '../../flows/steps/queue.js'
import { SURVEY_KEYS } from '../../flows/steps/survey.js'

/** The names a graph shows instead of ids; undefined: show the id. */
export interface GraphNames {
  prompt(id: string): string | undefined
  matter(id: string): string | undefined
  department(id: string): string | undefined
  group(id: string): string | undefined
}

/** Why a caller leaves a step by an exit. */
export type ExitOutcome =
  | 'next' | 'key' | 'fail' | 'open' | 'closed' | 'first' | 'second' | 'case' | 'default'
  | 'served' | 'overflow' | 'confirmed'

export interface GraphExit {
  /** The step it leads to. */
  to: string
  /** What is written on the edge (按1, 超时/按错, 工作时间, 溢出, …); empty for a plain sequence. */
  label: string
  outcome: ExitOutcome
  /** The menu key, for `key`. */
  key?: string
  /** What else happens (the choice a key records, how long before an overflow, …). */
  detail?: string
}

export interface GraphFact { name: string, value: string }

export interface GraphPrompt {
  /** What the prompt is for in this step (提示音, 按错提示, …). */
  role: string
  id: string
  /** What the caller hears, from the catalogue. */
  text?: string
}

export interface GraphNode {
  id: string
  kind: StepKindName
  /** The kind in words (按键菜单, 排队, …). */
  kindName: string
  /** A short zh-CN label: the prompt's beginning, the queue's group, … */
  label: string
  start: boolean
  /** The call ends here (a hangup). */
  end: boolean
  /** False only for a step no path from `start` reaches (the loader refuses such files). */
  reachable: boolean
  prompts: GraphPrompt[]
  facts: GraphFact[]
  exits: GraphExit[]
}

export interface GraphEdge extends GraphExit {
  from: string
}

export interface FlowGraph {
  flow: { id: string, name: string, description?: string, version: string, start: string }
  start: string
  /** The steps where a call ends. */
  ends: string[]
  /** In the file's order. */
  nodes: GraphNode[]
  /** One per exit whose target is a step of the flow. */
  edges: GraphEdge[]
}

/** The words for each kind, for nodes and the legend. */
export const KIND_NAMES: Readonly<Record<StepKindName, string>> = {
  play: '播放',
  menu: '按键菜单',
  collect: '收号',
  branch: '条件分支',
  queue: '排队',
  ticket: '工单',
  survey: '满意度评价',
  hangup: '挂机',
  callback: '确认回拨号码'
}

const PROMPT_ROLES: Readonly<Record<string, string>> = {
  '/prompt': '提示音',
  '/invalidPrompt': '按错提示',
  '/noInputPrompt': '无按键提示',
  '/overflowPrompt': '溢出提示',
  '/callerIdPrompt': '来电号码播报',
  '/keyedPrompt': '所输号码播报',
  '/confirmPrompt': '确认提示',
  '/enterPrompt': '输入号码提示'
}

const TICKET_NAMES: Readonly<Record<string, string>> = {
  'next-urgent': '次紧急工单',
  'transfer-failed': '转接失败工单'
}

const SATISFACTION_NAMES: Readonly<Record<string, string>> = {
  satisfied: '满意',
  'basically-satisfied': '基本满意',
  dissatisfied: '不满意'
}

/** Keys in the order a phone's keypad reads them. */
export const KEY_ORDER = '1234567890*#'

/** A node's label is at most this many characters (the rest is in the details). */
const LABEL_CHARS = 14

export function shorten (text: string, max = LABEL_CHARS): string {
  const chars = [...text.trim()]
  return chars.length <= max ? chars.join('') : `${chars.slice(0, max - 1).join('')}…`
}

const seconds = (ms: number): string => `${ms / 1000} 秒`

/** What setting a variable means, in words (一类·办事, 事项：发票领用, …). */
function choiceWords (variable: string, value: string, names: GraphNames): string {
  switch (variable) {
    case FLOW_VARS.priority:
      return (PRIORITY_CODES as readonly string[]).includes(value) ? PRIORITY_LABELS[value as PriorityCode] : `优先级：${value}`
    case FLOW_VARS.category:
      return `类别：${value}`
    case FLOW_VARS.matter:
      return `事项：${names.matter(value) ?? value}`
    default:
      return `${variable} = ${value}`
  }
}

interface KindView<S> {
  label(step: S, names: GraphNames): string
  facts(step: S, names: GraphNames): GraphFact[]
  exits(step: S, names: GraphNames): GraphExit[]
}

type Of<K extends StepKindName> = Extract<Step, { kind: K }>

const promptLabel = (id: string | undefined, names: GraphNames, fallback: string): string =>
  id === undefined ? fallback : shorten(names.prompt(id) ?? id)

const retriesFact = (retries: number | undefined, fallback = DEFAULT_RETRIES): GraphFact =>
  ({ name: '重试', value: `${retries ?? fallback} 次` })

const timeoutFact = (timeoutMs: number | undefined, name = '等待按键'): GraphFact =>
  ({ name, value: seconds(timeoutMs ?? DEFAULT_TIMEOUT_MS) })

/** The per-kind table (see the header): missing a kind is a type error. */
const VIEWS: { readonly [K in StepKindName]: KindView<Of<K>> } = {
  play: {
    label: (s, n) => promptLabel(s.prompt, n, '播放'),
    facts: () => [],
    exits: (s) => [{ to: s.next, label: '', outcome: 'next' }]
  },
  menu: {
    label: (s, n) => promptLabel(s.prompt, n, '按键菜单'),
    facts: (s) => [timeoutFact(s.timeoutMs), retriesFact(s.retries)],
    exits: (s, n) => [
      ...Object.entries(s.options)
        .sort(([a], [b]) => KEY_ORDER.indexOf(a) - KEY_ORDER.indexOf(b))
        .map(([key, option]): GraphExit => {
          const detail = Object.entries(option.set ?? {}).map(([v, value]) => choiceWords(v, value, n)).join('；')
          return { to: option.next, label: `按${key}`, outcome: 'key', key, ...(detail === '' ? {} : { detail }) }
        }),
      {
        to: s.onFail,
        label: '超时/按错',
        outcome: 'fail',
        detail: `无按键或按错各超过 ${s.retries ?? DEFAULT_RETRIES} 次重试后`
      }
    ]
  },
  collect: {
    label: (s, n) => promptLabel(s.prompt, n, '收号'),
    facts: (s) => [
      { name: '位数', value: s.minDigits === s.maxDigits ? `${s.minDigits} 位` : `${s.minDigits}–${s.maxDigits} 位` },
      { name: '存入变量', value: s.into },
      ...(s.validate?.pattern === undefined ? [] : [{ name: '格式', value: s.validate.pattern }]),
      ...(s.validate?.matterCode === true ? [{ name: '校验', value: '须为目录中的事项编码' }] : []),
      ...(s.terminators === undefined ? [] : [{ name: '结束键', value: s.terminators }]),
      timeoutFact(s.timeoutMs, '等待输入'),
      retriesFact(s.retries)
    ],
    exits: (s) => [
      { to: s.next, label: '输入有效', outcome: 'next', detail: `存入 ${s.into}` },
      { to: s.onFail, label: '超时/输错', outcome: 'fail', detail: `无输入或输入无效超过 ${s.retries ?? DEFAULT_RETRIES} 次重试后` }
    ]
  },
  branch: {
    label: (s, n) => {
      switch (s.on) {
        case 'working-time':
          return s.department === undefined ? '是否工作时间？' : shorten(`${n.department(s.department) ?? s.department}工作时间？`)
        case 'priority':
          return '一类还是二类诉求？'
        case 'variable':
          return shorten(`按 ${s.variable} 分支`)
      }
    },
    facts: (s, n) => {
      switch (s.on) {
        case 'working-time':
          return [{
            name: '作息',
            value: s.department === undefined
              ? '所选事项主管部门的作息，未选事项时按默认作息；工作日按国务院放假调休安排'
              : `${n.department(s.department) ?? s.department} 的作息；工作日按国务院放假调休安排`
          }]
        case 'priority':
          return [{ name: '依据', value: '变量 priority（办事、求助、热点政策享受为一类），未选时按所选事项的类别，都没有则为二类' }]
        case 'variable':
          return [{ name: '变量', value: s.variable }]
      }
    },
    exits: (s) => {
      switch (s.on) {
        case 'working-time':
          return [
            { to: s.cases.open, label: '工作时间', outcome: 'open' },
            { to: s.cases.closed, label: '非工作时间', outcome: 'closed' }
          ]
        case 'priority':
          return [
            { to: s.cases.first, label: '一类诉求', outcome: 'first', detail: '办事、求助、热点政策享受' },
            { to: s.cases.second, label: '二类诉求', outcome: 'second', detail: '其他咨询、投诉和建议' }
          ]
        case 'variable':
          return [
            ...Object.entries(s.cases).map(([value, to]): GraphExit => ({ to, label: `${s.variable}=${value}`, outcome: 'case' })),
            { to: s.default, label: '其他', outcome: 'default', detail: `${s.variable} 无值或不在上列` }
          ]
      }
    }
  },
  queue: {
    label: (s, n) => shorten(`排队：${n.group(s.group) ?? s.group}`),
    facts: (s, n) => [
      { name: '坐席组', value: `${n.group(s.group) ?? s.group}（${s.group}）` },
      { name: '最长等待', value: `${s.maxWaitSec} 秒` },
      { name: '报位间隔', value: `${s.announceEverySec ?? DEFAULT_ANNOUNCE_EVERY_SEC} 秒` }
    ],
    exits: (s) => [
      { to: s.next, label: '接通坐席', outcome: 'served', detail: '与坐席通话结束后' },
      { to: s.overflow, label: '溢出', outcome: 'overflow', detail: `等待 ${s.maxWaitSec} 秒仍无坐席接听` }
    ]
  },
  ticket: {
    label: (s) => TICKET_NAMES[s.ticketKind] ?? s.ticketKind,
    facts: (s) => [{ name: '工单类型', value: `${TICKET_NAMES[s.ticketKind] ?? s.ticketKind}（${s.ticketKind}）` }],
    exits: (s) => [{ to: s.next, label: '', outcome: 'next' }]
  },
  survey: {
    label: () => '满意度评价',
    facts: (s) => [
      { name: '按键', value: Object.entries(SURVEY_KEYS).map(([key, v]) => `${key} ${SATISFACTION_NAMES[v] ?? v}`).join('，') },
      timeoutFact(s.timeoutMs),
      retriesFact(s.retries, 1)
    ],
    // Rated or not, the caller goes on: a non-answer is not a rating (steps/survey.ts).
    exits: (s) => [{ to: s.next, label: '', outcome: 'next' }]
  },
  hangup: {
    label: (s, n) => promptLabel(s.prompt, n, '挂机'),
    facts: (s) => [{ name: '结束原因', value: s.reason ?? 'hangup' }],
    exits: () => []
  },
  callback: {
    label: () => '确认回拨号码',
    facts: (s) => [
      { name: '方式', value: '播报来电号码后四位，按1确认、按2另输号码（7–12位，#结束）并确认' },
      timeoutFact(s.timeoutMs),
      retriesFact(s.retries)
    ],
    exits: (s) => [
      { to: s.next, label: '号码已确认', outcome: 'confirmed' },
      { to: s.onFail, label: '未确认', outcome: 'fail', detail: '仍登记工单，使用来电号码' }
    ]
  }
}

function viewOf (step: Step): KindView<Step> {
  // VIEWS maps each kind to the view of exactly that kind's steps, so the view found by
  // `step.kind` accepts `step` (the same reasoning as steps/index.ts stepKindOf).
  return VIEWS[step.kind]
}

/** The prompts a step plays, with their role and text; the ten digit prompts as one line. */
function promptsOf (step: Step, names: GraphNames): GraphPrompt[] {
  const refs = stepKindOf(step).references(step).prompts
  const digits = refs.filter((r) => r.path === '/digitPrefix')
  const prompts: GraphPrompt[] = refs.filter((r) => r.path !== '/digitPrefix').map((r) => {
    const text = names.prompt(r.id)
    return { role: PROMPT_ROLES[r.path] ?? r.path, id: r.id, ...(text === undefined ? {} : { text }) }
  })
  const first = digits[0]
  const last = digits[digits.length - 1]
  if (first !== undefined && last !== undefined) prompts.push({ role: '数字播报', id: `${first.id} … ${last.id}` })
  return prompts
}

function reachable (start: string, nodes: ReadonlyMap<string, GraphNode>): Set<string> {
  const seen = new Set<string>()
  const todo = nodes.has(start) ? [start] : []
  for (let id = todo.pop(); id !== undefined; id = todo.pop()) {
    if (seen.has(id)) continue
    seen.add(id)
    for (const exit of nodes.get(id)?.exits ?? []) if (!seen.has(exit.to) && nodes.has(exit.to)) todo.push(exit.to)
  }
  return seen
}

/** The flow as nodes and edges (see the header). */
export function flowGraph (flow: LoadedFlow, names: GraphNames): FlowGraph {
  const nodes = new Map<string, GraphNode>()
  for (const [id, step] of Object.entries(flow.steps)) {
    const view = viewOf(step)
    const exits = view.exits(step, names)
    nodes.set(id, {
      id,
      kind: step.kind,
      kindName: KIND_NAMES[step.kind],
      label: view.label(step, names),
      start: id === flow.start,
      end: exits.length === 0,
      reachable: true,
      prompts: promptsOf(step, names),
      facts: view.facts(step, names),
      exits
    })
  }
  // The loader refuses unreachable steps and unknown targets; a graph of such a file is
  // still drawn, the stray steps marked and the dangling exits listed but not drawn.
  const seen = reachable(flow.start, nodes)
  for (const node of nodes.values()) node.reachable = seen.has(node.id)
  const list = [...nodes.values()]
  return {
    flow: {
      id: flow.id,
      name: flow.name,
      ...(flow.description === undefined ? {} : { description: flow.description }),
      version: flow.version,
      start: flow.start
    },
    start: flow.start,
    ends: list.filter((n) => n.end).map((n) => n.id),
    nodes: list,
    edges: list.flatMap((n) => n.exits.filter((e) => nodes.has(e.to)).map((e) => ({ from: n.id, ...e })))
  }
}

/** Names from the catalogue's texts, the directory and the agent groups. */
export function graphNames (parts: {
  prompts: Readonly<Record<string, { zh: string }>>
  directory: { matter(id: string): { name: string } | undefined, department(id: string): { name: string } | undefined }
  groups: Iterable<{ id: string, name: string }>
}): GraphNames {
  const groups = new Map([...parts.groups].map((g) => [g.id, g.name]))
  return {
    prompt: (id) => Object.hasOwn(parts.prompts, id) ? parts.prompts[id]?.zh : undefined,
    matter: (id) => parts.directory.matter(id)?.name,
    department: (id) => parts.directory.department(id)?.name,
    group: (id) => groups.get(id)
  }
}
