// The call-outcome tiles the dashboard (今日来电: `callsToday` of the live snapshot) and the
// monthly report (来电: its `calls`) both show, from one CallFigures document
// (src/domain/call-figures.ts; definitions in docs/operations.md). The page computes no
// figure: every number comes from the server, this only words it.
import { duration, pct } from './common.js'

/** The tiles, by data-figure (after the page's prefix), in the pages' order. */
export const CALL_TILES = ['offered', 'served', 'by-design', 'abandoned', 'queue-abandon-rate', 'cut', 'failed', 'refused']

const CUT_WORDS = [['drainDeadline', '停机超时'], ['switchLost', '交换机断开'], ['shutdown', '关闭'], ['controllerRestarted', '控制器重启']]

/**
 * What each tile shows for `c` (undefined: the figures could not be read): its text, the raw
 * value for machines (data-value), the line under it and its colour (ok | warn | bad).
 */
export function callTiles (c) {
  if (c === undefined) return Object.fromEntries(CALL_TILES.map((figure) => [figure, { text: '—', value: '', sub: '' }]))
  const n = (v) => ({ text: String(v), value: String(v) })
  const a = c.abandoned
  return {
    offered: {
      ...n(c.offered),
      sub: c.addsUp ? `已完成 ${c.completed} · 进入排队 ${c.queued}` : '各结果之和与来电数不符 (figures do not add up)',
      level: c.addsUp ? undefined : 'warn'
    },
    served: { ...n(c.served), sub: '接通话务员或专员' },
    'by-design': { ...n(c.completedByDesign), sub: '工单、转普通热线等' },
    abandoned: { ...n(a.total), sub: `IVR ${a.ivr} · 排队 ${a.queue} · 振铃中 ${a.ringingAgent}` },
    'queue-abandon-rate': {
      text: pct(c.queueAbandonRate),
      value: c.queueAbandonRate === null ? '' : String(c.queueAbandonRate),
      sub: `进入排队 ${c.queued}${c.queueAbandonAvgWaitMs === null ? '' : ` · 平均等待 ${duration(c.queueAbandonAvgWaitMs)}`}`
    },
    cut: { ...n(c.cut), sub: CUT_WORDS.filter(([key]) => c.cutReasons[key] > 0).map(([key, words]) => `${words} ${c.cutReasons[key]}`).join(' · ') },
    failed: { ...n(c.failed), level: c.failed > 0 ? 'bad' : undefined },
    refused: { ...n(c.refused), level: c.refused > 0 ? 'warn' : undefined }
  }
}
