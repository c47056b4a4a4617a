// Shanghai wall-clock times for the calendar's tests, computed apart from the code under test
// (Date with an explicit offset, Intl with the IANA zone), so a wrong zone in it shows.

/** Epoch ms of an Asia/Shanghai wall-clock time, parsed by Date with an explicit offset. */
export const at = (local: string): number => {
  const ms = Date.parse(`${local}+08:00`)
  if (Number.isNaN(ms)) throw new Error(`bad test time ${local}`)
  return ms
}

const shanghai = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit',
  hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23'
})

/** `YYYY-MM-DDTHH:MM:SS` in Shanghai. */
export const localText = (ms: number): string => {
  const p = Object.fromEntries(shanghai.formatToParts(ms).map((x) => [x.type, x.value]))
  return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}:${p.second}`
}
