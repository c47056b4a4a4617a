// The start page: the list of pages, open to everyone (each page asks for its own token).
import { PAGES, el } from './common.js'

const DESCRIPTIONS = {
  'dashboard.html': '接通率、在线通话、话务员状态、工单与告警，实时推送 (supervisors)',
  'agent.html': '签入、示闲/示忙、当前来电、三方转接、离开会议、登记工单 (agents)',
  'report.html': '转接请求、转接成功率、次紧急工单、24小时办结率、解决率、满意率 (monthly report)',
  'flows.html': 'IVR 流程图 (ivr-flows/)',
  'dial-test.html': '部门转接号码拨测与结果 (dial-testing)',
  '/docs': 'OpenAPI 接口文档'
}

document.getElementById('pages').append(...PAGES.map(([href, title]) =>
  el('li', {}, el('a', { href: href.startsWith('/') ? href : `/ui/${href}` }, title), ' — ', DESCRIPTIONS[href] ?? '')))
