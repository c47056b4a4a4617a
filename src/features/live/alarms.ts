// The dashboard's alarms: what a supervisor must act on, gathered from the parts of the
// snapshot and from the controllers' beats. Pure: everything is handed in. Messages are
// zh-CN for the page; `key` stays the same while the condition lasts.
//
// - switch: a controller (this one or another on the same store) is alive but its switch
//   connection is not ready — its calls cannot be taken (critical);
// - controller-lost: a controller stopped beating without saying goodbye (critical);
// - prompts-missing: a controller's switch lacks prompts; its calls skip them (warning);
// - below-target: a department's working-time connection rate today is under the target over
//   enough requests (the stats service's rule, the same as the Prometheus alarm);
// - tickets-dead: deliveries parked after too many failures (critical: a department is not
//   getting its tickets); tickets-overdue: not contacted by their due time;
// - calendar: a year the working-day calendar needs has no holiday data;
// - dial-test: a transfer number failed its last two dial tests (gauge
//   `hotline_dial_test_failing` of the dial-test feature, when it runs);
// - data: a part of the snapshot could not be read (the store unreachable).

import type { ControllerPresence } from '../../ports/live-signals.js'
import type { AlarmKind, LiveAlarmT, RateRowT } from './schema.js'

export interface AlarmInput {
  controllers: readonly ControllerPresence[]
  /** Today's departments; those with `belowTarget` are raised. */
  departmentsToday?: readonly RateRowT[]
  target: number
  tickets?: { overdue: number, dead: number }
  missingYears: readonly number[]
  dialTestFailing: ReadonlyArray<{ number: string, departmentName: string }>
  /** Parts of the snapshot that could not be read. */
  unreadable: readonly string[]
}

const SWITCH_STATES: Record<string, string> = {
  connecting: '正在连接',
  disconnected: '已断开',
  closed: '已关闭'
}

const SECTIONS: Record<string, string> = {
  calls: '通话',
  callsToday: '今日来电统计',
  agents: '话务员',
  tickets: '工单',
  connectionRate: '接通率',
  controllers: '控制器状态'
}

const pct = (rate: number | null): string => rate === null ? '—' : `${(rate * 100).toFixed(1)}%`
const iso = (ms: number): string => new Date(ms).toISOString()

export function alarmsOf (input: AlarmInput): LiveAlarmT[] {
  const alarms: LiveAlarmT[] = []
  const add = (kind: AlarmKind, severity: LiveAlarmT['severity'], key: string, message: string, since?: number): void => {
    alarms.push({ key: `${kind}:${key}`, kind, severity, message, ...(since === undefined ? {} : { since: iso(since) }) })
  }
  for (const c of input.controllers) {
    if (!c.alive) {
      add('controller-lost', 'critical', c.controllerId, `控制器 ${c.controllerId} 心跳中断，最后一次心跳之后无消息 (controller lost)`, c.at)
    } else if (c.switchState !== 'ready' && !c.draining) {
      const state = SWITCH_STATES[c.switchState] ?? c.switchState
      add('switch', 'critical', c.controllerId, `控制器 ${c.controllerId} 与交换机${state}：${c.switchDetail} (switch ${c.switchState})`, c.switchSince)
    }
    if (c.alive && c.promptsMissing.length > 0) {
      const shown = c.promptsMissing.slice(0, 5).join('、') + (c.promptsMissing.length > 5 ? ' 等' : '')
      add('prompts-missing', 'warning', c.controllerId,
        `控制器 ${c.controllerId} 的交换机缺少 ${c.promptsMissing.length} 个提示音（${shown}），来电将跳过这些提示音 (prompts missing)`)
    }
  }
  for (const d of input.departmentsToday ?? []) {
    if (!d.belowTarget) continue
    add('below-target', 'warning', d.id, `${d.name} 今日工作时间接通率 ${pct(d.rate)}（${d.connected}/${d.counted}），低于目标 ${pct(input.target)}`)
  }
  if (input.tickets !== undefined && input.tickets.dead > 0) {
    add('tickets-dead', 'critical', 'dead', `${input.tickets.dead} 张工单推送失败已停止重试，请处理 (dead deliveries)`)
  }
  if (input.tickets !== undefined && input.tickets.overdue > 0) {
    add('tickets-overdue', 'warning', 'overdue', `${input.tickets.overdue} 张工单已超过联系时限 (overdue)`)
  }
  for (const year of input.missingYears) {
    add('calendar', 'warning', String(year), `工作日历缺少 ${year} 年节假日安排，暂按周一至周五计算 (calendar year missing)`)
  }
  for (const f of input.dialTestFailing) {
    add('dial-test', 'warning', f.number, `拨测：${f.departmentName} 号码 ${f.number} 连续两次未接通 (dial test failing)`)
  }
  for (const section of input.unreadable) {
    add('data', 'critical', section, `无法读取${SECTIONS[section] ?? section}数据（存储不可用），显示可能不完整 (store unavailable)`)
  }
  // Critical first; the order within a severity is the order above (stable sort).
  return alarms.sort((a, b) => (a.severity === b.severity ? 0 : a.severity === 'critical' ? -1 : 1))
}
